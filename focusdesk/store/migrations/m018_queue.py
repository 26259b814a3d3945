"""The processing queue: "run step S on session N", kept in the study so it survives a crash.

A task is plain data (session, step, settings as JSON), so a runner elsewhere (a Dask worker,
later) could take one; the study's owner alone writes results and states. ``pid`` is the process
that claimed a running task: a task left running by a dead process is queued again.
"""

NUMBER = 18

SQL = """
CREATE TABLE queue_tasks (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    step TEXT NOT NULL CHECK (step IN ('transcribe', 'diarize', 'fill')),
    position INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'paused')),
    settings TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    pid INTEGER,
    audio_ms INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    elapsed_s REAL
);
CREATE INDEX queue_tasks_state ON queue_tasks(state, position);
"""
