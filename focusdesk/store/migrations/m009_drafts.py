"""Typing in an open turn editor, saved while it happens.

An edit is committed on Enter, focus loss or closing the tab; a crash before that used to lose
what was typed. The editor writes the open text here a second after each keystroke and deletes
it on commit or cancel; whatever is left when a session opens is offered back.
"""

NUMBER = 9

SQL = """
CREATE TABLE IF NOT EXISTS edit_drafts (
    segment_id INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
"""
