"""The window's one error path: a message the user can act on, and a log file without their data.

Every menu action runs through :func:`guarded` (``MainWindow.add_action``), other slots can be
decorated with it, and :func:`install_hooks` catches what escapes anyway (``sys.excepthook``,
``threading.excepthook``). All of them end in :func:`report`: the words come from
``focusdesk/core/errors.py`` (shared with the CLI); an unexpected error is written to
``focusdesk.log`` in the user's log folder as types and frames only (``log_report``), never the
message text, which may quote a transcript or a participant's name.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import sys
import threading
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TypeVar

import platformdirs
import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from focusdesk import __version__
from focusdesk.core.errors import describe, log_report
from focusdesk.core.hints import for_window

LOG_DIR_ENV = "FOCUSDESK_LOG_DIR"
LOG_NAME = "focusdesk.log"
BOX_NAME = "error-message"

# Its own logger, not the root one: other modules' log lines are not vetted for participant data.
log = logging.getLogger("focusdesk.errors")
log.propagate = False

F = TypeVar("F", bound=Callable)


def log_dir() -> Path:
    """``$FOCUSDESK_LOG_DIR``, else the platform's user log folder for focusdesk."""
    return Path(os.environ.get(LOG_DIR_ENV) or platformdirs.user_log_dir("focusdesk", appauthor=False))


def log_path() -> Path:
    return log_dir() / LOG_NAME


def _ensure_handler() -> None:
    """(Re)attach the rotating file handler when the log folder is new (tests move it)."""
    path = log_path()
    for handler in log.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return
        log.removeHandler(handler)
        handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=512 * 1024, backupCount=3, encoding="utf-8")
    except OSError:  # no log folder (a full or read-only disk): the message is still shown
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def write_log(exc: BaseException, expected: bool) -> None:
    _ensure_handler()
    level = logging.INFO if expected else logging.ERROR
    log.log(level, "%s error, focusdesk %s\n%s", "known" if expected else "unexpected",
            __version__, log_report(exc))
    for handler in log.handlers:
        handler.flush()


class _Reporter(QObject):
    """Carries an exception from another thread to the window's thread, where boxes may open."""

    raised = Signal(object)


_showing: list[QMessageBox] = []  # the open error box; at most one at a time
_reporter: _Reporter | None = None


def report(exc: BaseException, parent: QWidget | None = None) -> QMessageBox | None:
    """Log ``exc`` and show one message about it (none while another error box is open)."""
    message = describe(exc)
    write_log(exc, message.expected)
    app = QApplication.instance()
    if app is None:
        print(f"focusdesk: {message.text}", file=sys.stderr)
        return None
    if QThread.currentThread() is not app.thread():
        _reporter_for(app).raised.emit(exc)
        return None
    # A box whose window was closed under it (never answered) no longer counts as on screen.
    _showing[:] = [b for b in _showing if shiboken6.isValid(b) and b.isVisible()]
    if _showing:  # an error while the last one is on screen: logged, not stacked
        return None
    parent = parent.window() if parent is not None else QApplication.activeWindow()
    icon = QMessageBox.Icon.Warning if message.expected else QMessageBox.Icon.Critical
    box = QMessageBox(icon, message.title, for_window(message.text), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(BOX_NAME)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _showing.append(box)
    box.finished.connect(lambda _r: _showing.remove(box) if box in _showing else None)
    box.open()  # window-modal, without a nested event loop inside the failing slot
    return box


def _reporter_for(app) -> _Reporter:
    global _reporter
    if _reporter is None:
        _reporter = _Reporter()
        _reporter.moveToThread(app.thread())
        _reporter.raised.connect(lambda exc: report(exc))
    return _reporter


def guarded(slot: F, owner: QWidget | None = None) -> F:
    """Run ``slot``; an exception becomes :func:`report`'s message instead of a lost traceback.

    The box opens over ``owner``, else over the slot's own widget (``self``), else the active
    window. Use it as ``@guarded`` on a slot method, or ``guarded(fn, window)`` when connecting.
    """

    @functools.wraps(slot)
    def run(*args, **kwargs):
        try:
            return slot(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the one place the window turns errors into words
            parent = owner or (args[0] if args and isinstance(args[0], QWidget) else None)
            report(exc, parent)
            return None

    return run  # type: ignore[return-value]


def install_hooks() -> None:
    """Send what no slot caught to :func:`report`: the main thread's and other threads'."""
    previous = sys.excepthook

    def excepthook(kind, exc, tb):
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: as before
            previous(kind, exc, tb)
            return
        report(exc.with_traceback(tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, Exception):
            report(args.exc_value)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook


# --- Help ▸ Report a problem ----------------------------------------------------------------


def system_info() -> str:
    """What a bug report needs to say about this computer; nothing about the study."""
    from PySide6 import __version__ as pyside_version

    return "\n".join([
        f"focusdesk {__version__}",
        f"Python {platform.python_version()} ({sys.implementation.name})",
        f"PySide6 {pyside_version}",
        f"System {platform.system()} {platform.release()} ({platform.machine()})",
        f"Log folder {log_dir()}",
    ])


def report_problem() -> QUrl:
    """Open the log folder and put version and platform on the clipboard, for a bug report."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    QGuiApplication.clipboard().setText(system_info())
    url = QUrl.fromLocalFile(str(folder))
    QDesktopServices.openUrl(url)
    return url
