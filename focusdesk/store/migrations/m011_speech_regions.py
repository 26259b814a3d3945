"""Where the transcription heard speech (its VAD regions), so untranscribed speech can be shown.

One row per region, session time, without the VAD's padding; written as each window's speech
detection completes, so a resumed transcription keeps what the killed one found (see
focusdesk.store.speech_regions).
"""

NUMBER = 11

SQL = """
CREATE TABLE IF NOT EXISTS speech_regions (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    channel INTEGER,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS speech_regions_session ON speech_regions(session_id, start_ms);
"""
