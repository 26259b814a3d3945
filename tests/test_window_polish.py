"""The window's rough edges from walking a study's path: mouse-drag selection, roomy find fields,
elided code names, one quit path, outcomes that are said, menus and Help, fresh views, and next
steps that are one click (real widgets on a real study)."""

from __future__ import annotations

import pytest
from exchange_data import fill_session
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

from focusdesk.core.model import Code
from focusdesk.store import codes, sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features import transcript_editor
from focusdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, seeded):
    """The seeded study with a coded Focus group 1, open in a laptop-sized window."""
    fill_session(seeded.db)
    root = seeded.root
    seeded.close()
    win = MainWindow(open_workspace(root, exclusive=True))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    yield win
    for view in win.views():
        shutdown = getattr(view, "shutdown", None)
        if shutdown:
            shutdown()
    win.close()


def _sid(win, name="Focus group 1") -> int:
    return sessions.session_by_name(win.workspace.db, name).id


def _editor(win, qtbot):
    sid = _sid(win)
    win.set_current_session(sid)
    editor = transcript_editor.open_editor(win, sid)
    qtbot.waitUntil(lambda: win.coding.dock.isVisible(), timeout=3000)
    return editor


# --- 8: mouse-drag selects words for coding ------------------------------------------------------

def test_mouse_drag_selects_words_for_the_coding_panel(window, qtbot):
    editor = _editor(window, qtbot)
    view, vp = editor.view, editor.view.viewport()
    a = view.word_rect((1, 1)).center()
    b = view.word_rect((2, 3)).center()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(vp, (a + b) / 2)
    QTest.mouseMove(vp, b)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert editor.model.selected_positions() == ((1, 1), (2, 3))
    seg1, seg2 = editor.model.segments[1], editor.model.segments[2]
    assert window.coding.panel.selection()[:2] == (seg1.words[1].start_ms, seg2.words[3].end_ms)
    # Past the end of a line and over the speaker column the selection still follows the mouse,
    # and a release away from the last move ends the drag there.
    end_of_turn = view.word_rect((3, len(editor.model.segments[3].words) - 1))
    beyond = QPoint(vp.width() - 5, end_of_turn.center().y())
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view.word_rect((3, 0)).center())
    QTest.mouseMove(vp, beyond)
    assert editor.model.selected_positions() == ((3, 0), (3, len(editor.model.segments[3].words) - 1))
    start_of_5 = view.word_rect((5, 0))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(3, start_of_5.center().y()))
    assert editor.model.selected_positions() == ((3, 0), (5, 0))


# --- 9: controls with room ------------------------------------------------------------------------

def test_find_fields_are_roomy_and_code_names_elide_with_a_tooltip(window, qtbot):
    long_name = "A code with a very long name that a researcher might well choose for a theme"
    codes.add_code(window.workspace.db, Code(name=long_name))
    from focusdesk.core.changes import Change, Entity
    window.changes.notify(Change(Entity.CODES))
    window.changes.flush()
    editor = _editor(window, qtbot)
    editor.open_find()
    qtbot.waitUntil(editor.find_bar.isVisible, timeout=2000)
    twenty = QFontMetrics(editor.find_bar.find.font()).averageCharWidth() * 20
    assert editor.find_bar.find.width() >= twenty and editor.find_bar.replace.width() >= twenty
    panel = window.coding.panel
    item = next(panel.codes.item(i) for i in range(panel.codes.count())
                if long_name in panel.codes.item(i).text())
    assert long_name in item.toolTip()
    assert panel.codes.visualItemRect(item).width() <= panel.codes.viewport().width()
    assert not panel.codes.horizontalScrollBar().isVisible()


# --- 8: one quit path, outcomes that are said ------------------------------------------------------

class _Running:
    """Stands for a running job's handle in the close question (a real job takes minutes)."""

    class spec:  # noqa: N801 - mirrors JobHandle.spec
        title = "Transcribing Focus group 1"

    cancelled = False

    def cancel(self):
        self.cancelled = True

    def wait(self, _ms=0):
        return True


def test_file_quit_asks_only_while_a_job_runs(window, monkeypatch, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from focusdesk.ui.jobs_panel import jobs

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    running = [_Running()]
    monkeypatch.setattr(jobs(window), "running", lambda kind=None: list(running))
    quit_action = next(a for a in window.menu("File").actions() if a.text() == "&Quit")
    quit_action.trigger()
    assert window.isVisible() and len(asked) == 1 and "Transcribing Focus group 1" in asked[0]
    running.clear()
    quit_action.trigger()
    assert not window.isVisible() and len(asked) == 1  # nothing running: no question


def test_play_without_a_sound_output_says_so(window, qtbot, monkeypatch):
    from conftest import AUDIO

    from focusdesk.audio.media import import_audio_file
    from focusdesk.ui.transcript import player

    sid = _sid(window)
    import_audio_file(window.workspace, sid, AUDIO / "jfk.flac")
    editor = _editor(window, qtbot)
    monkeypatch.setattr(player, "has_output_device", lambda: False)
    editor.toggle_play()
    assert "No sound output device" in editor.info_label.text()
    assert "No sound output device" in window.statusBar().currentMessage()
    editor.player.pause()


def test_export_says_where_it_went_with_show_in_folder(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QDialog, QPushButton

    from focusdesk.ui.export_dialog import ExportDialog
    from focusdesk.ui.features import export

    target = tmp_path / "out" / "fg1.qdpx"
    target.parent.mkdir()

    def run_dialog(dialog):
        dialog.format.setCurrentIndex(dialog.format.findData("qdpx"))
        dialog.path.setText(str(target))
        with qtbot.waitSignal(dialog.accepted, timeout=30000):
            dialog.export_button.click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", run_dialog)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.set_current_session(_sid(window))
    export.export_session(window)
    assert target.is_file()
    assert str(target) in window.statusBar().currentMessage()
    button = window.statusBar().findChild(QPushButton, "showInFolder")
    assert button is not None and button.isVisible()
    button.click()
    assert opened == [str(target.parent)]
    window.status("Something else")
    assert not button.isVisible()


# --- 7: menus and Help ----------------------------------------------------------------------------

def test_imports_live_under_file_and_help_lists_the_real_keys(window, qtbot):
    from focusdesk.ui import help as help_menu
    from focusdesk.ui import settings as prefs

    imports = [a.text().replace("&", "") for a in window.import_menu.actions()]
    assert imports == ["Audio into this session…", "Transcript into this session…", "REFI-QDA project (.qdpx)…"]
    assert not [a for a in window.menu("Export").actions() if "Import" in a.text()]
    helps = [a.text().replace("&", "") for a in window.menu("Help").actions() if not a.isSeparator()]
    assert helps == ["Open the demo study", "Keyboard shortcuts", "User guide", "Report a problem…",
                     "About focusdesk"]

    prefs.set_value("editor/keys/play_pause", "Ctrl+Space")
    dialog = help_menu.show_shortcuts(window)
    rows = dialog.rows()
    assert ("Code", "Find a code to apply…", "Ctrl+K") in rows
    assert ("File ▸ Import", "Audio into this session…", "Ctrl+I") in rows
    assert ("Transcript editor", "Play / pause (resume rewinds a little)", "Ctrl+Space") in rows
    dialog.filter.setText("speakers")
    assert dialog.rows() and all("speakers" in " ".join(r).casefold() for r in dialog.rows())
    dialog.close()

    viewer = help_menu.show_user_guide(window)
    assert viewer is not None and "focusdesk" in viewer.browser.toPlainText()
    viewer.close()


# --- 4: views stay current -----------------------------------------------------------------------

def test_editor_hears_audio_imported_after_it_opened_and_the_sidebar_reopens_a_closed_tab(window, qtbot):
    from conftest import AUDIO

    from focusdesk.ui import study_actions as sa
    from focusdesk.ui.transcript.player import NO_AUDIO

    editor = _editor(window, qtbot)
    assert not editor.player.tracks and editor.waveform.message == NO_AUDIO
    assert sa.import_audio(window, str(AUDIO / "jfk.flac"))
    qtbot.waitUntil(lambda: bool(editor.player.tracks), timeout=3000)
    assert editor.waveform.message != NO_AUDIO and editor.player.duration_ms == 11_000

    key = transcript_editor.view_key(_sid(window))
    window._close_tab(window.tabs.indexOf(editor))
    assert window.find_view(key) is None
    item = window.sidebar.currentItem()
    assert item is not None and item.text(0).startswith("Focus group 1")
    rect = window.sidebar.visualItemRect(item)
    QTest.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())
    qtbot.waitUntil(lambda: window.find_view(key) is not None, timeout=3000)
    assert window.tabs.currentWidget() is window.find_view(key)


# --- 5: next steps are actions, messages never ask for a command ---------------------------------

def test_study_tab_next_steps_do_the_step(window, qtbot, monkeypatch):
    from conftest import AUDIO
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog

    from focusdesk.ui.features import transcription
    from focusdesk.ui.features.transcription import TranscribeDialog

    sid = _sid(window, "Interview 1")
    assert f"href='step:{sid}:import'" in window.home.label.text()
    assert f"href='step:{sid}:record'" in window.home.label.text()
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: asked.append(a[1]) or (str(AUDIO / "jfk.flac"), ""))
    window.home.label.linkActivated.emit(f"step:{sid}:import")
    assert asked == ["Import audio"] and window.current_session_id() == sid
    qtbot.waitUntil(lambda: f"href='step:{sid}:transcribe'" in window.home.label.text(), timeout=3000)
    # the same file again: the window asks, and "No" adds nothing
    from PySide6.QtWidgets import QMessageBox

    from focusdesk.store import transcripts as tr
    from focusdesk.ui import study_actions as sa

    questions = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: questions.append(a[2]) or QMessageBox.StandardButton.No)
    assert not sa.import_audio(window, str(AUDIO / "jfk.flac"))
    assert "already in Interview 1" in questions[0] and "focusdesk" not in questions[0]
    assert len(tr.list_recordings(window.workspace.db, sid)) == 1

    def accept():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, TranscribeDialog):
            QTimer.singleShot(20, accept)
            return
        dialog.ok_button.click()

    QTimer.singleShot(0, accept)
    window.home.label.linkActivated.emit(f"step:{sid}:transcribe")
    ctrl = transcription.controller(window)
    try:
        assert ctrl.is_running() and ctrl.job.session_id == sid
    finally:
        ctrl.cancel()
        ctrl.wait()
    window.home.label.linkActivated.emit(f"step:{sid}:record")
    assert window.find_view(f"live-console-{sid}") is not None
    fg = _sid(window)
    window.home.label.linkActivated.emit(f"step:{fg}:code")
    assert window.find_view(transcript_editor.view_key(fg)) is not None
    assert window.coding.dock.isVisible()


def test_window_messages_name_menus_not_commands(window, qtbot):
    from focusdesk.core.hints import for_window
    from focusdesk.ui.features import transcription
    from focusdesk.ui.jobs_panel import jobs

    sid = _sid(window, "Interview 1")
    assert not transcription.start_transcription(window, sid)  # no audio yet
    shown = [jobs(window).panel.note.text(), window.statusBar().currentMessage()]
    for text in shown:
        assert "focusdesk " not in text and "File ▸ Import ▸ Audio" in text, text
    assert for_window("Add one with 'focusdesk session add'.") == "Add one with Study ▸ Add session…."
    assert for_window("Download it once ('focusdesk models download small').").startswith(
        "Download it once (the Transcribe dialog")
