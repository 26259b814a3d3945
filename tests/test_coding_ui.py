"""The coding widgets as real Qt widgets (offscreen): coding by selection, by keyboard (type-ahead
and Ctrl+1…9 pinned codes), by context menu, the frame editor, retrieval and analysis views.

Until the transcript editor lands, ``StandIn`` implements the same small interface the coding
panel relies on (selection_range, selection_changed, current_segment_id, refresh_annotations,
add_context_menu_provider, seek, play_range)."""

from __future__ import annotations

import pytest
from coding_study import add_study_codings, build_transcripts
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from focusdesk.store import codes
from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.ui.coding.autocode_dialog import AutoCodeDialog
from focusdesk.ui.coding.frame_editor import FrameEditor
from focusdesk.ui.coding.framework_view import FrameworkView
from focusdesk.ui.coding.matrix_view import MatrixView
from focusdesk.ui.coding.panel import CodingPanel
from focusdesk.ui.coding.retrieval_view import RetrievalView
from focusdesk.ui.main_window import MainWindow


class StandIn(QWidget):
    """A CodableEditor (focusdesk/ui/interfaces.py) without the transcript editor's weight."""

    selection_changed = Signal()

    def __init__(self, session_id: int):
        super().__init__()
        self.session_id = session_id
        self.sel = None
        self.segment = None
        self.refreshed = 0
        self.providers = []
        self.played = []
        self.view = self  # the widget that takes the keys (CodableEditor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def select(self, start, end, speaker=None):
        self.sel = (start, end, speaker)
        self.selection_changed.emit()

    def selection_range(self):
        return self.sel

    def current_segment_id(self):
        return self.segment

    def refresh_annotations(self):
        self.refreshed += 1

    def add_context_menu_provider(self, fn):
        self.providers.append(fn)

    def seek(self, ms):
        self.played.append(("seek", ms))

    def play_range(self, start, end):
        self.played.append(("play", start, end))


@pytest.fixture
def study(seeded):
    ids = build_transcripts(seeded.db)
    return seeded, ids


@pytest.fixture
def panel(qtbot, study):
    ws, ids = study
    p = CodingPanel(lambda: ws.db)
    qtbot.addWidget(p)
    editor = StandIn(ids["sess"]["Focus group 1"])
    qtbot.addWidget(editor)
    p.attach(editor)
    p.show()
    return p, editor, ws.db, ids


def test_code_selection_by_type_ahead_and_enter(qtbot, panel):
    p, editor, db, ids = panel
    spk = ids["spk"][("Focus group 1", "S2")]
    editor.select(11_000, 14_500, spk)
    assert "00:00:11–00:00:14 (P02)" in p.selection_label.text()
    qtbot.keyClicks(p.search, "burden time")
    visible = [p.codes.item(i).text() for i in range(p.codes.count()) if not p.codes.item(i).isHidden()]
    assert visible == ["Added burden/Time-consuming"]
    p.memo.setText("set-up")
    qtbot.keyClick(p.search, Qt.Key.Key_Return)
    got = co.session_codings(db, ids["sess"]["Focus group 1"])
    assert [(c.code_id, c.start_ms, c.end_ms, c.speaker_id, c.memo) for c in got] == [
        (ids["code"]["Time-consuming"], 11_000, 14_500, spk, "set-up")]
    assert editor.refreshed == 1
    assert p.here.count() == 1 and "Time-consuming" in p.here.item(0).text()


def test_several_codes_at_once_and_overlaps(qtbot, panel):
    p, editor, db, ids = panel
    editor.select(10_000, 20_000)
    for i in range(p.codes.count()):
        item = p.codes.item(i)
        item.setSelected(item.text() in ("Added burden/Time-consuming", "Added burden/Overwhelming"))
    made = p.apply_selected()
    assert len(made) == 2
    editor.select(15_000, 25_000)
    p.apply_codes([ids["code"]["Prevents drift between sessions"]])
    assert len(co.codings_at(db, ids["sess"]["Focus group 1"], 16_000)) == 3
    assert p.here.count() == 3


def test_nothing_selected_gives_a_hint(qtbot, panel):
    p, editor, db, ids = panel
    assert p.apply_codes([ids["code"]["Overwhelming"]]) == []
    assert "Select words" in p.selection_label.text()
    assert co.session_codings(db, ids["sess"]["Focus group 1"]) == []


def test_code_whole_turn_remove_and_context_menu(qtbot, panel):
    p, editor, db, ids = panel
    editor.segment = ids["seg"][("Focus group 1", 2)]
    p.codes.setCurrentRow(0)
    turn = p.code_turn([ids["code"]["Fosters engagement"]])[0]
    assert (turn.start_ms, turn.end_ms) == (20_000, 30_000)
    editor.select(21_000, 22_000, None)
    assert editor.providers == [p.fill_context_menu]
    menu = QMenu()
    editor.providers[0](menu, editor.selection_range())
    titles = [a.text() for a in menu.actions()]
    assert "Code selection with" in titles and "Remove coding" in titles
    code_menu = next(a.menu() for a in menu.actions() if a.text() == "Code selection with")
    next(a for a in code_menu.actions() if a.text() == "Added burden/Disruptive").trigger()
    assert codes.code_path(db, co.session_codings(db, ids["sess"]["Focus group 1"])[-1].code_id) == \
        "Added burden/Disruptive"
    remove_menu = next(a.menu() for a in menu.actions() if a.text() == "Remove coding")
    remove_menu.actions()[0].trigger()  # the whole-turn coding
    left = co.session_codings(db, ids["sess"]["Focus group 1"])
    assert [codes.code_path(db, c.code_id) for c in left] == ["Added burden/Disruptive"]


@pytest.fixture
def window(qtbot, study):
    ws, ids = study
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    return win, ws.db, ids


def test_ctrl_number_applies_pinned_code_in_the_window(qtbot, window):
    win, db, ids = window
    fg = ids["sess"]["Focus group 1"]
    fo.pin_code(db, ids["code"]["Overwhelming"], 1)
    editor = StandIn(fg)
    win.open_view("Transcript — Focus group 1", editor, key=f"transcript:{fg}")
    assert win.coding.panel.editor is editor
    assert win.coding.dock.isVisible()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert co.session_codings(db, fg) == []  # no words selected: the key is left to the editor
    editor.select(15_000, 19_000, ids["spk"][("Focus group 1", "S2")])
    qtbot.keyClick(editor, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    got = co.session_codings(db, fg)
    assert [(c.code_id, c.start_ms, c.end_ms) for c in got] == [(ids["code"]["Overwhelming"], 15_000, 19_000)]
    qtbot.keyClick(editor, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # nothing pinned there
    assert len(co.session_codings(db, fg)) == 1
    # Ctrl+K focuses the type-ahead search
    win.coding.focus_search()
    qtbot.keyClicks(win.coding.panel.search, "drift")
    qtbot.keyClick(win.coding.panel.search, Qt.Key.Key_Return)
    assert len(co.session_codings(db, fg)) == 2


def test_frame_editor_add_move_merge_delete_restore(qtbot, study, monkeypatch):
    ws, ids = study
    db = ws.db
    ed = FrameEditor(lambda: db)
    qtbot.addWidget(ed)
    new_id = ed.add_code("Builds confidence", ids["code"]["Added value"])
    assert ed.item_for(new_id).parent().text(0) == "Added value"
    ed.move(new_id, ids["code"]["Added burden"], 0)
    assert ed.item_for(new_id).parent().text(0) == "Added burden"
    assert ed.item_for(new_id).parent().indexOfChild(ed.item_for(new_id)) == 0
    ed.move(ids["code"]["Added burden"], new_id, 0)  # into its own child: refused, says why
    assert "inside itself" in ed.error.text()
    fg = ids["sess"]["Focus group 1"]
    co.apply_code(db, fg, new_id, 1_000, 2_000)
    ed.merge(new_id, ids["code"]["Time-consuming"])
    assert ed.item_for(ids["code"]["Time-consuming"]).text(1) == "1"
    ed.tree.setCurrentItem(ed.item_for(ids["code"]["Time-consuming"]))
    ed.inclusion.setPlainText("extra minutes")
    ed.memo.setPlainText("mostly about set-up")
    qtbot.waitUntil(lambda: fo.get_code(db, ids["code"]["Time-consuming"]).inclusion == "extra minutes")
    assert co.code_memo(db, ids["code"]["Time-consuming"]).body == "mostly about set-up"
    ed.exclusion.setPlainText("waiting rooms")  # the tab closes before the save timer fires
    assert ed.can_close()
    assert fo.get_code(db, ids["code"]["Time-consuming"]).exclusion == "waiting rooms"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    ed.delete_current()
    assert ed.item_for(ids["code"]["Time-consuming"]) is None and ed.trash.count() == 1
    assert "1 coding(s)" in ed.trash.item(0).text()
    ed.trash.setCurrentRow(0)
    ed.restore_selected()
    restored = codes.code_by_path(db, "Added burden/Time-consuming")
    assert ed.current_id() == restored.id and ed.trash.count() == 0
    assert fo.get_code(db, restored.id).n_codings == 1
    ed.pin.setCurrentIndex(4)
    ed._save_pin(4)
    assert fo.pinned_codes(db) == {4: restored.id}


def test_matrix_view_heat_map_and_framework_summary(qtbot, study):
    ws, ids = study
    db = ws.db
    add_study_codings(db, ids)
    m = MatrixView(lambda: db)
    qtbot.addWidget(m)
    m.set_measure("duration")
    col = [m.table.horizontalHeaderItem(i).text() for i in range(m.table.columnCount())].index("Time-consuming")
    rows = [m.table.verticalHeaderItem(i).text() for i in range(m.table.rowCount())]
    assert rows == ["P01", "P02", "P03", "P04"]
    assert [m.table.item(r, col).text() for r in range(4)] == ["0", "00:00:05", "00:00:07", "0"]
    assert m.table.item(2, col).background().color() != m.table.item(0, col).background().color()
    m.set_rows("site")
    assert [m.table.verticalHeaderItem(i).text() for i in range(m.table.rowCount())] == ["Site A", "Site B"]
    opened = []
    m.open_passages.connect(lambda key, pid: opened.append((key, pid)))
    m.set_rows("participant")
    m._open_cell(1, col)
    assert opened == [(ids["code"]["Time-consuming"], ids["pid"]["P02"])]

    fw = FrameworkView(lambda: db)
    qtbot.addWidget(fw)
    fw.select_cell(ids["pid"]["P02"], ids["code"]["Time-consuming"])
    assert "“It took a lot of time to” (P02, Site A, Focus group 1, 00:00:10)" in fw.quotes.toPlainText()
    fw.summary.setPlainText("Set-up takes time.")
    qtbot.waitUntil(lambda: db.execute("SELECT summary FROM framework_summaries").fetchone() is not None)
    assert db.execute("SELECT summary FROM framework_summaries").fetchone()[0] == "Set-up takes time."
    fw.reload()
    fw.select_cell(ids["pid"]["P02"], ids["code"]["Time-consuming"])
    assert fw.summary.toPlainText() == "Set-up takes time."
    fw.summary.setPlainText("Set-up takes a morning.")  # closed before the save timer fires
    assert fw.can_close()
    assert db.execute("SELECT summary FROM framework_summaries").fetchone()[0] == "Set-up takes a morning."
    from focusdesk.store import coders as cs

    cs.use_coder(db, "B", create=True)  # another coder sees their own (empty) summary, the first's beside it
    fw.reload()
    fw.select_cell(ids["pid"]["P02"], ids["code"]["Time-consuming"])
    assert fw.summary.toPlainText() == ""
    assert fw.quotes.toPlainText().startswith("Summary by default: Set-up takes a morning.")
    fw.summary.setPlainText("B: a morning, at most.")
    assert fw.can_close()
    assert db.execute("SELECT coder_id, summary FROM framework_summaries ORDER BY coder_id").fetchall() == [
        (cs.DEFAULT_ID, "Set-up takes a morning."), (cs.coder_by_name(db, "B").id, "B: a morning, at most.")]
    fw.themes.setCurrentIndex(1)  # domains
    assert [fw.table.horizontalHeaderItem(i).text() for i in range(2)] == ["Added value", "Added burden"]
    fw.cases.setCurrentIndex(fw.cases.findData("site=Site B"))
    assert [fw.table.verticalHeaderItem(i).text() for i in range(fw.table.rowCount())] == [
        "P03 (Site B)", "P04 (Site B)"]
    assert fw.table.item(0, 1).text() == "1 quote(s)"


def test_retrieval_copy_quote_and_play(qtbot, study):
    ws, ids = study
    db = ws.db
    add_study_codings(db, ids)
    view = RetrievalView(lambda: db)
    qtbot.addWidget(view)
    view.show_code(ids["code"]["Time-consuming"])
    assert view.table.rowCount() == 2
    assert view.copy_quote() == "“It took a lot of time to” (P02, Site A, Focus group 1, 00:00:10)"
    assert QGuiApplication.clipboard().text() == view.copy_quote()
    played = []
    view.play_passage.connect(played.append)
    view.play_current()
    assert (played[0].start_ms, played[0].end_ms) == (10_000, 15_000)
    view.show_code(ids["code"]["Added value"], ids["pid"]["P01"])
    assert {p.code_path for p in view.found} == {"Added value/Fosters engagement",
                                                 "Added value/Prevents drift between sessions"}


def test_auto_code_dialog_preview_then_apply(qtbot, study):
    ws, ids = study
    db = ws.db
    dlg = AutoCodeDialog(db)
    qtbot.addWidget(dlg)
    dlg.query.setText("time")
    dlg.code.setCurrentIndex(dlg.code.findData(ids["code"]["Time-consuming"]))
    assert len(dlg.preview()) == 2
    assert db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
    dlg.table.item(1, 0).setCheckState(Qt.CheckState.Unchecked)
    assert dlg.apply() == 1
    assert dlg.table.item(0, 0).text() == "already coded"
