"""Unsaved typing of the transcript editor's open turn, kept so a crash does not lose it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.store.tx import now_iso


@dataclass
class Draft:
    segment_id: int
    session_id: int
    text: str  # what was typed
    saved_text: str  # what the turn says in the transcript
    saved_at: str


def save_draft(db: sqlite_utils.Database, segment_id: int, text: str) -> None:
    """Keep ``text`` as the draft of the segment (one draft per segment, the latest wins)."""
    row = db.execute("SELECT session_id FROM segments WHERE id = ?", [segment_id]).fetchone()
    if row is None:
        return
    db.execute("INSERT INTO edit_drafts (segment_id, session_id, text, saved_at) "
               "VALUES (?, ?, ?, ?) ON CONFLICT(segment_id) DO UPDATE SET "
               "text = excluded.text, saved_at = excluded.saved_at",
               [segment_id, row[0], text, now_iso()])


def clear_draft(db: sqlite_utils.Database, segment_id: int) -> None:
    db.execute("DELETE FROM edit_drafts WHERE segment_id = ?", [segment_id])


def list_drafts(db: sqlite_utils.Database, session_id: int) -> list[Draft]:
    """Drafts that differ from the turn's text (the others are cleared), in transcript order."""
    rows = db.execute(
        "SELECT d.segment_id, d.session_id, d.text, s.text, d.saved_at FROM edit_drafts d "
        "JOIN segments s ON s.id = d.segment_id WHERE d.session_id = ? ORDER BY s.start_ms",
        [session_id]).fetchall()
    drafts = [Draft(*r) for r in rows]
    same = [d.segment_id for d in drafts if " ".join(d.text.split()) == " ".join(d.saved_text.split())]
    for seg_id in same:
        clear_draft(db, seg_id)
    return [d for d in drafts if d.segment_id not in same]
