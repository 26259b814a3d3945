"""Diarization: runs, speaker turns, voice centroids per speaker, enrolled voices.

Turns are kept apart from the transcript: they give talk time and the sample to play even before
(or without) a transcript, and a later transcription can be merged with them again.
"""

NUMBER = 6

SQL = """
CREATE TABLE diarization_runs (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    recording_id INTEGER REFERENCES recordings(id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('model', 'channels')),
    requested_speakers INTEGER,
    max_speakers INTEGER,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    elapsed_s REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX diarization_runs_session ON diarization_runs(session_id);
CREATE TABLE speaker_turns (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES diarization_runs(id) ON DELETE CASCADE,
    speaker_id INTEGER REFERENCES speakers(id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL
);
CREATE INDEX speaker_turns_run ON speaker_turns(run_id, start_ms);
CREATE INDEX speaker_turns_speaker ON speaker_turns(speaker_id);
CREATE TABLE speaker_voices (
    speaker_id INTEGER PRIMARY KEY REFERENCES speakers(id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE TABLE voice_prints (
    id INTEGER PRIMARY KEY,
    facilitator_id INTEGER REFERENCES facilitators(id) ON DELETE CASCADE,
    participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    embedding BLOB NOT NULL,
    source_session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    CHECK ((facilitator_id IS NULL) != (participant_id IS NULL))
);
"""
