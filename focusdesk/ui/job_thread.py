"""A child-process job (``focusdesk.jobs.runner.run_job``) driven from the window.

``run_job`` blocks, so it runs in a QThread; every message it relays comes back as a Qt signal,
delivered on the window's thread (queued), where the store is written: the study's SQLite
connection belongs to that thread. Cancel sets the runner's event; the child is terminated within
a tenth of a second and ``cancelled`` follows. Transcription and speaker finding both use it.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal


class JobThread(QThread):
    progress = Signal(float, object, str)  # fraction 0..1, eta seconds or None, text
    message = Signal(dict)  # every worker message other than progress, in order
    succeeded = Signal()
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal(str, str)  # kind (done | cancelled | crashed | failed), the error's text

    def __init__(self, worker: str, params: dict, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.params = params
        self._cancel = threading.Event()
        self.outcome: str | None = None  # "done" | "failed" | "cancelled" once finished
        self.pid: int | None = None  # the child process, once it is up

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelling(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # in the worker thread
        from focusdesk.jobs.runner import JobCancelled, JobCrashed, JobError, run_job

        def relay(msg: dict) -> None:
            if msg.get("type") == "started":
                self.pid = int(msg["pid"])
            if msg.get("type") == "progress":
                self.progress.emit(float(msg.get("fraction") or 0.0), msg.get("eta_s"), str(msg.get("text", "")))
            else:
                self.message.emit(msg)

        try:
            run_job(self.worker, self.params, relay, self._cancel)
        except JobCancelled as exc:
            self.outcome = "cancelled"
            self.cancelled.emit()
            self.ended.emit("cancelled", str(exc))
        except (JobError, JobCrashed) as exc:
            self.outcome = "failed"
            self.failed.emit(str(exc))
            self.ended.emit("crashed" if isinstance(exc, JobCrashed) else "failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - a failure to start must reach the window too
            self.outcome = "failed"
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            self.ended.emit("failed", f"{type(exc).__name__}: {exc}")
        else:
            self.outcome = "done"
            self.succeeded.emit()
            self.ended.emit("done", "")
