"""Framework summaries carry their coder, like codings and memos (migration 017): each coder
writes their own summary of a participant × theme cell, and a coder's copy merges its
summaries back (``store/merge.py``) without overwriting anyone else's.

SQLite cannot change a primary key in place, so the table is rebuilt with ``coder_id`` in the
key; every existing summary belongs to the default coder (id 1). Summaries need no GUID: a
merge matches them by participant code, theme (code GUID) and coder.
"""

NUMBER = 20

SQL = """
CREATE TABLE framework_summaries_020 (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    coder_id INTEGER NOT NULL DEFAULT 1,
    summary TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (participant_id, code_id, coder_id)
);
INSERT INTO framework_summaries_020 (participant_id, code_id, coder_id, summary, updated_at)
    SELECT participant_id, code_id, 1, summary, updated_at FROM framework_summaries;
DROP TABLE framework_summaries;
ALTER TABLE framework_summaries_020 RENAME TO framework_summaries;
CREATE INDEX framework_summaries_code ON framework_summaries(code_id);
"""
