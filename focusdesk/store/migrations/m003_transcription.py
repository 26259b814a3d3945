"""Transcription runs: which engine, model, language and settings produced which segments.

One row per (recording, channel) pass. A run that never reached ``done`` was interrupted; running
the job again resumes after the last stored segment of that recording and channel. Low-confidence
words are not stored as a flag: they are derived from ``words.probability`` (see
focusdesk.transcribe.types.LOW_CONFIDENCE).
"""

NUMBER = 3

SQL = """
CREATE TABLE IF NOT EXISTS transcription_runs (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    recording_id INTEGER REFERENCES recordings(id) ON DELETE CASCADE,
    channel INTEGER,
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    language TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    start_ms INTEGER NOT NULL DEFAULT 0,
    end_ms INTEGER,
    segments INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'running',
    error TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS transcription_runs_recording ON transcription_runs(recording_id, channel, status);
CREATE INDEX IF NOT EXISTS segments_recording_end ON segments(recording_id, channel, end_ms);
"""
