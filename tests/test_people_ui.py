"""Facilitators, participants, sites and sessions in the real window (offscreen): add a
facilitator, pick them for a session, name a voice after them, and edit or delete people, sites
and sessions from the People tab and the sidebar, with the confirmations answered."""

from __future__ import annotations

import pytest
from conftest import ROOT
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from focusdesk.core.model import Participant, Segment, TopicGuide
from focusdesk.store import codes, guide, progress, sessions, study, transcripts
from focusdesk.store.workspace import open_workspace
from focusdesk.ui import people_actions as pa
from focusdesk.ui import study_actions as sa
from focusdesk.ui.dialogs import FacilitatorDialog, ParticipantDialog, SessionDialog, date_text
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.people_view import PeopleView, open_people
from focusdesk.ui.speakers.view import FindSpeakersDialog, SpeakersView


@pytest.fixture
def window(qtbot, seeded):
    root = seeded.root
    seeded.close()
    win = MainWindow(open_workspace(root, exclusive=True))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


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


def answer_yes(monkeypatch, seen: list[str], yes: bool = True) -> None:
    def question(_parent, _title, text, *_args):
        seen.append(text)
        return QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", question)


def _action(window, text: str):
    return next(a for a in window.findChildren(type(window.import_audio_action)) if a.text().replace("&", "") == text)


def test_facilitator_added_picked_and_named_makes_the_session_named(window, qtbot):
    db = window.workspace.db
    call = sessions.session_by_name(db, "Interview 1")  # a telephone interview with P03 only
    hint = FindSpeakersDialog(window.workspace, call.id)
    qtbot.addWidget(hint)
    assert "at most 2" in hint.hint.text()  # P03 and the interviewer, listed or not

    def fill_facilitator(d: FacilitatorDialog):
        assert d.code.text() == "F1"
        d.name.setText("Anna Berg")
    answer_dialog(fill_facilitator)
    _action(window, "Add facilitator…").trigger()
    anna = study.facilitator_by_name(db, "Anna Berg")
    assert anna.code == "F1"

    def fill_session(d: SessionDialog):
        assert d.participant_filter.currentText() == "Site B"  # the session's site
        shown = [d.participants.item(i).text() for i in range(d.participants.count())
                 if not d.participants.item(i).isHidden()]
        assert [t.split()[0] for t in shown] == ["P03", "P04"] and d.participants.minimumHeight() >= 200
        assert d.facilitators.item(0).text() == "F1 — Anna Berg"
        d.facilitators.item(0).setCheckState(Qt.CheckState.Checked)
    answer_dialog(fill_session)
    assert sa.edit_session(window, call.id)
    assert sessions.get_session(db, call.id).facilitator_ids == [anna.id]

    s1, s2 = (transcripts.ensure_speaker(db, call.id, label) for label in ("S1", "S2"))
    transcripts.add_segments(db, [Segment(call.id, 0, 2000, "How was the week?", s1.id),
                                  Segment(call.id, 2000, 5000, "Busy, thanks Anna.", s2.id)])
    window.set_current_session(call.id)
    _action(window, "Speakers and who they are").trigger()
    view = next(w for w in window.views(SpeakersView) if w.session_id == call.id)
    combo = view.combo(view.row_of("S1"))
    assert combo.itemText(1) == "P03 (participant)"
    combo.setCurrentIndex(combo.findText("F1 — Anna Berg (facilitator)"))
    view.combo(view.row_of("S2")).setCurrentIndex(view.combo(view.row_of("S2")).findText("P03 (participant)"))
    row = next(p for p in progress.session_progress(db) if p.session_id == call.id)
    assert (row.speakers_named, row.speakers) == (2, 2) and row.next_step == "code passages"
    qtbot.waitUntil(lambda: "2 of 2" in window.home.label.text(), timeout=3000)
    assert set(transcripts.speaker_names(db, call.id).values()) == {"F1", "P03"}


def test_edit_participant_with_site_filter_and_date_picker(window, qtbot):
    db = window.workspace.db
    view = open_people(window)
    assert isinstance(view, PeopleView) and window.tabs.currentWidget() is view
    table = view.participants
    assert [table.table.item(r, 0).text() for r in range(table.table.rowCount())] == ["P01", "P02", "P03", "P04"]
    view.site_filter.setCurrentIndex(view.site_filter.findText("Site B"))
    assert [table.table.item(r, 0).text() for r in range(table.table.rowCount())] == ["P03", "P04"]

    def fill(d: ParticipantDialog):
        assert d.code.text() == "P03" and d.consent.text() == "—"
        d.consent.setDate(QDate(2026, 10, 1))
        d.role.setText("speech therapist")
        d.site.setCurrentIndex(d.site.findText("Site A"))
    answer_dialog(fill)
    table.table.cellDoubleClicked.emit(0, 0)  # double-click edits
    p = study.participant_by_code(db, "P03")
    assert (p.consent_date, p.role, study.get_site(db, p.site_id).name) == ("2026-10-01", "speech therapist", "Site A")
    qtbot.waitUntil(lambda: table.table.rowCount() == 1, timeout=3000)  # P03 left Site B's list
    sidebar_text = [window.sidebar.topLevelItem(1).child(i).text(0) for i in range(4)]
    assert any(t.startswith("P03  Site A  speech therapist") for t in sidebar_text)

    # adding remembers the last entry's site
    answer_dialog(lambda d: (d.site.currentText() == "Site B" or pytest.fail(d.site.currentText()),
                             d.code.setText("P05")))
    assert sa.add_participant(window)
    assert study.get_site(db, study.participant_by_code(db, "P05").site_id).name == "Site B"


def test_invalid_consent_date_is_refused_in_the_dialog(window, qtbot):
    db = window.workspace.db
    typed = []

    def fill(d: ParticipantDialog):
        d.code.setText("P10")
        d.consent.setDate(QDate(2026, 2, 1))
        d.consent.lineEdit().selectAll()
        QTest.keyClicks(d.consent, "01/10/2026")  # the locale-style date of the issue
        typed.append(date_text(d.consent))
    answer_dialog(fill)
    assert sa.add_participant(window)
    stored = study.participant_by_code(db, "P10").consent_date
    assert stored == typed[0] and (stored == "" or QDate.fromString(stored, "yyyy-MM-dd").isValid())
    assert stored != "01/10/2026"

    # the store (and so the CLI) refuses it with the form to use; the dialog stays open with it
    legacy = study.participant_by_code(db, "P10")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        study.add_participant(db, Participant("P11", consent_date="01/10/2026"))
    errors = []

    def bad_code(d: ParticipantDialog):
        d.code.setText("P01")  # taken: the store's reason shows, the dialog stays open
        QTimer.singleShot(50, lambda: (errors.append(d.error.text()), d.reject()))
    answer_dialog(bad_code)
    assert not pa.edit_participant(window, legacy.id)
    assert "already a participant 'P01'" in errors[0]


def test_delete_participant_site_and_session_with_confirmation(window, qtbot, monkeypatch):
    ws, db = window.workspace, window.workspace.db
    fg = sessions.session_by_name(db, "Focus group 1")
    p01 = study.participant_by_code(db, "P01")
    sp = transcripts.ensure_speaker(db, fg.id, "S1")
    sp.participant_id = p01.id
    transcripts.update_speaker(db, sp)
    transcripts.add_segment(db, Segment(fg.id, 0, 1000, "quote", sp.id))
    seen: list[str] = []

    answer_yes(monkeypatch, seen, yes=False)
    assert not pa.delete_participant(window, p01.id) and study.get_participant(db, p01.id)
    answer_yes(monkeypatch, seen)
    view = open_people(window, "participants", p01.id)
    assert view.participants.current_id() == p01.id
    assert view.participants.delete_row(view.participants.table.currentRow())
    assert "Delete participant P01?" in seen[-1] and "1 session (Focus group 1)" in seen[-1]
    assert "the 1 turn and 0 codings on them stay" in seen[-1]
    assert study.get_participant(db, p01.id) is None
    assert transcripts.speaker_names(db, fg.id)[sp.id] == "S1"
    qtbot.waitUntil(lambda: view.participants.table.rowCount() == 3, timeout=3000)

    # a site: its people and sessions move to the site chosen in the confirmation
    a, b = study.site_by_name(db, "Site A"), study.site_by_name(db, "Site B")

    def move(d):
        assert "1 participant and 1 session stay, with no site" in d.text.text()
        d.move_to.setCurrentIndex(d.move_to.findData(b.id))
        assert "move to Site B" in d.text.text()
    answer_dialog(move)
    assert pa.delete_site(window, a.id)
    assert [s.name for s in study.list_sites(db)] == ["Site B"]
    assert sessions.get_session(db, fg.id).site_id == b.id

    # a session: its folder and transcript go, the other session's stay
    other = sessions.session_by_name(db, "Interview 1")
    (ws.session_dir(fg.id) / "a.wav").write_bytes(b"1234")
    (ws.session_dir(other.id) / "b.wav").write_bytes(b"5678")
    window.set_current_session(fg.id)
    assert pa.delete_session(window, fg.id)
    assert "the transcript (1 turn)" in seen[-1] and "media folder (1 file" in seen[-1]
    assert sessions.get_session(db, fg.id) is None and window.current_session_id() is None
    assert not ws.session_dir(other.id).joinpath("a.wav").exists()
    assert (ws.session_dir(other.id) / "b.wav").read_bytes() == b"5678"
    assert not (ws.media_root / f"{fg.id:04d}").exists()
    qtbot.waitUntil(lambda: "Focus group 1" not in window.home.label.text(), timeout=3000)
    assert [view.sessions.table.item(r, 0).text() for r in range(view.sessions.table.rowCount())] == ["Interview 1"]


def test_sidebar_double_click_edits_the_participant(window, qtbot):
    item = window.sidebar.topLevelItem(1).child(0)
    assert item.text(0).startswith("P01")
    answer_dialog(lambda d: d.role.setText("nurse"))
    window.sidebar.itemDoubleClicked.emit(item, 0)
    assert study.participant_by_code(window.workspace.db, "P01").role == "nurse"


def test_guide_and_frame_import_offer_the_templates(window, qtbot):
    db = window.workspace.db
    guide.save_guide(db, TopicGuide())  # no guide yet
    assert not guide.load_guide(db).sections

    def use_template():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, use_template)
            return
        button = next(b for b in box.buttons() if b.text() == "Use the template topic guide")
        button.click()
    QTimer.singleShot(0, use_template)
    assert sa.import_guide(window)
    assert len(guide.load_guide(db).sections) == 4  # resources/templates/topic-guide.md
    n_codes = len(codes.list_codes(db))

    def cancel():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, cancel)
            return
        assert any(b.text() == "Use the template coding frame" for b in box.buttons())
        assert any(b.text() == "Choose a file…" for b in box.buttons())
        box.button(QMessageBox.StandardButton.Cancel).click()
    QTimer.singleShot(0, cancel)
    assert not sa.import_frame(window)
    assert len(codes.list_codes(db)) == n_codes
    assert (ROOT / "resources/templates/topic-guide.md").is_file()
