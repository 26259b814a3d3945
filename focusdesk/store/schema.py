"""Forward-only migrations. Each runs in its own transaction and bumps ``PRAGMA user_version``.

The base schema is here; later migrations are modules in ``focusdesk/store/migrations/``. Never
edit one that has shipped. A gap in numbers is allowed so that parallel work can reserve a number.
"""

from __future__ import annotations

MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE study (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    role TEXT NOT NULL DEFAULT '',
    real_name TEXT NOT NULL DEFAULT '',
    consent_date TEXT NOT NULL DEFAULT '',
    attributes TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE facilitators (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    initials TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('focus-group', 'telephone-interview', 'interview')),
    site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    date TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE session_participants (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, participant_id)
);
CREATE TABLE session_facilitators (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    facilitator_id INTEGER NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, facilitator_id)
);
CREATE TABLE guide_items (
    key TEXT PRIMARY KEY,
    parent_key TEXT REFERENCES guide_items(key) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('section', 'question', 'probe')),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    planned_minutes REAL
);
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    sample_rate INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    sha256 TEXT NOT NULL DEFAULT '',
    offset_ms INTEGER NOT NULL DEFAULT 0,
    dropped_blocks INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'complete',
    created_at TEXT NOT NULL
);
CREATE TABLE speakers (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    facilitator_id INTEGER REFERENCES facilitators(id) ON DELETE SET NULL,
    UNIQUE (session_id, label)
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    recording_id INTEGER REFERENCES recordings(id) ON DELETE SET NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    speaker_id INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
    channel INTEGER,
    source TEXT NOT NULL DEFAULT 'whisper',
    text TEXT NOT NULL
);
CREATE INDEX segments_session_time ON segments(session_id, start_ms);
CREATE TABLE words (
    id INTEGER PRIMARY KEY,
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    text TEXT NOT NULL,
    probability REAL
);
CREATE INDEX words_segment ON words(segment_id, idx);
CREATE TABLE markers (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    ms INTEGER NOT NULL,
    guide_item_key TEXT,
    tag TEXT,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX markers_session_time ON markers(session_id, ms);
CREATE TABLE codes (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES codes(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    colour TEXT NOT NULL DEFAULT '#888888',
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    speaker_id INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
    memo TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX codings_session_time ON codings(session_id, start_ms);
CREATE INDEX codings_code ON codings(code_id);
CREATE TABLE memos (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    code_id INTEGER REFERENCES codes(id) ON DELETE SET NULL,
    participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
""",
    # v2: study-wide settings (quick tags, consent script, vocabulary, redaction list) and
    # full-text search over transcript segments.
    2: """
ALTER TABLE study ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
CREATE VIRTUAL TABLE segments_fts USING fts5(
    text, content='segments', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO segments_fts(rowid, text) SELECT id, text FROM segments;
CREATE TRIGGER segments_fts_ai AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER segments_fts_ad AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER segments_fts_au AFTER UPDATE OF text ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
""",
}



def _discover() -> None:
    import importlib
    import pkgutil

    import focusdesk.store.migrations as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        number, sql = getattr(module, "NUMBER", None), getattr(module, "SQL", None)
        if number is None or sql is None:
            continue
        if number in MIGRATIONS:
            raise RuntimeError(f"migration number {number} is used twice ({info.name})")
        MIGRATIONS[number] = sql


_discover()
LATEST = max(MIGRATIONS)
