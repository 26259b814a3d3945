"""Run the study's processing queue (``store/queue.py``) through the one job machinery.

The runner takes the next task, builds its :class:`SessionJob` with a factory the caller gives
(so this package needs no transcription or diarization code: ``commands/process.py`` has the
default one), runs it in a child process through :class:`BackgroundJob` and stores its messages
in this thread, which owns the database. ``workers`` jobs run at once (one by default: a laptop).
Where a job runs is the ``launch`` callable's business: a child process here (BackgroundJob), or
a worker of a Dask cluster (``jobs/remote.py``), whose results come back to this thread alike.

Crash safety: a task is marked running with this process's pid; after a kill, :func:`recover`
queues it again and its job resumes from what it stored. Ctrl+C or ``cancel`` queues the running
tasks again; a task cancelled from elsewhere (``focusdesk queue cancel``) is seen on the next poll
and its job stopped.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from focusdesk.core.errors import UserError
from focusdesk.jobs.session_job import BackgroundJob, JobOutcome, Progress, SessionJob
from focusdesk.store import queue
from focusdesk.store.queue import Step, Task
from focusdesk.store.workspace import Workspace

log = logging.getLogger(__name__)

JobFactory = Callable[[Workspace, Task], SessionJob]
# Runs a job somewhere; returns a started handle with run/pump/cancel/cancel_event (BackgroundJob's).
Launcher = Callable[[SessionJob], Any]
MAX_ATTEMPTS = 3  # a task whose child keeps dying is marked failed after this many tries

# Seconds of work per second of audio before anything was measured (tiny.en, CPU).
DEFAULT_RATE = {Step.TRANSCRIBE: 0.15, Step.DIARIZE: 0.1, Step.FILL: 0.1}


@dataclass
class QueueEvent:
    """What a caller draws: the task, its latest progress, and the queue's overall state."""

    task: Task
    kind: str  # "started", "progress", "ended"
    progress: Progress | None = None
    state: str = ""  # for "ended": done / failed / cancelled / queued
    message: str = ""
    session_eta_s: float | None = None
    total_eta_s: float | None = None


@dataclass
class QueueReport:
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    wall_s: float = 0.0
    session_audio: dict[int, int] = field(default_factory=dict)  # sessions with a step done

    @property
    def audio_ms(self) -> int:
        """Audio of the sessions this run worked on, each counted once (for audio hours/hour)."""
        return sum(self.session_audio.values())


@dataclass
class _Active:
    task: Task
    job: Any  # BackgroundJob, or jobs/remote.RemoteJob
    began: float
    progress: Progress | None = None


class QueueRunner:
    def __init__(self, ws: Workspace, make_job: JobFactory, workers: int = 1,
                 on_event: Callable[[QueueEvent], None] | None = None, poll_s: float = 0.1,
                 session_ids: set[int] | None = None, launch: Launcher | None = None):
        if workers < 1:
            raise ValueError("The number of parallel jobs must be 1 or more.")
        self.ws, self.make_job, self.workers = ws, make_job, workers
        self.on_event, self.poll_s = on_event, poll_s
        self.session_ids = session_ids  # only these sessions' tasks (None: the whole queue)
        self.launch = launch or BackgroundJob  # here; jobs/remote.Cluster.launch: on a Dask cluster
        self.cancel_event = threading.Event()
        self._active: dict[int, _Active] = {}
        self._rate: dict[Step, list[float]] = {}  # measured wall s per audio s, per step

    # -- estimates ------------------------------------------------------------------------
    def rate(self, step: Step) -> float:
        measured = self._rate.get(step)
        if measured:
            return sum(measured) / len(measured)
        done = [t for t in queue.list_tasks(self.ws.db, ("done",))
                if t.step is step and t.elapsed_s and t.audio_ms]
        if done:
            return sum(t.elapsed_s for t in done) / sum(t.audio_ms / 1000 for t in done)
        return DEFAULT_RATE[step]

    def _task_eta(self, task: Task, active: _Active | None) -> float:
        if active is not None and active.progress is not None and active.progress.eta_s is not None:
            return float(active.progress.eta_s)
        full = task.audio_ms / 1000 * self.rate(task.step)
        if active is not None:
            frac = active.progress.fraction if active.progress else 0.0
            return max(0.0, full * (1 - frac))
        return full

    def estimates(self, session_id: int) -> tuple[float, float]:
        """(this session's remaining seconds, the whole queue's), with ``workers`` in parallel."""
        pending = self._pending()
        by_session = 0.0
        total = 0.0
        for t in pending:
            eta = self._task_eta(t, self._active.get(t.id))
            total += eta
            if t.session_id == session_id:
                by_session += eta
        return by_session, total / self.workers

    def _pending(self) -> list[Task]:
        tasks = queue.list_tasks(self.ws.db, ("queued", "running"))
        if self.session_ids is not None:
            tasks = [t for t in tasks if t.session_id in self.session_ids]
        return tasks

    def _emit(self, event: QueueEvent) -> None:
        if self.on_event is None:
            return
        event.session_eta_s, event.total_eta_s = self.estimates(event.task.session_id)
        self.on_event(event)

    # -- running --------------------------------------------------------------------------
    def _next(self) -> Task | None:
        if self.session_ids is None:
            return queue.next_task(self.ws.db)
        return queue.next_task(self.ws.db, self.session_ids)

    def _start(self, task: Task, report: QueueReport) -> None:
        if not queue.claim(self.ws.db, task.id, os.getpid()):
            return
        task = queue.get_task(self.ws.db, task.id)
        try:
            job = self.make_job(self.ws, task)
        except queue.NothingToDo as exc:  # the step's work is already done (a fill with no gaps)
            queue.finish(self.ws.db, task.id, "done", str(exc))
            report.done.append(task.id)
            self._emit(QueueEvent(task, "ended", state="done", message=str(exc)))
            return
        except (LookupError, ValueError, OSError) as exc:  # nothing to run: say why
            queue.finish(self.ws.db, task.id, "failed", str(exc))
            report.failed.append(task.id)
            self._emit(QueueEvent(task, "ended", state="failed", message=str(exc)))
            return
        active = _Active(task, self.launch(job), time.monotonic())

        def progress(p: Progress, a: _Active = active) -> None:
            a.progress = p
            self._emit(QueueEvent(a.task, "progress", p))

        active.job.run.on_progress = progress
        try:
            active.job.start()
        except (OSError, ValueError, UserError) as exc:  # the audio could not be read or sent
            queue.finish(self.ws.db, task.id, "failed", str(exc))
            self._emit(QueueEvent(task, "ended", state="failed", message=str(exc)))
            return
        self._active[task.id] = active
        log.info("queue task %s (%s of session %s) started", task.id, task.step.value, task.session_id)
        self._emit(QueueEvent(task, "started"))

    def _end(self, active: _Active, outcome: JobOutcome, message: str, report: QueueReport) -> None:
        task, elapsed = active.task, time.monotonic() - active.began
        current = queue.get_task(self.ws.db, task.id).state
        if current == "cancelled":  # cancelled from elsewhere while it ran
            state = "cancelled"
        elif outcome is JobOutcome.DONE:
            state = "done"
            if task.audio_ms:
                self._rate.setdefault(task.step, []).append(elapsed / (task.audio_ms / 1000))
            report.session_audio[task.session_id] = max(  # a fill's audio is its gaps
                task.audio_ms, report.session_audio.get(task.session_id, 0))
        elif outcome is JobOutcome.CANCELLED or (outcome is JobOutcome.INTERRUPTED
                                                 and task.attempts < MAX_ATTEMPTS):
            state = "queued"  # stopped here, or the child died: runs again, resuming
        else:
            state = "failed"
        queue.finish(self.ws.db, task.id, state, message, elapsed)
        getattr(report, {"done": "done", "failed": "failed", "cancelled": "cancelled",
                         "queued": "requeued"}[state]).append(task.id)
        log.info("queue task %s ended: %s", task.id, state)
        del self._active[task.id]
        self._emit(QueueEvent(task, "ended", state=state, message=message))

    def _pump(self, report: QueueReport) -> None:
        for active in list(self._active.values()):
            try:
                result = active.job.pump()
            except Exception as exc:  # storing failed (a full disk): this task fails
                self._end(active, JobOutcome.FAILED, str(exc), report)
                continue
            if result is not None:
                self._end(active, result.outcome, result.message, report)
        # A task cancelled from elsewhere (another process, the window): stop its job.
        if self._active:
            states = {t.id: t.state for t in queue.list_tasks(self.ws.db, ("cancelled",))}
            for tid, active in list(self._active.items()):
                if states.get(tid) == "cancelled" and not active.job.cancel_event.is_set():
                    active.job.cancel_event.set()

    def run(self) -> QueueReport:
        """Run until no task can start (queue empty, or the rest paused) or :attr:`cancel_event`."""
        report = QueueReport(recovered=queue.recover(self.ws.db))
        began = time.monotonic()
        try:
            while not self.cancel_event.is_set():
                while len(self._active) < self.workers:
                    task = self._next()
                    if task is None:
                        break
                    self._start(task, report)
                if not self._active:
                    if self._next() is None:
                        break
                    continue
                self._pump(report)
                time.sleep(self.poll_s)
        finally:
            self._stop(report)
            report.wall_s = time.monotonic() - began
        return report

    def _stop(self, report: QueueReport) -> None:
        """Stop what still runs (Ctrl+C, cancel): its task goes back to the queue."""
        for active in list(self._active.values()):
            result = active.job.cancel()
            if result is None:
                queue.finish(self.ws.db, active.task.id, "queued", "stopped")
                report.requeued.append(active.task.id)
                del self._active[active.task.id]
            else:
                self._end(active, result.outcome, result.message, report)
