"""One shape for the study's long jobs (transcription, diarization), for the CLI and the window.

- :class:`JobSpec` says what to run: kind, session, title, settings, all plain picklable values.
- A :class:`SessionJob` is a kind's parent side: the worker to run in the child process and its
  params, ``handle(message)`` storing each message (in the thread that owns the database) and
  ``finish(outcome, error)`` closing what is still open and saying what happened.
- :class:`JobRun` feeds the runner's messages to a SessionJob, turns progress messages into
  :class:`Progress` events and the end into one :class:`JobResult` with a :class:`JobOutcome`.
  The CLI's progress bar and the window's jobs panel read the same events from it.
- :func:`run_session_job` runs one blocking (CLI, tests); the window runs the runner on a thread
  and calls the same ``JobRun.deliver`` / ``JobRun.end`` on its own thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from typing import Protocol

from focusdesk.jobs.runner import JobCancelled, JobCrashed, JobError, Message, run_job

log = logging.getLogger(__name__)


class JobKind(StrEnum):
    TRANSCRIBE = "transcribe"
    DIARIZE = "diarize"
    FILL = "fill"  # transcribe untranscribed stretches again (focusdesk.transcribe.fill_service)
    LIVE = "live_transcribe"  # while a session is recorded (focusdesk.transcribe.live_service)


@dataclass(frozen=True)
class JobSpec:
    """What to run; plain values only, so a spec can be pickled, shown or kept."""

    kind: JobKind
    session_id: int
    title: str
    settings: dict = field(default_factory=dict)  # the kind's options (see its from_spec)


class JobOutcome(Enum):
    DONE = "done"
    CANCELLED = "cancelled"  # someone asked (Cancel, Ctrl+C); what was stored stays
    INTERRUPTED = "interrupted"  # the child died (native crash, out-of-memory kill); resumable
    FAILED = "failed"  # the worker raised, or storing its results in the parent failed


@dataclass(frozen=True)
class JobResult:
    outcome: JobOutcome
    message: str  # for a person: what happened, what was kept, what to do
    error: BaseException | None = None


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0..1
    eta_s: float | None
    text: str

    @classmethod
    def from_message(cls, message: Message) -> Progress | None:
        if message.get("type") != "progress":
            return None
        return cls(max(0.0, min(1.0, float(message.get("fraction") or 0.0))), message.get("eta_s"),
                   str(message.get("text", "")))


class SessionJob(Protocol):
    """The parent side of one kind of job (see the module docstring)."""

    worker: str

    @property
    def spec(self) -> JobSpec: ...

    def params(self) -> dict: ...

    def handle(self, message: Message) -> None: ...

    def progress_note(self) -> str: ...

    def finish(self, outcome: JobOutcome, error: BaseException | None = None) -> str: ...


def outcome_of(error: BaseException | None) -> JobOutcome:
    if error is None:
        return JobOutcome.DONE
    if isinstance(error, JobCancelled | KeyboardInterrupt):
        return JobOutcome.CANCELLED
    if isinstance(error, JobCrashed):
        return JobOutcome.INTERRUPTED
    return JobOutcome.FAILED


class JobRun:
    """One run of a SessionJob: deliver each message, then end it once with the runner's error."""

    def __init__(self, job: SessionJob, on_progress: Callable[[Progress], None] | None = None,
                 on_message: Callable[[Message], None] | None = None):
        self.job = job
        self.on_progress = on_progress
        self.on_message = on_message
        self.pid: int | None = None  # the child process, once it is up
        self.result: JobResult | None = None

    def deliver(self, message: Message) -> None:
        if message.get("type") == "started":
            self.pid = int(message["pid"])
        self.job.handle(message)
        if self.on_message is not None:
            self.on_message(message)
        progress = Progress.from_message(message)
        if progress is not None and self.on_progress is not None:
            note = self.job.progress_note()
            if note and progress.text:
                progress = replace(progress, text=f"{progress.text} — {note}")
            self.on_progress(progress)

    def end(self, error: BaseException | None) -> JobResult:
        outcome = outcome_of(error)
        self.result = JobResult(outcome, self.job.finish(outcome, error), error)
        return self.result


class Waitable:
    """``wait`` for a job handle that has ``pump`` and ``run`` (BackgroundJob, jobs/remote.RemoteJob)."""

    run: JobRun

    def pump(self) -> JobResult | None: ...

    def wait(self, poll_s: float = 0.1, timeout: float | None = None) -> JobResult | None:
        """Pump until the job ends (or ``timeout`` seconds pass)."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.pump() is None:
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(poll_s)
        return self.run.result


class BackgroundJob(Waitable):
    """A SessionJob run on a thread, its messages stored when the owner calls :meth:`pump`.

    For a caller that has its own loop and owns the database (the CLI's recording loop, the
    benchmark): the runner's thread only queues messages, so storing happens where the caller
    wants it, and the caller's loop never waits for the job.
    """

    def __init__(self, job: SessionJob, on_progress: Callable[[Progress], None] | None = None):
        import queue

        self.run = JobRun(job, on_progress)
        self.cancel_event = threading.Event()
        self._messages: queue.Queue = queue.Queue()
        self._error: list[BaseException | None] = []
        self._thread = threading.Thread(target=self._main, args=(job.worker, job.params()),
                                        name="focusdesk-job", daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def _main(self, worker: str, params: dict) -> None:
        try:
            run_job(worker, params, self._messages.put, self.cancel_event)
        except BaseException as exc:  # noqa: BLE001 - handed to the owner's thread in pump()
            self._error.append(exc)
        else:
            self._error.append(None)

    def pump(self) -> JobResult | None:
        """Store what arrived; the result once the job has ended (and everything is stored)."""
        import queue

        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                break
            try:
                self.run.deliver(message)
            except BaseException as exc:
                self.cancel_event.set()
                self._thread.join()
                self.run.end(exc)
                raise
        if self._error and self._messages.empty() and self.run.result is None:
            self.run.end(self._error[0])
        return self.run.result

    def cancel(self) -> JobResult | None:
        self.cancel_event.set()
        self._thread.join(15)
        return self.pump()


def run_session_job(job: SessionJob, on_progress: Callable[[Progress], None] | None = None,
                    cancel: threading.Event | None = None,
                    on_message: Callable[[Message], None] | None = None) -> JobResult:
    """Run ``job`` here, blocking; the job's own end (cancel, crash, worker error) is the result.

    An error while storing in this process (a full disk) ends the job as FAILED and is raised
    again, so the caller's translation of known errors applies.
    """
    run = JobRun(job, on_progress, on_message)
    spec = job.spec  # the log says which job and session by id, never by name
    log.debug("job %s of session %s starting", spec.kind.value, spec.session_id)
    try:
        run_job(job.worker, job.params(), run.deliver, cancel)
    except (JobCancelled, JobCrashed, JobError, KeyboardInterrupt) as exc:
        result = run.end(exc)
    except BaseException as exc:
        log.info("job %s of session %s failed: %s", spec.kind.value, spec.session_id,
                 type(exc).__name__)
        run.end(exc)
        raise
    else:
        result = run.end(None)
    log.info("job %s of session %s ended: %s", spec.kind.value, spec.session_id,
             result.outcome.value)
    return result
