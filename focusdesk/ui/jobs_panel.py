"""The window's jobs: one manager runs every long job (transcription, diarization), one panel lists
them, each with its title, progress and ETA, and a Cancel button.

``run_job`` blocks, so a :class:`_RunnerThread` runs it off the UI thread and relays every message
through a queued signal; the :class:`JobHandle` hands it to ``JobRun.deliver`` on the UI thread,
where the study's SQLite connection belongs, and ends the run once with the runner's error, which
gives a :class:`focusdesk.jobs.JobResult` with its :class:`focusdesk.jobs.JobOutcome`. The CLI
reads the same Progress events and results through :func:`focusdesk.jobs.run_session_job`.

``jobs(window)`` makes the manager and the "Jobs" dock on first use; features start their jobs
with ``jobs(window).start(job)``.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.hints import for_window
from focusdesk.jobs.progress import format_eta
from focusdesk.jobs.runner import run_job
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobResult, JobRun, Progress, SessionJob

KIND_NAMES = {JobKind.TRANSCRIBE: "A transcription", JobKind.DIARIZE: "A speaker search",
              JobKind.FILL: "A transcription of untranscribed speech",
              JobKind.LIVE: "A live transcript"}


class _RunnerThread(QThread):
    message = Signal(dict)  # every message of the runner, in order
    ended = Signal(object)  # None, or the exception run_job raised

    def __init__(self, worker: str, params: dict, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.params = params
        self.cancel_event = threading.Event()

    def run(self) -> None:  # in the worker thread
        try:
            run_job(self.worker, self.params, self.message.emit, self.cancel_event)
        except BaseException as exc:  # noqa: BLE001 - every end reaches the UI thread
            self.ended.emit(exc)
        else:
            self.ended.emit(None)


class JobHandle(QObject):
    """One running job in the window: its spec, its progress and, once ended, its result."""

    progress = Signal(object)  # Progress
    message = Signal(dict)  # each message, after the job stored it
    ended = Signal(object)  # JobResult

    def __init__(self, job: SessionJob, parent: QObject | None = None):
        super().__init__(parent)
        self.job = job
        self.spec = job.spec
        self.run = JobRun(job, self.progress.emit)
        self.result: JobResult | None = None
        self.last_progress: Progress | None = None
        self._store_error: BaseException | None = None
        self.thread = _RunnerThread(job.worker, job.params(), self)
        self.thread.message.connect(self._deliver)
        self.thread.ended.connect(self._end)
        self.progress.connect(lambda p: setattr(self, "last_progress", p))

    @property
    def pid(self) -> int | None:
        return self.run.pid

    def start(self) -> None:
        self.thread.start()

    def is_running(self) -> bool:
        return self.result is None

    def cancel(self) -> None:
        self.thread.cancel_event.set()

    def wait(self, timeout_ms: int = 10000) -> bool:
        return self.thread.wait(timeout_ms)

    def _deliver(self, message: dict) -> None:
        if self._store_error is not None:
            return  # storing failed: the job is being stopped
        try:
            self.run.deliver(message)
        except Exception as exc:  # noqa: BLE001 - e.g. a full disk or a closed study: stop, say why
            self._store_error = exc
            self.cancel()
            return
        self.message.emit(message)

    def _end(self, error: BaseException | None) -> None:
        self.thread.wait()
        if self._store_error is not None:  # the cause, not the cancel it led to
            error = self._store_error
        try:
            result = self.run.end(error)
        except Exception as exc:  # noqa: BLE001 - the study may be closed already
            result = JobResult(JobOutcome.FAILED, f"{error or exc}", error or exc)
        self.result = result
        self.ended.emit(result)


class JobRow(QWidget):
    """Title, progress bar, ETA, what is being done, Cancel."""

    def __init__(self, handle: JobHandle, parent: QWidget | None = None):
        super().__init__(parent)
        self.handle = handle
        self.title = QLabel(handle.spec.title)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.eta = QLabel(format_eta(None))
        self.detail = QLabel("Starting…")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.title)
        row.addWidget(self.progress, 1)
        row.addWidget(self.eta)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.detail)
        handle.progress.connect(self.show_progress)
        handle.ended.connect(self.show_result)

    def cancel(self) -> None:
        self.handle.cancel()
        self.cancel_button.setEnabled(False)
        self.detail.setText("Cancelling…")

    def show_progress(self, p: Progress) -> None:
        self.progress.setValue(int(round(p.fraction * 100)))
        self.eta.setText(format_eta(p.eta_s))
        if p.text and self.cancel_button.isEnabled():
            self.detail.setText(p.text)

    def show_result(self, result: JobResult) -> None:
        if result.outcome is JobOutcome.DONE:
            self.progress.setValue(100)
            self.eta.setText(format_eta(0.0))
        self.cancel_button.setEnabled(False)
        self.detail.setText(for_window(result.message))


class JobsPanel(QWidget):
    """Every job of this window: running ones first as they started, then the last results."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.note = QLabel("No job running.")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.clicked.connect(self.clear_finished)
        self.list = QVBoxLayout()
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.list)
        layout.addLayout(bottom)
        layout.addStretch(1)

    def rows(self) -> list[JobRow]:
        return [self.list.itemAt(i).widget() for i in range(self.list.count())]

    def row_for(self, handle: JobHandle) -> JobRow | None:
        return next((r for r in self.rows() if r.handle is handle), None)

    def add(self, handle: JobHandle) -> JobRow:
        for row in self.rows():  # the last result of the same job makes way for the new run
            if (not row.handle.is_running() and row.handle.spec.kind == handle.spec.kind
                    and row.handle.spec.session_id == handle.spec.session_id):
                self._remove(row)
        row = JobRow(handle, self)
        self.list.addWidget(row)
        row.show()
        self.note.setText("")
        return row

    def say(self, text: str) -> None:
        """Why a job did not start (nothing to do, one already running)."""
        self.note.setText(for_window(text))

    def clear_finished(self) -> None:
        for row in self.rows():
            if not row.handle.is_running():
                self._remove(row)

    def _remove(self, row: JobRow) -> None:
        self.list.removeWidget(row)
        row.deleteLater()
        row.handle.deleteLater()


class WindowJobs(QObject):
    """The window's job manager: starts jobs, keeps their handles, owns the panel and its dock."""

    started = Signal(object)  # JobHandle

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.handles: list[JobHandle] = []
        self.panel = JobsPanel()
        self.dock = QDockWidget("Jobs", window)
        self.dock.setObjectName("jobs-dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()

    def running(self, kind: JobKind | None = None) -> list[JobHandle]:
        return [h for h in self.handles if h.is_running() and kind in (None, h.spec.kind)]

    def refuse(self, kind: JobKind) -> str:
        """Why a job of this kind cannot start now ("" when it can): one of each kind at a time."""
        if self.running(kind):
            return (f"{KIND_NAMES.get(kind, 'A job')} is already running; wait for it or cancel "
                    "it first.")
        return ""

    def start(self, job: SessionJob, parallel: bool = False) -> JobHandle:
        """Run ``job``; ``parallel``: beside others of its kind (the queue's jobs at once, each on
        another session), else refused while one runs."""
        reason = "" if parallel else self.refuse(job.spec.kind)
        if reason:
            raise RuntimeError(reason)
        handle = JobHandle(job, self)
        handle.ended.connect(lambda _r, h=handle: self._ended(h))
        self.handles.append(handle)
        self.panel.add(handle)
        self.dock.show()
        handle.start()
        self.started.emit(handle)
        return handle

    def say(self, text: str) -> None:
        self.panel.say(text)
        self.dock.show()
        self.window.status(text, 10000)

    def cancel_all(self, wait: bool = True) -> None:
        handles = self.running()
        for h in handles:
            h.cancel()
        if wait:
            for h in handles:
                h.wait()
            for h in handles:  # store what came in, end each run
                QCoreApplication.sendPostedEvents(h)

    def _ended(self, handle: JobHandle) -> None:
        self.handles.remove(handle)
        self.window.status(handle.result.message.splitlines()[0] if handle.result.message else "",
                           10000)

    def confirm_close(self) -> bool:
        """Whether the window may close: asks only while a job runs, and stops it on Yes. The
        window's one close path (File ▸ Quit, the title bar, Ctrl+Q) calls this."""
        running = self.running()
        if not running:
            return True
        titles = ", ".join(h.spec.title for h in running)
        answer = QMessageBox.question(
            self.window, "Jobs running",
            f"Still running: {titles}. Stop and close? What is stored so far is kept, and a "
            "transcription continues from there next time.")
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.cancel_all()
        return True


def jobs(window) -> WindowJobs:
    """The window's job manager and panel (made on first use)."""
    existing = getattr(window, "_jobs", None)
    if existing is None:
        existing = WindowJobs(window)
        window._jobs = existing
    return existing
