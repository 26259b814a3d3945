"""Coding and analysis: code notes and pins, the code trash, topic sections, framework summaries.

Deleted codes leave the ``codes`` table (so every other query, export and view sees only live
codes) and are kept whole in ``code_trash`` as JSON: the code subtree, its codings, its framework
summaries and the memos that pointed at it, restorable until the trash is emptied.
"""

NUMBER = 7

SQL = """
ALTER TABLE codes ADD COLUMN inclusion TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN exclusion TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN pin INTEGER;
CREATE TABLE code_trash (
    id INTEGER PRIMARY KEY,
    code_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    parent_id INTEGER,
    n_codes INTEGER NOT NULL,
    n_codings INTEGER NOT NULL,
    payload TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE TABLE topic_sections (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    guide_item_key TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    marker_id INTEGER REFERENCES markers(id) ON DELETE SET NULL,
    adjusted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX topic_sections_session ON topic_sections(session_id, start_ms);
CREATE TABLE framework_summaries (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    summary TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (participant_id, code_id)
);
CREATE INDEX codings_speaker ON codings(speaker_id);
"""
