"""The main window and its study dialogs, as real Qt widgets (offscreen)."""

from __future__ import annotations

import pytest
from conftest import AUDIO, ROOT
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from focusdesk.core.changes import Change, Entity
from focusdesk.store import guide, sessions, study, transcripts
from focusdesk.store.workspace import open_workspace
from focusdesk.ui import study_actions as sa
from focusdesk.ui.dialogs import ParticipantDialog, SessionDialog, SiteDialog, StudyDialog
from focusdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    ws = open_workspace(tmp_path / "study", exclusive=True)
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()  # closes the study and drops any pending change batch


def answer_dialog(fill, accept=True):
    """Fill the next modal dialog once it opens, then press OK (or Cancel)."""
    def handle():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, handle)
            return
        fill(dialog)
        if accept:
            dialog.ok_button.click() if hasattr(dialog, "ok_button") else dialog.accept()
        else:
            dialog.reject()
    QTimer.singleShot(0, handle)


def test_empty_study_says_what_to_do(window):
    assert "no study yet" in window.home.label.text().lower()
    texts = [window.sidebar.topLevelItem(i).child(0).text(0) for i in range(window.sidebar.topLevelItemCount())]
    assert "No sessions yet — record one or import audio" in texts
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus[:3] == ["File", "Study", "Session"] and "Help" in menus


def test_create_study_site_participant_session_through_dialogs(window, qtbot):
    db = window.workspace.db
    answer_dialog(lambda d: d.title.setText("Digital therapy"))
    assert sa.edit_study(window)
    assert study.get_study(db).title == "Digital therapy"
    qtbot.waitUntil(lambda: "Digital therapy" in window.windowTitle(), timeout=3000)  # the next turn

    answer_dialog(lambda d: d.name.setText("Site A"))
    assert sa.add_site(window)

    def fill_participant(d: ParticipantDialog):
        assert d.code.text() == "P01"
        d.site.setCurrentIndex(1)
        d.role.setText("OT")
        d.attributes.setPlainText("profession=OT\nyears=4")
    answer_dialog(fill_participant)
    assert sa.add_participant(window)
    p = study.participant_by_code(db, "P01")
    assert p.attributes == {"profession": "OT", "years": "4"} and p.site_id is not None

    def fill_session(d: SessionDialog):
        d.name.setText("Focus group 1")
        d.site.setCurrentIndex(1)
        d.participants.item(0).setCheckState(Qt.CheckState.Checked)
    answer_dialog(fill_session)
    assert sa.add_session(window)
    s = sessions.session_by_name(db, "Focus group 1")
    assert s.participant_ids == [p.id]
    assert window.current_session_id() == s.id
    qtbot.waitUntil(lambda: window.sidebar.currentItem() is not None, timeout=3000)
    assert window.sidebar.currentItem().text(0).startswith("Focus group 1")
    assert "Focus group 1" in window.home.label.text()


def test_dialog_validation_keeps_dialog_open(qtbot):
    d = SiteDialog()
    qtbot.addWidget(d)
    d.show()
    d.ok_button.click()
    assert d.isVisible() and "name" in d.error.text()
    p = ParticipantDialog([], "P01")
    qtbot.addWidget(p)
    p.attributes.setPlainText("no equals sign")
    p.show()
    p.ok_button.click()
    assert p.isVisible() and "key=value" in p.error.text()
    s = StudyDialog(None)
    qtbot.addWidget(s)
    assert s.validate() == "Give the study a title."


def test_duplicate_site_shows_error_in_dialog(window, qtbot):
    study.add_site(window.workspace.db, __import__("focusdesk.core.model", fromlist=["Site"]).Site("Site A"))
    seen = []

    def fill(d):
        d.name.setText("Site A")
        QTimer.singleShot(50, lambda: (seen.append(d.error.text()), d.reject()))
    answer_dialog(fill)
    assert not sa.add_site(window)
    assert "already a site" in seen[0]


def test_import_guide_frame_and_audio(window, monkeypatch, qtbot):
    db = window.workspace.db
    assert sa.import_guide(window, str(ROOT / "resources/templates/topic-guide.md"))
    assert len(guide.load_guide(db).sections) == 4
    assert sa.import_frame(window, str(ROOT / "resources/templates/coding-frame.yaml"))

    def group_titles():
        return [window.sidebar.topLevelItem(i).text(0) for i in range(window.sidebar.topLevelItemCount())]
    qtbot.waitUntil(lambda: "Topic guide (4)" in group_titles() and "Coding frame (8)" in group_titles(),
                    timeout=3000)
    from focusdesk.core.model import Session
    s = sessions.add_session(db, Session("S1"))
    window.changes.notify(Change(Entity.SESSIONS, s.id))
    window.changes.flush()
    window.set_current_session(s.id)
    assert sa.import_audio(window, str(AUDIO / "librispeech-2412-153948-0000.flac"))
    assert transcripts.list_recordings(db, s.id)[0].duration_ms == 11660
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    bad = window.workspace.root / "bad.md"
    bad.write_text("- question without section\n")
    assert not sa.import_guide(window, str(bad))
    assert "bad.md:1" in warnings[0]


def test_views_open_as_tabs_and_about(window, monkeypatch):
    from PySide6.QtWidgets import QLabel
    w1 = window.open_view("One", QLabel("1"), key="k")
    assert window.tabs.currentWidget() is w1
    w2 = window.open_view("Two", QLabel("2"), key="k")
    assert window.tabs.count() == 2 and window.find_view("k") is w2
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda *a: shown.append(a[2]))
    window._about()
    assert "opens no network connection" in shown[0]


def test_recent_workspaces_and_switch(window, tmp_path):
    from focusdesk.ui import settings as prefs
    other = tmp_path / "other"
    assert window.switch_workspace(other)
    assert window.workspace.root == other
    assert prefs.recent_workspaces()[:2] == [str(other), str(tmp_path / "study")]


def test_one_menu_entry_imports_guides_and_frames_of_every_type(window, tmp_path):
    """Word guides and .qdc codebooks come in through the Study menu's entries (the same
    function as the CLI's), and no other menu repeats them."""
    from docx import Document

    from focusdesk.exchange.qdc import write_qdc
    from focusdesk.store import codes

    entries = [a.text().replace("&", "") for m in window.menuBar().findChildren(type(window.menu("Study")))
               for a in m.actions()]
    assert sum("Import topic guide" in t for t in entries) == 1
    assert sum("codebook" in t.casefold() and "Import" in t for t in entries) == 0
    doc = Document()
    doc.add_heading("Opening", 1)
    doc.add_paragraph("How are you?", style="List Number")
    doc.save(str(tmp_path / "g.docx"))
    assert sa.import_guide(window, str(tmp_path / "g.docx"))
    assert [s.text for s in guide.load_guide(window.workspace.db).sections] == ["Opening"]
    other = open_workspace(tmp_path / "other")
    sa.import_frame(window, str(ROOT / "resources/templates/coding-frame.yaml"))
    write_qdc(window.workspace.db, tmp_path / "frame.qdc")
    assert sa.import_frame(window, str(tmp_path / "frame.qdc")) is True  # same codes: none new
    from focusdesk.exchange.outline_import import import_frame_file
    assert import_frame_file(other.db, tmp_path / "frame.qdc") == len(codes.list_codes(window.workspace.db))
    other.close()
