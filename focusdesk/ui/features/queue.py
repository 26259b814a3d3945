"""Session ▸ Process all sessions…: the study's processing queue in the window.

The queue is the one in the study (``store/queue.py``): the window plans the missing steps,
then runs its tasks through the jobs panel (``jobs(window).start``), each task's job built by the
same ``commands.process.make_job`` the CLI uses. "Jobs at once" (one by default: each job uses
several cores of a laptop) is kept in the app's settings and read whenever a task can start; the
queue's jobs run beside each other, but one started by hand makes the queue wait. A task the
window was running when it was closed goes back to the queue; one left running by a killed window
is queued again the next time the queue starts (its job resumes from what it stored). The Queue
dock lists the tasks with pause, resume, cancel and move up, and the "Jobs at once" box.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.commands.process import make_job
from focusdesk.core.changes import Change, Entity
from focusdesk.core.timefmt import format_ms
from focusdesk.jobs.queue_runner import QueueRunner
from focusdesk.jobs.session_job import JobKind, JobOutcome
from focusdesk.store import queue
from focusdesk.ui import settings
from focusdesk.ui.jobs_panel import jobs

JOBS_KEY = "queue/jobs_at_once"


def max_jobs() -> int:
    return os.cpu_count() or 1


def jobs_at_once() -> int:
    """The saved "jobs at once" (1 when unset), within 1 and the number of CPU cores."""
    try:
        n = int(settings.value(JOBS_KEY, 1))
    except (TypeError, ValueError):
        n = 1
    return max(1, min(max_jobs(), n))


class QueuePanel(QWidget):
    """The tasks in order, and buttons for the selected one (or the whole queue)."""

    HEADERS = ("Session", "Step", "State", "Audio", "Tries", "Session ETA")

    def __init__(self, controller: QueueController):
        super().__init__()
        self.controller = controller
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QHBoxLayout()
        self.buttons = {}
        for name, slot in (("Start", controller.start), ("Pause", self._pause),
                           ("Resume", self._resume), ("Cancel", self._cancel),
                           ("Move up", self._move_up)):
            b = QPushButton(name)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self.buttons[name] = b
        buttons.addStretch(1)
        self.jobs = QSpinBox()
        self.jobs.setRange(1, max_jobs())
        self.jobs.setValue(jobs_at_once())
        self.jobs.setToolTip("Tasks run at the same time, each on another session. Each uses "
                             "several CPU cores: on a laptop, keep 1.")
        self.jobs.valueChanged.connect(self._jobs_changed)
        label = QLabel("&Jobs at once:")
        label.setBuddy(self.jobs)
        buttons.addWidget(label)
        buttons.addWidget(self.jobs)
        self.eta = QLabel("")  # the whole queue's estimate
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.eta)
        layout.addLayout(buttons)
        self.tasks: list[queue.Task] = []

    def reload(self) -> None:
        self.tasks = queue.list_tasks(self.controller.db)
        self.table.setRowCount(len(self.tasks))
        etas, total = self._estimates()
        for row, t in enumerate(self.tasks):
            eta = etas.get(t.session_id) if t.state in ("queued", "running") else None
            for col, text in enumerate((t.session_name, t.step.value, t.state,
                                        format_ms(t.audio_ms), str(t.attempts),
                                        "" if eta is None else format_ms(int(eta * 1000)))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, t.id)
                self.table.setItem(row, col, item)
        left = sum(t.state in ("queued", "running") for t in self.tasks)
        self.eta.setText(f"{left} task(s) left, about {format_ms(int(total * 1000))} with "
                         f"{self.jobs.value()} at once" if left else "")

    def _estimates(self) -> tuple[dict[int, float], float]:
        """Seconds left per session and for the queue, as the CLI estimates them (the measured
        speed of done tasks per step, else a default; a running task counts whole)."""
        left = [t for t in self.tasks if t.state in ("queued", "running")]
        if not left:
            return {}, 0.0
        runner = QueueRunner(self.controller.window.workspace, self.controller.make_job,
                             workers=self.jobs.value())
        rate = {step: runner.rate(step) for step in {t.step for t in left}}
        etas: dict[int, float] = {}
        for t in left:
            etas[t.session_id] = etas.get(t.session_id, 0.0) + t.audio_ms / 1000 * rate[t.step]
        return etas, sum(etas.values()) / self.jobs.value()

    def _jobs_changed(self, n: int) -> None:
        settings.set_value(JOBS_KEY, int(n))
        if self.controller.running:  # the queue runs: more slots start now
            self.controller.next()
        else:
            self.reload()  # the queue's estimate

    def selected_id(self) -> int | None:
        row = self.table.currentRow()
        return self.tasks[row].id if 0 <= row < len(self.tasks) else None

    def _pause(self) -> None:
        queue.pause(self.controller.db, self.selected_id())
        self.reload()

    def _resume(self) -> None:
        queue.resume(self.controller.db, self.selected_id())
        self.reload()
        self.controller.next()

    def _cancel(self) -> None:
        tid = self.selected_id()
        if tid is None:
            return
        queue.cancel(self.controller.db, tid)
        self.controller.cancelled(tid)
        self.reload()

    def _move_up(self) -> None:
        tid = self.selected_id()
        waiting = [t.id for t in self.tasks if t.state in ("queued", "paused")]
        if tid in waiting:
            queue.move(self.controller.db, tid, max(1, waiting.index(tid)))
            self.reload()


class QueueController(QObject):
    """Runs the study's queue through the window's jobs panel, "jobs at once" tasks at a time."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.running: dict[int, object] = {}  # task id → its JobHandle
        self.make_job = make_job  # the CLI's; a test may run other jobs through the same queue
        self.panel = QueuePanel(self)
        self.dock = QDockWidget("Queue", window)
        self.dock.setObjectName("queue-dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()

    @property
    def db(self):
        return self.window.workspace.db

    @property
    def workers(self) -> int:
        return self.panel.jobs.value()

    def process_all(self) -> None:
        planned = queue.plan_all(self.db)
        self.dock.show()
        self.panel.reload()
        if not planned:
            self.window.status("Every session has its transcript and speakers, and no "
                               "untranscribed speech left to try.")
            return
        self.start()

    def start(self) -> None:
        queue.recover(self.db)
        self.next()

    def next(self) -> None:
        """Start queued tasks while fewer than "jobs at once" of the queue's run."""
        window_jobs = jobs(self.window)
        while len(self.running) < self.workers:
            task = queue.next_task(self.db)
            if task is None:
                break
            own = set(self.running.values())
            by_hand = [h for h in window_jobs.running(JobKind(task.step.value)) if h not in own]
            if by_hand:  # a transcription started by hand runs: the queue waits for it
                self.window.status(f"The queue waits: {window_jobs.refuse(JobKind(task.step.value))}")
                break
            if not queue.claim(self.db, task.id, os.getpid()):
                break
            try:
                job = self.make_job(self.window.workspace, queue.get_task(self.db, task.id))
                handle = window_jobs.start(job, parallel=True)
            except queue.NothingToDo as exc:  # a fill with no gaps: done, nothing to run
                queue.finish(self.db, task.id, "done", str(exc))
                continue
            except (LookupError, ValueError, OSError) as exc:
                queue.finish(self.db, task.id, "failed", str(exc))
                continue
            self.running[task.id] = handle
            handle.ended.connect(lambda result, tid=task.id: self._ended(tid, result))
        self.panel.reload()

    def cancelled(self, task_id: int) -> None:
        handle = self.running.get(task_id)
        if handle is not None:
            handle.cancel()

    def _ended(self, task_id: int, result) -> None:
        task = queue.get_task(self.db, task_id)
        if task.state == "cancelled":
            state = "cancelled"
        elif result.outcome is JobOutcome.DONE:
            state = "done"
        elif result.outcome is JobOutcome.FAILED:
            state = "failed"
        else:  # stopped (window closing) or the child died: runs again, resuming
            state = "queued"
        queue.finish(self.db, task_id, state, result.message.splitlines()[0] if result.message else "")
        self.running.pop(task_id, None)
        for entity in (Entity.SEGMENTS, Entity.SPEAKERS):
            self.window.changes.notify(Change(entity, task.session_id))
        if state in ("done", "failed", "cancelled"):
            self.next()
        else:  # stopped (the window closing, the job's own Cancel): start nothing more
            self.panel.reload()


def controller(window) -> QueueController:
    existing = getattr(window, "_queue", None)
    if existing is None:
        existing = QueueController(window)
        window._queue = existing
    return existing


def install(window) -> None:
    window.add_action("Session", "&Process all sessions…", lambda: controller(window).process_all())
