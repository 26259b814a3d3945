"""Coders: who made each coding (and memo), so that two researchers can code the same sessions
independently and their agreement can be measured.

Every coding made before this migration belongs to the default coder (id 1, "default"). A
coder's ``guid`` is the REFI-QDA user it came from (empty: made here; exports derive one).
``codings.coder_id`` carries no REFERENCES clause because SQLite refuses ADD COLUMN with a
foreign key and a non-NULL default; ``store/coders.py`` is the one writer.
"""

NUMBER = 17

SQL = """
CREATE TABLE coders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    guid TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX coders_name ON coders(name COLLATE NOCASE);
INSERT INTO coders (id, name, created_at) VALUES (1, 'default', strftime('%Y-%m-%dT%H:%M:%S', 'now'));
ALTER TABLE codings ADD COLUMN coder_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX codings_coder ON codings(coder_id, session_id);
ALTER TABLE memos ADD COLUMN coder_id INTEGER NOT NULL DEFAULT 1;
"""
