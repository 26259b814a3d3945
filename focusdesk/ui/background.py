"""Run a blocking function on a thread while a modal progress dialog keeps the window alive.

For work that needs the study but not the window (an import): the caller gives it its own
connection (``Workspace.second_connection``), so nothing shares the window's transaction. The
call returns the function's result, or raises its exception, like a plain call would, so callers
and tests stay simple.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

T = TypeVar("T")
SHOW_AFTER_MS = 400  # quick work finishes before any dialog flashes up


class _Done(QObject):
    finished = Signal()


def run_with_progress(parent: QWidget, title: str, text: str, func: Callable[[], T]) -> T:
    outcome: dict[str, object] = {}
    done = _Done()
    loop = QEventLoop()
    done.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)

    def work() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            outcome["error"] = exc
        finally:
            done.finished.emit()

    dialog = QProgressDialog(text, "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setCancelButton(None)  # an import is one transaction: it finishes or rolls back whole
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    thread = threading.Thread(target=work, name=f"focusdesk-{title}", daemon=True)
    thread.start()
    loop.exec()
    thread.join()
    dialog.reset()
    dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
