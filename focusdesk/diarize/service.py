"""Diarize a session end to end: choose the recordings and the speaker count, run the job in a
child process, store each recording's result as it arrives, merge it into the transcript and
recognise enrolled voices. :class:`SessionDiarization` is the job's parent side (a
:class:`focusdesk.jobs.SessionJob`), run by the CLI and the window alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import sqlite_utils

from focusdesk.core.model import Session
from focusdesk.core.turns import Diarization, Turn
from focusdesk.diarize import results
from focusdesk.diarize.taps import TapMapping, map_voices_from_taps
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobSpec, Progress, run_session_job
from focusdesk.store import diarization, sessions, transcripts, withdrawal
from focusdesk.store.workspace import Workspace

WORKER = "focusdesk.diarize.job:diarize_worker"


@dataclass
class DiarizeReport:
    recordings: int = 0
    speakers: int = 0  # distinct speakers in the session's turns afterwards
    recognised: list[tuple[int, str]] = field(default_factory=list)  # (speaker id, name)
    taps: TapMapping | None = None  # voices named from "this is P03 speaking" taps


def speaker_hint(session: Session) -> int | None:
    """Upper bound on voices: the people recorded as present. Someone runs every session, so a
    session that lists no facilitator still has one (an interview with one participant has two
    voices). The engine only removes voices beyond the bound, never merges below it."""
    if not session.participant_ids and not session.facilitator_ids:
        return None
    return len(session.participant_ids) + max(1, len(session.facilitator_ids))


def job_params(ws: Workspace, session_id: int, *, num_speakers: int | None = None,
               channels: bool = False, resume: bool = False, setting: str | None = None) -> dict:
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
    withdrawal.refuse_new_pass(ws.db, session_id, session.name, "diarize")
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
        "setting": setting,
    }


def store_message(db: sqlite_utils.Database, message: dict, merge: bool = True) -> dict[str, int]:
    """Store one ``diarization`` message from the worker (one recording)."""
    rec = transcripts.get_recording(db, message["recording_id"])
    if rec is None:  # deleted while the job ran
        return {}
    result = Diarization([Turn(int(s), int(e), str(lab)) for s, e, lab in message["turns"]],
                         int(message["duration_ms"]), message["engine"], message.get("centroids") or {},
                         message.get("settings") or {})
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


@dataclass
class SessionDiarization:
    """One diarization of a session: ``job_params`` at once (raising what to do when it cannot
    run), then every job message to :meth:`handle`, and :meth:`finish` at the end."""

    worker: ClassVar[str] = WORKER

    ws: Workspace
    session_id: int
    num_speakers: int | None = None
    channels: bool = False
    resume: bool = False
    title: str = ""
    setting: str | None = None  # engine.SETTINGS; None: auto (or $FOCUSDESK_DIARIZE_SETTING)
    stored: int = 0  # recordings whose turns were stored
    report: DiarizeReport | None = None

    def __post_init__(self) -> None:
        self._params = job_params(self.ws, self.session_id, num_speakers=self.num_speakers,
                                  channels=self.channels, resume=self.resume, setting=self.setting)
        if not self.title:
            session = sessions.get_session(self.ws.db, self.session_id)
            self.title = f"Finding speakers in {session.name if session else self.session_id}"
        self._began = time.monotonic()

    @classmethod
    def from_spec(cls, ws: Workspace, spec: JobSpec) -> SessionDiarization:
        o = spec.settings
        return cls(ws, spec.session_id, num_speakers=o.get("num_speakers"),
                   channels=bool(o.get("channels")), resume=bool(o.get("resume")), title=spec.title,
                   setting=o.get("setting"))

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind.DIARIZE, self.session_id, self.title, {
            "num_speakers": self.num_speakers, "channels": self.channels, "resume": self.resume,
            "setting": self.setting})

    def params(self) -> dict:
        return self._params

    def handle(self, message: dict) -> None:
        if message.get("type") == "started":
            self._began = time.monotonic()
        elif message.get("type") == "diarization":
            store_message(self.ws.db, message)
            self.stored += 1

    def progress_note(self) -> str:
        return ""

    def finish(self, outcome: JobOutcome = JobOutcome.DONE, error: BaseException | None = None) -> str:
        kept = " Recordings already done are kept." if self.stored else ""
        if outcome is JobOutcome.CANCELLED:
            return f"Cancelled; nothing else was changed.{kept}"
        if outcome is not JobOutcome.DONE:
            return (f"Finding speakers failed: {error}.{kept} Try again, or use channel mode for a "
                    "recording with one person per channel.")
        self.report = finish(self.ws.db, self.session_id, self._params)
        text = f"Found {self.report.speakers} voice(s) in {time.monotonic() - self._began:.0f} s."
        if self.report.taps is not None and self.report.taps.assigned:
            text += f" Named {len(self.report.taps.assigned)} voice(s) from the seat taps."
        for _sid, name in self.report.recognised:
            text += f" Recognised the enrolled voice of {name}."
        return text


def diarize_session(ws: Workspace, session_id: int, *, num_speakers: int | None = None,
                    channels: bool = False,
                    on_progress: Callable[[Progress], None] | None = None,
                    cancel: threading.Event | None = None, resume: bool = False) -> DiarizeReport:
    """Run the whole thing here (blocking); raises the job's error unless it is done."""
    job = SessionDiarization(ws, session_id, num_speakers=num_speakers, channels=channels,
                             resume=resume)
    result = run_session_job(job, on_progress, cancel)
    if result.error is not None:
        raise result.error
    return job.report
