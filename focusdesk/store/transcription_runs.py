"""Transcription runs: one row per (recording, channel) pass of Whisper, and where it got to.

A run that never reached ``done`` was interrupted; the next job resumes after the last Whisper
segment stored for that recording and channel (:func:`whisper_end_ms`). Starting again from the
beginning replaces that pass (:func:`replace_pass`), done only once the new job is running, so a
restart that is cancelled early keeps the old transcript.
"""

from __future__ import annotations

import sqlite_utils

from focusdesk.store.tx import now_iso, transaction

OPEN = "running"


def whisper_end_ms(db: sqlite_utils.Database, recording_id: int, channel: int | None) -> int | None:
    """End (session timeline) of the last Whisper segment of this recording and channel."""
    row = db.execute("SELECT MAX(end_ms) FROM segments WHERE recording_id = ? AND channel IS ? "
                     "AND source = 'whisper'", [recording_id, channel]).fetchone()
    return row[0] if row and row[0] is not None else None


def is_done(db: sqlite_utils.Database, recording_id: int, channel: int | None) -> bool:
    row = db.execute("SELECT 1 FROM transcription_runs WHERE recording_id = ? AND channel IS ? "
                     "AND status = 'done' LIMIT 1", [recording_id, channel]).fetchone()
    return row is not None


def list_runs(db: sqlite_utils.Database, session_id: int) -> list[dict]:
    return list(db["transcription_runs"].rows_where("session_id = ?", [session_id], order_by="id"))


def replace_pass(db: sqlite_utils.Database, recording_id: int, channel: int | None) -> None:
    """Drop the Whisper segments (and detected speech) of this recording and channel; earlier runs become ``replaced``."""
    with transaction(db):
        db.execute("DELETE FROM segments WHERE recording_id = ? AND channel IS ? "
                   "AND source IN ('whisper', 'whisper-fill')", [recording_id, channel])
        db.execute("DELETE FROM speech_regions WHERE recording_id = ? AND channel IS ?",
                   [recording_id, channel])
        db.execute("UPDATE transcription_runs SET status = 'replaced' WHERE "
                   "recording_id = ? AND channel IS ?", [recording_id, channel])


def start_run(db: sqlite_utils.Database, *, session_id: int, recording_id: int, channel: int | None,
              engine: str, model: str, language: str | None, settings: str, start_ms: int) -> int:
    """A new ``running`` run; returns its id."""
    return db["transcription_runs"].insert({
        "session_id": session_id, "recording_id": recording_id, "channel": channel,
        "engine": engine, "model": model, "language": language, "settings": settings,
        "start_ms": start_ms, "status": OPEN, "started_at": now_iso()}).last_pk


def update_run(db: sqlite_utils.Database, run_id: int, **fields) -> None:
    """Record progress on a run (segments, end_ms, language, settings)."""
    db["transcription_runs"].update(run_id, fields)


def mark_done(db: sqlite_utils.Database, run_id: int, *, end_ms: int, settings: str) -> None:
    db["transcription_runs"].update(run_id, {"status": "done", "finished_at": now_iso(),
                                             "end_ms": end_ms, "settings": settings})


def close_run(db: sqlite_utils.Database, run_id: int, status: str, error: str | None = None) -> None:
    """End a run still ``running`` as ``status`` (done, cancelled, failed); others are left as they are."""
    row = db.execute("SELECT status FROM transcription_runs WHERE id = ?", [run_id]).fetchone()
    if row is not None and row[0] == OPEN:
        db["transcription_runs"].update(run_id, {"status": status, "finished_at": now_iso(),
                                                 "error": error})
