"""The walk: the real window driven through the seed study's path as a new user works it, with
clicks and keys: create the study, sites, participants and a facilitator, the guide and frame
from the templates, a telephone interview, import its audio, transcribe, find the speakers with
the estimate, name the voices after the participant and the facilitator, edit a turn, code by
dragging over words, open the matrices, export DOCX and QDPX. At each step it checks what the
user sees: the window fits a 1366x768 laptop screen, no tab is stale, and the Study tab's next
step for the session is the right link (and following it does the step).

Transcription and speaker finding run as the window's real jobs (the bundled tiny.en, the real
diarization model) on the 30-s two-person call in ../shared/data/audio: Diane runs the call (the
facilitator), Sheila is the participant."""

from __future__ import annotations

import zipfile
from collections.abc import Callable

import pytest
from conftest import AUDIO
from docx import Document
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QPushButton, QWidget

from focusdesk.diarize.metrics import read_stm
from focusdesk.jobs import JobOutcome
from focusdesk.store import codes, coding_ops, progress, sessions, study, transcripts
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.coding.framework_view import FrameworkView
from focusdesk.ui.coding.matrix_view import MatrixView
from focusdesk.ui.dialogs import FacilitatorDialog, ParticipantDialog, SessionDialog, SiteDialog, StudyDialog
from focusdesk.ui.export_dialog import ExportDialog
from focusdesk.ui.features import diarization, transcript_editor, transcription
from focusdesk.ui.features.transcription import TranscribeDialog
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.speakers.view import FindSpeakersDialog, SpeakersView
from focusdesk.ui.transcript.editor import TranscriptEditor
from focusdesk.ui.transcript.player import NO_AUDIO

W, H = 1366, 768  # the laptop screen the window must fit
JOB_MS = 240_000  # generous: the machine is shared
CALL = AUDIO / "telephone-2spk.wav"
PARTICIPANT_REAL_NAME = "Margaret Okafor"  # never said in the call: must not reach an export
FACILITATOR_NAME = "Ruth Lindqvist"


@pytest.fixture
def window(qtbot, tmp_path):
    """A new, empty study folder in a laptop-sized window."""
    win = MainWindow(open_workspace(tmp_path / "study", exclusive=True))
    qtbot.addWidget(win)
    win.resize(W, H)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    yield win
    ctrl = transcription.controller(win)
    ctrl.cancel()
    ctrl.wait()
    for view in win.views():
        shutdown = getattr(view, "shutdown", None)
        if shutdown:
            shutdown()
    jobs(win).cancel_all()
    win.close()


# --- what a user does ------------------------------------------------------------------------------

def when_modal(kind: type, act: Callable[[QWidget], None]) -> None:
    """Do ``act`` to the next modal dialog of ``kind`` once it is open (it is opened by the
    click that follows)."""
    def handle():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(20, handle)
            return
        act(dialog)
    QTimer.singleShot(0, handle)


def fill_and_ok(kind: type, fill: Callable[[QWidget], None]) -> None:
    def act(dialog):
        fill(dialog)
        dialog.ok_button.click()
    when_modal(kind, act)


def type_into(widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    QTest.keyClicks(widget, text)


def press(button) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def menu_action(win, menu: str, text: str) -> QAction:
    return next(a for a in win.menu(menu).actions() if a.text().replace("&", "") == text)


def click_link(win, target: str) -> None:
    """Follow a link of the Study tab (as a click on it does)."""
    assert f"href='{target}'" in win.home.label.text(), (target, win.home.label.text())
    win.home.label.linkActivated.emit(target)


def step_links(win, sid: int) -> list[str]:
    """The Study tab's next-step links for the session, in order."""
    text = win.home.label.text()
    prefix = f"href='step:{sid}:"
    out, at = [], text.find(prefix)
    while at >= 0:
        end = text.index("'", at + len(prefix))
        out.append(text[at + len(prefix):end])
        at = text.find(prefix, end)
    return out


def fits(win, what: str) -> None:
    """The window stays within the laptop screen (and the real one, where that is as large)."""
    QApplication.processEvents()
    room = win.screen().availableGeometry()
    assert win.width() <= W and win.height() <= H, (what, win.size())
    assert win.minimumSizeHint().width() <= W, (what, win.minimumSizeHint())
    if room.width() >= W:
        assert win.width() <= room.width(), (what, win.width(), room)


def drag(view, a, b) -> None:
    """Press on word ``a`` of the transcript, move over the words to ``b`` and let go."""
    vp = view.viewport()
    pa, pb = view.word_rect(a).center(), view.word_rect(b).center()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pa)
    QTest.mouseMove(vp, (pa + pb) / 2)
    QTest.mouseMove(vp, pb)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pb)


def cell_of(view, row: str, column: str):
    """A matrix view's cell by its row and column headings (as the user reads them)."""
    t = view.table
    rows = [t.verticalHeaderItem(r).text() for r in range(t.rowCount())]
    cols = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    return t.item(rows.index(row), cols.index(column))


def docx_text(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    parts += [c.text for c in doc.comments]
    return "\n".join(parts)


def export(win, qtbot, monkeypatch, fmt: str, target) -> None:
    """Export ▸ Export session…: choose the format and the file, press Export."""
    def run(dialog):
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        assert not dialog.names.isChecked()  # pseudonyms by default
        dialog.path.setText(str(target))
        with qtbot.waitSignal(dialog.accepted, timeout=60_000):
            press(dialog.export_button)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", run)
    menu_action(win, "Export", "Export session…").trigger()
    assert target.is_file() and str(target) in win.statusBar().currentMessage()


# --- the walk ----------------------------------------------------------------------------------------

def test_walk_the_seed_study_through_the_window(window, qtbot, monkeypatch, tmp_path):
    win, db = window, window.workspace.db
    fits(win, "empty study")
    assert "no study yet" in win.home.label.text().lower()

    # 1. The study, its sites, people and a facilitator.
    fill_and_ok(StudyDialog, lambda d: type_into(d.title, "Digital therapy study"))
    click_link(win, "study")
    qtbot.waitUntil(lambda: "Digital therapy study" in win.windowTitle(), timeout=5000)
    fill_and_ok(SiteDialog, lambda d: type_into(d.name, "Site A"))
    click_link(win, "site")
    fill_and_ok(SiteDialog, lambda d: type_into(d.name, "Site B"))
    menu_action(win, "Study", "Add site…").trigger()

    def participant(code: str, site: str, real_name: str = ""):
        def fill(d: ParticipantDialog):
            assert d.code.text() == code  # suggested
            d.site.setCurrentIndex(d.site.findText(site))
            type_into(d.role, "OT")
            if real_name:
                type_into(d.real_name, real_name)
        return fill
    fill_and_ok(ParticipantDialog, participant("P01", "Site A"))
    click_link(win, "participant")
    fill_and_ok(ParticipantDialog, participant("P02", "Site B", PARTICIPANT_REAL_NAME))
    menu_action(win, "Study", "Add participant…").trigger()

    def facilitator(d: FacilitatorDialog):
        assert d.code.text() == "F1"
        type_into(d.name, FACILITATOR_NAME)
    fill_and_ok(FacilitatorDialog, facilitator)
    menu_action(win, "Study", "Add facilitator…").trigger()
    assert study.facilitator_by_name(db, FACILITATOR_NAME).code == "F1"
    qtbot.waitUntil(lambda: "2 site(s) · 2 participant(s)" in win.home.label.text(), timeout=5000)

    # 2. Guide and frame from the bundled templates (the chooser offers them).
    def use_template(what: str):
        when_modal(QMessageBox, lambda box: press(next(b for b in box.buttons()
                                                       if b.text() == f"Use the template {what}")))
    use_template("topic guide")
    click_link(win, "guide")
    use_template("coding frame")
    click_link(win, "frame")
    qtbot.waitUntil(lambda: " 0 guide item(s)" not in win.home.label.text()
                    and "guide item(s) · 8 code(s)" in win.home.label.text(), timeout=5000)
    fits(win, "study set up")

    # 3. A telephone interview with P02, run by F1 (the session dialog filters by site).
    def fill_session(d: SessionDialog):
        type_into(d.name, "Interview 1")
        d.kind.setCurrentIndex(d.kind.findData("telephone-interview"))
        d.site.setCurrentIndex(d.site.findText("Site B"))
        shown = [d.participants.item(i) for i in range(d.participants.count())
                 if not d.participants.item(i).isHidden()]
        assert [i.text().split()[0] for i in shown] == ["P02"]
        shown[0].setCheckState(Qt.CheckState.Checked)
        d.facilitators.item(0).setCheckState(Qt.CheckState.Checked)
    fill_and_ok(SessionDialog, fill_session)
    click_link(win, "session")
    s = sessions.session_by_name(db, "Interview 1")
    assert (s.participant_ids, s.facilitator_ids) == ([study.participant_by_code(db, "P02").id],
                                                      [study.facilitator_by_name(db, FACILITATOR_NAME).id])
    sid = s.id
    assert win.current_session_id() == sid
    editor = win.find_view(transcript_editor.view_key(sid))  # the new session opens in the editor
    assert isinstance(editor, TranscriptEditor) and editor.waveform.message == NO_AUDIO
    qtbot.waitUntil(lambda: step_links(win, sid) == ["record", "import"], timeout=5000)
    assert menu_action(win, "Session", "Import audio into session…").isEnabled()
    fits(win, "session with its empty transcript")

    # 4. Import the call's audio through the next-step link; the open editor hears it.
    chosen = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: chosen.append(a[1]) or (str(CALL), ""))
    click_link(win, f"step:{sid}:import")
    assert chosen == ["Import audio"]
    qtbot.waitUntil(lambda: bool(editor.player.tracks), timeout=5000)
    assert editor.waveform.message != NO_AUDIO and editor.player.duration_ms == 30_000
    qtbot.waitUntil(lambda: step_links(win, sid) == ["transcribe"], timeout=5000)
    assert menu_action(win, "Session", "Transcribe session…").isEnabled()

    # 5. Transcribe with the bundled model, as a job in the Jobs panel.
    def transcribe(d: TranscribeDialog):
        assert d.model.currentText() == "tiny.en"
        d.language.setCurrentIndex(d.language.findData("en"))
        d.decoding.setCurrentIndex(d.decoding.findData(1))  # greedy: fastest
    fill_and_ok(TranscribeDialog, transcribe)
    ctrl = transcription.controller(win)
    with qtbot.waitSignal(ctrl.finished, timeout=JOB_MS) as ended:
        click_link(win, f"step:{sid}:transcribe")
        assert ctrl.is_running() and jobs(win).dock.isVisible()
        fits(win, "transcribing, with the jobs dock")
    assert ended.args == [JobOutcome.DONE], jobs(win).panel.rows()[-1].detail.text()
    segs = transcripts.list_segments(db, sid)
    assert len(segs) >= 3 and all(seg.words for seg in segs)
    assert win.find_view(transcript_editor.view_key(sid)) is editor  # the same tab, not stale
    qtbot.waitUntil(lambda: len(editor.model.segments) == len(segs), timeout=5000)
    qtbot.waitUntil(lambda: step_links(win, sid) == ["diarize"], timeout=5000)
    assert menu_action(win, "Session", "Find speakers…").isEnabled()
    fits(win, "transcript")

    # 6. Find the speakers with the estimate: a call with one participant and a facilitator
    #    listed is at most two voices.
    def estimate(d: FindSpeakersDialog):
        assert d.count.value() == 0 and d.count.specialValueText() == "Estimate"
        assert "at most 2" in d.hint.text()
        press(next(b for b in d.findChildren(QPushButton) if b.text() == "Find speakers"))
    when_modal(FindSpeakersDialog, estimate)
    click_link(win, f"step:{sid}:diarize")
    view = win.find_view(diarization.view_key(sid))
    assert isinstance(view, SpeakersView) and view.is_running()
    fits(win, "speakers view, finding")
    qtbot.waitUntil(lambda: not view.is_running(), timeout=JOB_MS)
    assert "Found 2 voice(s)" in view.message.text(), view.message.text()
    assert sorted(view.table.item(r, 0).text() for r in range(view.table.rowCount())) == ["S1", "S2"]
    qtbot.waitUntil(lambda: step_links(win, sid) == ["speakers"], timeout=5000)
    assert "0 of 2" in win.home.label.text()

    # 7. Name the voices: the one that speaks in Diane's turns is the facilitator.
    click_link(win, f"step:{sid}:speakers")
    assert win.tabs.currentWidget() is view
    diane = [(u.start_ms, u.end_ms) for u in read_stm(CALL.with_suffix(".stm")) if u.speaker == "Diane"]

    def diane_share(speaker_id: int) -> float:
        mine = [g for g in transcripts.list_segments(db, sid, with_words=False) if g.speaker_id == speaker_id]
        total = sum(g.end_ms - g.start_ms for g in mine) or 1
        return sum(max(0, min(g.end_ms, e) - max(g.start_ms, b)) for g in mine for b, e in diane) / total
    voices = {sp.label: sp.id for sp in transcripts.list_speakers(db, sid)}
    fac_label = max(("S1", "S2"), key=lambda lab: diane_share(voices[lab]))
    part_label = "S2" if fac_label == "S1" else "S1"
    for label, text in ((fac_label, f"F1 — {FACILITATOR_NAME} (facilitator)"), (part_label, "P02 (participant)")):
        combo = view.combo(view.row_of(label))
        index = combo.findText(text)
        assert index > 0, [combo.itemText(i) for i in range(combo.count())]
        combo.setCurrentIndex(index)
        qtbot.wait(10)
    qtbot.waitUntil(lambda: "2 of 2" in win.home.label.text(), timeout=5000)
    assert step_links(win, sid) == ["code"]
    assert sorted(transcripts.speaker_names(db, sid).values()) == ["F1", "P02"]
    qtbot.waitUntil(lambda: editor.model.speaker_name(voices[part_label]) == "P02"
                    and editor.model.speaker_name(voices[fac_label]) == "F1", timeout=5000)
    fits(win, "speakers named")

    # 8. Edit: double-click a turn of the participant's, type at its end, Enter ...
    win.tabs.setCurrentWidget(editor)
    order = next(i for i, g in enumerate(editor.model.segments)
                 if g.speaker_id == voices[part_label] and len(g.words) >= 4)
    turn = editor.model.segments[order]
    editor.view.scrollTo(editor.model.index(editor.model.seg_row[order]))
    QTest.mouseDClick(editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      editor.view.word_rect((order, 0)).center())
    inline = editor.view.focusWidget()
    assert inline is not editor.view and inline.toPlainText() == turn.text
    QTest.keyClick(inline, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(inline, " [laughs]")
    QTest.keyClick(inline, Qt.Key.Key_Return)
    edited = transcripts.get_segment(db, turn.id)
    assert edited.text == turn.text + " [laughs]" and "  " not in edited.text
    qtbot.waitUntil(lambda: editor.model.segments[order].text == edited.text, timeout=5000)
    #    ... and split a turn of the facilitator's before its third word (double-click the word,
    #    Ctrl+Enter): two turns with single spaces, the words kept.
    split_at = next(i for i, g in enumerate(editor.model.segments)
                    if g.speaker_id == voices[fac_label] and len(g.words) >= 4)
    whole, n_turns = editor.model.segments[split_at], len(editor.model.segments)
    editor.view.scrollTo(editor.model.index(editor.model.seg_row[split_at]))
    QTest.mouseDClick(editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      editor.view.word_rect((split_at, 2)).center())
    QTest.keyClick(editor.view.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(editor.model.segments) == n_turns + 1, timeout=5000)
    first, second = editor.model.segments[split_at:split_at + 2]
    assert (first.id, len(first.words), second.speaker_id) == (whole.id, 2, whole.speaker_id)
    assert f"{first.text} {second.text}" == whole.text and "  " not in first.text + second.text
    order = editor.model.seg_order[turn.id]  # the participant's turn may have moved down

    # 9. Code: the next step opens the coding panel; drag over three of the participant's words
    #    and apply a code found by typing.
    click_link(win, f"step:{sid}:code")
    qtbot.waitUntil(lambda: win.coding.dock.isVisible(), timeout=5000)
    assert win.tabs.currentWidget() is editor
    fits(win, "transcript editor with the coding panel")
    turn = editor.model.segments[order]
    editor.view.scrollTo(editor.model.index(editor.model.seg_row[order]))
    drag(editor.view, (order, 0), (order, 2))
    assert editor.model.selected_positions() == ((order, 0), (order, 2))
    panel = win.coding.panel
    assert panel.selection()[:2] == (turn.words[0].start_ms, turn.words[2].end_ms)
    type_into(panel.search, "overwhelm")
    press(next(b for b in panel.findChildren(QPushButton) if b.text() == "&Apply"))
    made = coding_ops.session_codings(db, sid)
    overwhelming = next(c for c in codes.list_codes(db) if c.name == "Overwhelming")
    assert [(c.code_id, c.start_ms, c.end_ms, c.speaker_id) for c in made] == [
        (overwhelming.id, turn.words[0].start_ms, turn.words[2].end_ms, voices[part_label])]
    qtbot.waitUntil(lambda: step_links(win, sid) == [] and "✓ done" in win.home.label.text(), timeout=5000)
    qtbot.waitUntil(lambda: panel.here.count() == 1, timeout=5000)  # "Codings here" shows it

    # 10. The matrices show the coding.
    menu_action(win, "Analysis", "Code matrix").trigger()
    matrix = win.tabs.currentWidget()
    assert isinstance(matrix, MatrixView)
    fits(win, "code matrix")
    assert "\n1 passage(s)" in cell_of(matrix, "P02", "Overwhelming").toolTip()
    assert "\n0 passage(s)" in cell_of(matrix, "P02", "Fosters engagement").toolTip()
    menu_action(win, "Analysis", "Framework matrix").trigger()
    framework = win.tabs.currentWidget()
    assert isinstance(framework, FrameworkView)
    fits(win, "framework matrix")
    assert cell_of(framework, "P02 (Site B)", "Overwhelming").text() == "1 quote(s)"

    # 11. Back in the transcript, code the next word by keys (Ctrl+K, type, Enter): the open
    #     matrices follow.
    win.tabs.setCurrentWidget(editor)
    win.activateWindow()  # offscreen, no window manager gives it back after the dialogs
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    assert len(editor.model.codings) == 1  # the editor shows the first coding
    editor.view.scrollTo(editor.model.index(editor.model.seg_row[order]))
    drag(editor.view, (order, 3), (order, 3))
    assert editor.model.selected_positions() == ((order, 3), (order, 3))
    QTest.keyClick(editor.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    QTest.keyClicks(panel.search, "fosters")
    QTest.keyClick(panel.search, Qt.Key.Key_Return)
    assert len(coding_ops.session_codings(db, sid)) == 2
    qtbot.waitUntil(lambda: len(editor.model.codings) == 2, timeout=5000)
    qtbot.waitUntil(lambda: "\n1 passage(s)" in cell_of(matrix, "P02", "Fosters engagement").toolTip(),
                    timeout=5000)
    assert cell_of(framework, "P02 (Site B)", "Fosters engagement").text() == "1 quote(s)"

    # 12. Exports: DOCX with pseudonyms only and single spaces, QDPX with its project.
    out = tmp_path / "exports"
    out.mkdir()
    export(win, qtbot, monkeypatch, "docx", out / "interview-1.docx")
    text = docx_text(out / "interview-1.docx")
    assert "P02" in text and "F1" in text and "[laughs]" in text
    assert PARTICIPANT_REAL_NAME not in text and FACILITATOR_NAME not in text
    assert "Overwhelming" in text and "Fosters engagement" in text  # the codings, as comments
    assert "  " not in text, [line for line in text.splitlines() if "  " in line]
    export(win, qtbot, monkeypatch, "qdpx", out / "interview-1.qdpx")
    with zipfile.ZipFile(out / "interview-1.qdpx") as z:
        assert "project.qde" in z.namelist()
        qde = z.read("project.qde").decode("utf-8")
    assert PARTICIPANT_REAL_NAME not in qde and FACILITATOR_NAME not in qde
    fits(win, "after the exports")
    row = next(p for p in progress.session_progress(db) if p.session_id == sid)
    assert (row.speakers_named, row.speakers, row.codings, row.next_step) == (2, 2, 2, "done")

