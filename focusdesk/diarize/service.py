"""Diarize a session end to end: choose the recordings and the speaker count, run the job in a
child process, store each recording's result as it arrives, merge it into the transcript and
recognise enrolled voices. Used by the CLI and the window alike."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.core.model import Session
from focusdesk.core.turns import Diarization, Turn
from focusdesk.diarize import results
from focusdesk.diarize.taps import TapMapping, map_voices_from_taps
from focusdesk.store import diarization, sessions, transcripts
from focusdesk.store.workspace import Workspace

WORKER = "focusdesk.diarize.job:diarize_worker"


@dataclass
class DiarizeReport:
    recordings: int = 0
    speakers: int = 0  # distinct speakers in the session's turns afterwards
    recognised: list[tuple[int, str]] = field(default_factory=list)  # (speaker id, name)
    taps: TapMapping | None = None  # voices named from "this is P03 speaking" taps


def speaker_hint(session: Session) -> int | None:
    """Upper bound on voices: the people recorded as present (participants + facilitators)."""
    n = len(session.participant_ids) + len(session.facilitator_ids)
    return n or None


def job_params(ws: Workspace, session_id: int, *, num_speakers: int | None = None,
               channels: bool = False, resume: bool = False) -> dict:
    """The worker's params; raises ValueError with what to do when the session cannot be run.
    ``resume``: leave out recordings that already have turns from this mode (after a run of a
    several-recording session was interrupted: each finished recording was stored)."""
    session = sessions.get_session(ws.db, session_id)
    if session is None:
        raise LookupError(f"No session with id {session_id}.")
    recs = transcripts.list_recordings(ws.db, session_id)
    if not recs:
        raise ValueError(f"Session {session.name!r} has no recording yet. Record it or import its "
                         "audio ('focusdesk import-audio FILE --session NAME') first.")
    if num_speakers is not None and not 1 <= num_speakers <= 20:
        raise ValueError("--speakers must be between 1 and 20.")
    if channels:
        mono = [r for r in recs if r.channels < 2]
        if mono:
            raise ValueError(f"{ws.resolve(mono[0].path).name} has one channel, so channel mode "
                             "cannot tell voices apart. Run diarization without --channels.")
    missing = [r for r in recs if not ws.resolve(r.path).is_file()]
    if missing:
        raise ValueError(f"The recording file {missing[0].path} is missing from the study folder; "
                         "put it back (or re-import it) and try again.")
    if resume:
        mode = "channels" if channels else "model"
        done = {run["recording_id"] for run in diarization.last_runs(ws.db, session_id) if run["mode"] == mode}
        recs = [r for r in recs if r.id not in done]
        if not recs:
            raise ValueError(f"Every recording of {session.name!r} already has its speakers; run without "
                             "--resume to find them again.")
    return {
        "recordings": [{"id": r.id, "path": str(ws.resolve(r.path)), "duration_ms": r.duration_ms,
                        "channels": r.channels} for r in recs],
        "mode": "channels" if channels else "model",
        "num_speakers": num_speakers,
        "max_speakers": None if num_speakers else speaker_hint(session),
    }


def store_message(db: sqlite_utils.Database, message: dict, merge: bool = True) -> dict[str, int]:
    """Store one ``diarization`` message from the worker (one recording)."""
    rec = transcripts.get_recording(db, message["recording_id"])
    if rec is None:  # deleted while the job ran
        return {}
    result = Diarization([Turn(int(s), int(e), str(lab)) for s, e, lab in message["turns"]],
                         int(message["duration_ms"]), message["engine"], message.get("centroids") or {})
    return results.save_diarization(
        db, rec, result, mode=message["mode"], requested=message.get("requested"),
        max_speakers=message.get("max_speakers"), elapsed_s=message.get("elapsed_s"), merge=merge)


def finish(db: sqlite_utils.Database, session_id: int, params: dict) -> DiarizeReport:
    """After the job: name voices from the session's taps, then recognise enrolled voices (so
    taps win where they disagree), and count what there is."""
    report = DiarizeReport(recordings=len(params["recordings"]))
    report.taps = map_voices_from_taps(db, session_id)
    if params["mode"] == "model":
        from focusdesk.diarize.engine import ENGINE_NAME

        report.recognised = results.recognise_enrolled(db, session_id, ENGINE_NAME)
    report.speakers = len({t.speaker for t, _ in diarization.session_turns(db, session_id)})
    return report


def diarize_session(ws: Workspace, session_id: int, *, num_speakers: int | None = None,
                    channels: bool = False,
                    on_progress: Callable[[float, float | None, str], None] | None = None,
                    cancel: threading.Event | None = None, resume: bool = False) -> DiarizeReport:
    """Run the whole thing (blocking; the window runs it through its job controller instead)."""
    from focusdesk.jobs.runner import run_job

    params = job_params(ws, session_id, num_speakers=num_speakers, channels=channels, resume=resume)

    def on_message(msg: dict) -> None:
        if msg["type"] == "progress" and on_progress:
            on_progress(float(msg.get("fraction") or 0), msg.get("eta_s"), msg.get("text", ""))
        elif msg["type"] == "diarization":
            store_message(ws.db, msg)

    run_job(WORKER, params, on_message, cancel)
    return finish(ws.db, session_id, params)
