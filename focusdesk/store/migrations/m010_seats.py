"""The live console's seating plan and the "this is P03 speaking" taps.

A tap says who spoke at a moment of the session's media timeline; after diarization each voice
is named after the person whose taps its turns cover (``diarize/taps.py``). Seat positions are
remembered per session so the plan looks like the room.
"""

NUMBER = 10

SQL = """
CREATE TABLE seat_taps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_kind TEXT NOT NULL CHECK (person_kind IN ('participant', 'facilitator')),
    person_id INTEGER NOT NULL,
    t_ms INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('live', 'editor')),
    created_at TEXT NOT NULL
);
CREATE INDEX seat_taps_session ON seat_taps(session_id, t_ms);
CREATE TABLE seat_positions (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_kind TEXT NOT NULL CHECK (person_kind IN ('participant', 'facilitator')),
    person_id INTEGER NOT NULL,
    x REAL NOT NULL,
    y REAL NOT NULL,
    PRIMARY KEY (session_id, person_kind, person_id)
);
"""
