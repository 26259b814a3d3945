"""The parent side of live transcription: a session's takes go to the live worker as they start
and close; its segments are stored like an offline transcription's (segments, words, a run per
take whose settings say ``"live": true``) and shown as captions.

It is a :class:`~focusdesk.transcribe.service.SessionTranscription` whose tasks grow: planned
from the session's recordings not yet transcribed (a take recovered after a crash resumes after
its last stored segment), then one per take as the recorder opens it (:meth:`add_take`),
closed with its final length (:meth:`take_closed`). :meth:`stop` says no more takes come; the
worker then finishes the tail and the job ends. A take's run is marked done once its whole file
is transcribed, so ``focusdesk transcribe`` afterwards finds nothing missing; a job that died or
was cancelled leaves its runs open, and either transcription resumes after the last segment.

The recorder never calls into this: the console or the CLI tells it about takes, and the worker
reads the files on its own, so recording never waits for transcription.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from focusdesk.core.model import Recording
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobSpec
from focusdesk.store import transcripts
from focusdesk.transcribe.live import LIVE_WORKER, SPEED_WORKER
from focusdesk.transcribe.service import (
    DONE_SLACK_MS,
    SessionTranscription,
    Task,
    is_done,
    resume_point_ms,
)
from focusdesk.transcribe.types import Settings

LIVE_KEY = "live_transcription"  # study.settings: True, False, or absent (decided by the speed)
SPEED_KEY = "live_speed"  # study.settings: times real time measured by the microphone test
KEEPS_UP = 4.0  # decoding 4x real time on one thread leaves room for provisional tails and more
CATCHING_UP_S = 45.0  # behind by more than a window or so: say so


def live_enabled(study_settings: dict) -> bool:
    """On or off as the study chose; until then, on when the microphone test measured that this
    computer keeps up (off while it has not been measured)."""
    chosen = study_settings.get(LIVE_KEY)
    if chosen is not None:
        return bool(chosen)
    return float(study_settings.get(SPEED_KEY) or 0.0) >= KEEPS_UP


def live_settings(settings: Settings) -> Settings:
    """The offline settings, with one decoding thread (recording keeps the other cores) and the
    session mixed to one channel."""
    s = Settings.from_dict(settings.to_dict())
    s.threads, s.per_channel = 1, False
    return s


@dataclass
class Caption:
    """A line under the recorder: session times, text; ``provisional`` until it is stored."""

    start_ms: int
    end_ms: int
    text: str
    provisional: bool = False
    segment_id: int | None = None


@dataclass
class LiveTranscription(SessionTranscription):
    """See the module docstring; ``on_caption`` gets every stored or provisional caption."""

    worker: ClassVar[str] = LIVE_WORKER

    pace_s: float = 0.0  # tests: sleep before each window (a starved transcriber)
    on_caption: Callable[[Caption], None] | None = None
    behind_s: float = 0.0
    stopped: bool = False
    dropped: set[int] = field(default_factory=set)
    finished_tasks: set[int] = field(default_factory=set)
    committed: dict[int, int] = field(default_factory=dict)  # task: transcribed up to (session ms)
    control: object = None

    def __post_init__(self) -> None:
        self.settings = live_settings(self.settings)
        if not self.title:
            self.title = "Live transcript"
        self.control = multiprocessing.get_context("spawn").Queue()
        super().__post_init__()

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind.LIVE, self.session_id, self.title, self.settings.to_dict())

    def _plan(self) -> None:
        """Every finished recording not transcribed to its end (recovered takes included)."""
        for rec in transcripts.list_recordings(self.ws.db, self.session_id):
            if rec.status == "recording" or not self.ws.resolve(rec.path).is_file():
                continue
            if is_done(self.ws, rec, None):
                continue
            start = resume_point_ms(self.ws, rec, None)
            if start > 0 and start >= rec.duration_ms - DONE_SLACK_MS:
                continue
            self.tasks.append(Task(rec, None, start))

    def params(self) -> dict:
        base = super().params()
        for t in base["tasks"]:
            t["closed"] = True
        return {**base, "control": self.control, "pace_s": self.pace_s}

    def _settings_record(self) -> dict:
        return {**super()._settings_record(), "live": True}

    # --- from the recorder's owner ---------------------------------------------------------

    def add_take(self, rec: Recording) -> None:
        """A take was opened: transcribe it as it grows."""
        self.tasks.append(Task(rec, None, 0))
        self.control.put({"op": "take", "task": len(self.tasks) - 1,
                          "path": str(self.ws.resolve(rec.path)), "start_s": 0.0})

    def take_closed(self, rec: Recording | None, recording_id: int | None = None) -> None:
        """The take is complete (``rec`` as stored), or held no audio and is gone (``None``)."""
        rid = rec.id if rec is not None else recording_id
        for i, task in enumerate(self.tasks):
            if task.recording.id == rid and i not in self.dropped:
                if rec is None:
                    self.dropped.add(i)
                    self.control.put({"op": "dropped", "task": i})
                else:
                    task.recording = rec
                    self.control.put({"op": "closed", "task": i})

    def stop(self) -> None:
        """No more takes: the worker finishes the tail, then the job ends."""
        if not self.stopped:
            self.stopped = True
            self.control.put({"op": "stop"})

    # --- messages --------------------------------------------------------------------------

    def handle(self, message: dict) -> None:
        kind = message.get("type")
        if "task" in message and message["task"] in self.dropped:
            return
        if kind == "behind":
            self.behind_s = float(message["behind_s"])
            return
        if kind == "position":
            task = self.tasks[message["task"]]
            self.committed[message["task"]] = task.recording.offset_ms + round(message["end_s"] * 1000)
            return
        if kind == "provisional":
            if self.on_caption is not None and message["text"]:
                off = self.tasks[message["task"]].recording.offset_ms
                self.on_caption(Caption(off + round(message["start"] * 1000),
                                        off + round(message["end"] * 1000), message["text"], True))
            return
        if kind == "task_done":
            self.finished_tasks.add(message["task"])
        super().handle(message)

    def _store(self, task: Task, m: dict) -> None:
        before = self.on_segment
        seen: list = []
        self.on_segment = seen.append
        try:
            super()._store(task, m)
        finally:
            self.on_segment = before
        for seg in seen:
            if before is not None:
                before(seg)
            if self.on_caption is not None:
                self.on_caption(Caption(seg.start_ms, seg.end_ms, seg.text, False, seg.id))

    def behind_ms(self, now_ms: int | None = None) -> int:
        """Recorded audio not transcribed yet; ``now_ms``: the recorder's position (session time)
        for the take being recorded. Worked out here, so a transcriber too busy to report is
        still seen falling behind."""
        if now_ms is None:
            return int(self.behind_s * 1000)
        total = 0
        for i, task in enumerate(self.tasks):
            if i in self.dropped or i in self.finished_tasks:
                continue
            rec = task.recording
            end = now_ms if rec.status == "recording" else rec.offset_ms + rec.duration_ms
            total += max(0, end - self.committed.get(i, rec.offset_ms + task.start_ms))
        return total

    def progress_note(self) -> str:
        return catching_up(self.behind_s)

    def finish(self, outcome: JobOutcome = JobOutcome.DONE, error: BaseException | None = None) -> str:
        message = super().finish(outcome, error)
        if outcome is JobOutcome.DONE:
            return f"Live transcript complete: {self.stored} segment(s) stored."
        return message.replace("start again to continue", "transcribe the session to finish it")


@dataclass
class SpeedCheck:
    """A short job that measures how fast live transcription runs here (see live.speed_worker)."""

    worker: ClassVar[str] = SPEED_WORKER

    session_id: int
    settings: Settings
    factor: float | None = None

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind.LIVE, self.session_id, "Checking transcription speed",
                       self.settings.to_dict())

    def params(self) -> dict:
        return {"settings": live_settings(self.settings).to_dict()}

    def handle(self, message: dict) -> None:
        if message.get("type") == "speed":
            self.factor = float(message["factor"])

    def progress_note(self) -> str:
        return ""

    def finish(self, outcome: JobOutcome, error: BaseException | None = None) -> str:
        if self.factor is None:
            return f"The transcription speed could not be measured: {error or outcome.value}."
        verdict = "keeps up" if self.factor >= KEEPS_UP else "may not keep up"
        return f"Transcription runs {self.factor:g}× real time here: live captions {verdict}."


def catching_up(behind_s: float) -> str:
    """"catching up (2 min behind)" once the transcriber is more than a window behind."""
    if behind_s < CATCHING_UP_S:
        return ""
    if behind_s < 90:
        return f"catching up ({behind_s:.0f} s behind)"
    return f"catching up ({round(behind_s / 60)} min behind)"
