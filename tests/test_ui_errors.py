"""The window's one error path: one message box, a log without participant data, Help ▸ Report."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from focusdesk import __version__
from focusdesk.store import sessions
from focusdesk.ui import errors
from focusdesk.ui import study_actions as sa
from focusdesk.ui.main_window import MainWindow

TRANSCRIPT = "my husband doesn't know I come to this group"
NAME = "Priya Raghunathan"


@pytest.fixture
def window(qtbot, seeded, monkeypatch):
    for name in ("warning", "critical", "information"):  # a blocking box would hang the test
        monkeypatch.setattr(QMessageBox, name, lambda *a, n=name: static_boxes.append((n, a[1])))
    static_boxes.clear()
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    win.show()
    yield win
    for box in error_boxes():
        box.close()


static_boxes: list[tuple[str, str]] = []


def error_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == errors.BOX_NAME and w.isVisible()]


def action(win, menu: str, text: str):
    (found,) = [a for a in win.menu(menu).actions() if a.text().replace("&", "") == text]
    return found


def test_unexpected_error_in_a_slot_shows_one_box_and_logs_without_user_data(window, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError(f"segment text {TRANSCRIPT!r} by {NAME}")

    monkeypatch.setattr(sa, "StudyDialog", broken)  # deep inside Study ▸ Study details…
    action(window, "Study", "Study details…").trigger()
    (box,) = error_boxes()
    assert box.icon() == QMessageBox.Icon.Critical
    assert "RuntimeError" in box.text() and "Report a problem" in box.text()
    assert NAME not in box.text() and TRANSCRIPT not in box.text()
    action(window, "Study", "Study details…").trigger()  # again while the box is open: not stacked
    assert len(error_boxes()) == 1
    log = errors.log_path().read_text(encoding="utf-8")
    assert log.count("unexpected error") == 2
    assert "RuntimeError" in log and "edit_study" in log and "focusdesk/ui/study_actions.py:" in log
    assert TRANSCRIPT not in log and NAME not in log and "Raghunathan" not in log
    box.close()
    assert error_boxes() == []


def test_excepthook_and_thread_errors_reach_the_same_box(window, monkeypatch, qtbot):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    errors.install_hooks()
    try:
        raise OSError(28, "No space left on device")
    except OSError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    (box,) = error_boxes()
    assert box.windowTitle() == "Disk full" and "Free some space" in box.text()
    box.close()
    worker = threading.Thread(target=lambda: (_ for _ in ()).throw(LookupError(NAME)))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(error_boxes()) == 1)
    assert "LookupError" in error_boxes()[0].text()
    assert NAME not in errors.log_path().read_text(encoding="utf-8")


def test_a_guide_file_that_cannot_be_read_says_why(window, monkeypatch, tmp_path):
    """An OSError reading the file (not one of the types the slot catches) reaches the user."""
    import errno

    from focusdesk.core import outline

    guide_file = tmp_path / "topic-guide.md"
    guide_file.write_text("# Guide\n")

    def denied(path, *_a, **_k):  # root reads anything, so the refusal is simulated here
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(outline, "read_text_file", denied)
    from focusdesk.ui import study_actions

    # the user picks "Choose a file…" in the template chooser, then this file
    monkeypatch.setattr(study_actions, "choose_outline", lambda *a, **k: str(guide_file))
    action(window, "Study", "Import topic guide…").trigger()
    (box,) = error_boxes()
    assert box.windowTitle() == "Permission denied" and str(guide_file) in box.text()
    assert static_boxes == []
    log = errors.log_path().read_text(encoding="utf-8")
    assert "known error" in log and "PermissionError [EACCES]" in log and str(guide_file) not in log


def test_renaming_a_session_to_a_taken_name_says_so_and_changes_nothing(window):
    db = window.workspace.db
    target = sessions.session_by_name(db, "Interview 1")
    window.set_current_session(target.id)
    seen = []

    def handle(step=[0]):  # noqa: B006 - the step counter lives across timer calls
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, handle)
            return
        if step[0] == 0:
            dialog.name.setText("Focus group 1")
            step[0] = 1
            dialog.ok_button.click()
            QTimer.singleShot(50, handle)
        else:  # the dialog is open again, with the reason
            seen.append(dialog.error.text())
            dialog.reject()
    QTimer.singleShot(0, handle)
    assert not sa.edit_session(window)
    assert seen and "already a session called 'Focus group 1'" in seen[0]
    assert [s.name for s in sessions.list_sessions(db)] == ["Focus group 1", "Interview 1"]
    assert error_boxes() == [] and static_boxes == []


def test_report_a_problem_opens_the_log_folder_and_copies_versions(window, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    action(window, "Help", "Report a problem…").trigger()
    assert opened == [QUrl.fromLocalFile(str(errors.log_dir()))]
    assert errors.log_dir().is_dir()
    copied = QGuiApplication.clipboard().text()
    assert f"focusdesk {__version__}" in copied and "Python" in copied and "System" in copied


def test_a_box_left_under_a_closed_window_does_not_silence_the_next_error(qtbot):
    """A window deleted while its error box was still open (never answered) used to leave the box
    counted as on screen, so every later error was logged but never shown."""
    import shiboken6
    from PySide6.QtWidgets import QWidget

    first = QWidget()
    first.show()
    assert errors.report(RuntimeError("first"), first) is not None
    shiboken6.delete(first)  # its box goes with it, without a "finished" signal
    second = QWidget()
    qtbot.addWidget(second)
    second.show()
    box = errors.report(ValueError("second"), second)
    assert box is not None and box.isVisible()
    box.done(0)
