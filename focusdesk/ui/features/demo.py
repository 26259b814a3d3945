"""Open the demo study: a finished example study in its own folder (never the user's study),
built on first use by ``focusdesk.demo.build`` on a thread, with progress and Cancel, while the
window keeps painting; the window then switches to it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog

from focusdesk.demo.build import build_demo, demo_folder, demo_ready
from focusdesk.ui.errors import report

STEPS = 1000


class DemoBuild(QObject):
    """One build on its thread; ``finished`` carries the DemoReport or the exception."""

    progressed = Signal(float, str)
    finished = Signal(object)

    def __init__(self, window, folder: Path, only: Sequence[str] | None):
        super().__init__(window)
        self.window, self.folder, self.only = window, folder, only
        self.cancel = threading.Event()
        self.result: object = None
        self.dialog = QProgressDialog("Building the demo study…", "Cancel", 0, STEPS, window)
        self.dialog.setWindowTitle("Demo study")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel.set)
        self.progressed.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.finished.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self.thread = threading.Thread(target=self._work, name="focusdesk-demo", daemon=True)

    def start(self) -> DemoBuild:
        self.dialog.show()
        self.thread.start()
        return self

    def _work(self) -> None:
        try:
            result: object = build_demo(self.folder, lambda f, t: self.progressed.emit(f, t),
                                        self.cancel, self.only)
        except BaseException as exc:  # noqa: BLE001 - shown on the window's thread in _done
            result = exc
        self.finished.emit(result)

    def _show(self, fraction: float, text: str) -> None:
        if self.dialog.wasCanceled():  # Esc or closing the dialog cancels too
            self.cancel.set()
            return
        self.dialog.setValue(int(fraction * STEPS))
        self.dialog.setLabelText(f"Building the demo study: {text}")

    def _done(self, result: object) -> None:
        self.result = result
        self.dialog.reset()
        self.dialog.deleteLater()
        if isinstance(result, BaseException):
            if self.cancel.is_set():
                self.window.status("Building the demo study was cancelled.")
            else:
                report(result, self.window)
            return
        self.window.switch_workspace(self.folder)
        self.window.status(f"The demo study was built in {result.seconds:.0f} s.")


def open_demo(window, folder: Path | None = None, only: Sequence[str] | None = None) -> DemoBuild | None:
    """Switch to the demo study, building it first when it is not there yet (returns the build)."""
    folder = folder or demo_folder()
    if demo_ready(folder):
        window.switch_workspace(folder)
        return None
    return DemoBuild(window, folder, only).start()


def install(window) -> None:
    window.add_action("Help", "Open the &demo study", lambda: open_demo(window))
