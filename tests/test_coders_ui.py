"""Coders in the window: the status bar and Code ▸ Coder…, the codings filter, and one consensus
choice in the Agreement view."""

from __future__ import annotations

import pytest
from coding_study import build_transcripts
from PySide6.QtWidgets import QLabel

from focusdesk.store import coders as cs
from focusdesk.store import coding_ops as co
from focusdesk.store.consensus import Choice
from focusdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, seeded):
    ids = build_transcripts(seeded.db)
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    win.show()
    return win, seeded.db, ids


def test_current_coder_in_status_bar_and_switching(window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    win, db, ids = window
    label = win.statusBar().findChild(QLabel, "coderLabel")
    assert label.text() == "Coder: default"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("AB", True))
    next(a for a in win.menu("Code").actions() if a.text() == "C&oder…").trigger()
    assert label.text() == "Coder: AB" and cs.current_coder(db).name == "AB"
    c = co.apply_code(db, ids["sess"]["Focus group 1"], ids["code"]["Time-consuming"], 0, 5_000)
    assert cs.get_coder(db, c.coder_id).name == "AB"
    win.coders.show_only([cs.DEFAULT_ID])
    assert cs.visible(db, co.session_codings(db, ids["sess"]["Focus group 1"])) == []
    win.coders.show_only(None)
    assert len(cs.visible(db, co.session_codings(db, ids["sess"]["Focus group 1"]))) == 1


def test_agreement_view_keep_b_writes_consensus(qtbot, window):
    win, db, ids = window
    fg, tc = ids["sess"]["Focus group 1"], ids["code"]["Time-consuming"]
    ab, cd = cs.add_coder(db, "AB"), cs.add_coder(db, "CD")
    co.apply_code(db, fg, tc, 10_000, 20_000, coder_id=ab.id)
    co.apply_code(db, fg, tc, 12_000, 20_000, coder_id=cd.id)
    view = win.coders.open_agreement()
    view.set_coders(["AB", "CD"])
    rows = [view.table.item(r, 1).text() for r in range(view.table.rowCount())]
    assert rows == ["Added burden/Time-consuming", "(overall)"]
    assert view.table.item(0, 4).text() == f"{16 / 19:.3f}"
    assert view.table.item(0, 4).background().color().isValid()
    assert view.disagreements.count() == 1
    assert "AB: 00:00:10–00:00:20" in view.detail.text() and "CD: 00:00:12–00:00:20" in view.detail.text()
    with qtbot.waitSignal(win.changes.changed, timeout=2000):
        view.buttons[Choice.KEEP_B].click()
    consensus = cs.coder_by_name(db, "consensus")
    kept = cs.codings_of(db, [consensus.id])
    assert [(c.code_id, c.start_ms, c.end_ms) for c in kept] == [(tc, 12_000, 20_000)]
    assert "settled: kept CD" in view.disagreements.item(0).text()
    assert not view.buttons[Choice.KEEP_A].isEnabled()
    view.hide_settled.setChecked(True)
    assert view.disagreements.item(0).isHidden() and view.disagreements.currentItem() is None


def test_who_is_coding_is_asked_once_at_start(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QDialogButtonBox

    from focusdesk.ui.features import coders as feature

    win, db, _ids = window
    assert win.coders.prompt is None  # a window built by a test (not started) never asks
    monkeypatch.setattr(feature.getpass, "getuser", lambda: "ann")
    win.start()  # what the app does for a person at the screen
    prompt = win.coders.prompt
    assert prompt is not None and prompt.isVisible()
    assert prompt.name.currentText() == "ann"  # the login name, editable
    assert [prompt.name.itemText(i) for i in range(prompt.name.count())] == ["default"]
    ok = prompt.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    prompt.name.setCurrentText("Ann, Baker")  # a comma: said in the dialog, which stays open
    ok.click()
    assert prompt.isVisible() and "comma" in prompt.error.text()
    assert cs.current_coder(db).name == "default"
    prompt.name.setCurrentText("Ann Baker")
    ok.click()
    assert not prompt.isVisible()
    assert cs.current_coder(db).name == "Ann Baker" and not cs.needs_coder_choice(db)
    assert win.statusBar().findChild(QLabel, "coderLabel").text() == "Coder: Ann Baker"
    assert win.coders.ask_if_needed() is None  # not twice in this run
    again = MainWindow(win.workspace)  # nor at the next start: the study remembers
    qtbot.addWidget(again)
    again.interactive = True
    again.study_opened.emit()
    assert again.coders.prompt is None


def test_cancelling_the_coder_question_keeps_default_for_this_run(qtbot, window):
    win, db, _ids = window
    win.interactive = True
    win.study_opened.emit()
    win.coders.prompt.reject()
    assert cs.current_coder(db).name == "default"
    win.study_opened.emit()
    assert win.coders.ask_if_needed() is None  # this run: asked once
    assert cs.needs_coder_choice(db)  # a later start asks again


def _painted(editor, colour: str) -> int:
    from PySide6.QtGui import QColor

    img = editor.view.viewport().grab().toImage()
    rgb = QColor(colour).rgb()
    return sum(img.pixel(x, y) == rgb for x in range(0, img.width(), 1) for y in range(img.height()))


def _shown_menu_action(win, text: str):
    win.coders.shown_menu.aboutToShow.emit()
    return next(a for a in win.coders.shown_menu.actions() if a.text() == text)


def test_two_coders_marks_differ_and_hiding_one_hides_theirs(qtbot, window):
    from focusdesk.ui.transcript.editor import TranscriptEditor

    win, db, ids = window
    fg, tc = ids["sess"]["Focus group 1"], ids["code"]["Time-consuming"]
    ab, cd = cs.add_coder(db, "Ann Baker"), cs.add_coder(db, "Carl Dunn")
    co.apply_code(db, fg, tc, 10_000, 20_000, coder_id=ab.id)
    co.apply_code(db, fg, tc, 12_000, 20_000, coder_id=cd.id)
    win.set_current_session(fg)
    editor = win.find_view(f"transcript:{fg}")
    assert isinstance(editor, TranscriptEditor)
    editor.quiet = True
    model = editor.model
    order = model.seg_order[ids["seg"][("Focus group 1", 1)]]
    marks = model.coder_marks(order)
    assert [(m.initials, m.name) for m in marks] == [("AB", "Ann Baker"), ("CD", "Carl Dunn")]
    assert marks[0].colour != marks[1].colour
    qtbot.waitUntil(lambda: _painted(editor, marks[0].colour) > 0 and _painted(editor, marks[1].colour) > 0,
                    timeout=3000)
    assert "Time-consuming (Ann Baker), Time-consuming (Carl Dunn)" in model.word_tooltip((order, 3))
    assert model.coder_marks(model.seg_order[ids["seg"][("Focus group 1", 0)]]) == []  # uncoded turn

    assert _shown_menu_action(win, "All coders").isChecked()
    _shown_menu_action(win, "Ann Baker").trigger()  # uncheck: hide Ann's codings
    assert cs.shown_coders(db) == [cs.DEFAULT_ID, cd.id]
    qtbot.waitUntil(lambda: _painted(editor, marks[0].colour) == 0, timeout=3000)
    assert [c.coder_id for c in model.codings] == [cd.id]
    assert [m.initials for m in model.coder_marks(order)] == ["CD"]
    assert _painted(editor, marks[1].colour) > 0
    assert not _shown_menu_action(win, "All coders").isChecked()
    assert not _shown_menu_action(win, "Ann Baker").isChecked()
    assert _shown_menu_action(win, "Carl Dunn").isChecked()
    _shown_menu_action(win, "All coders").trigger()
    qtbot.waitUntil(lambda: len(model.codings) == 2, timeout=3000)
    editor.shutdown()


def test_one_coder_draws_no_marks(qtbot, window):
    win, db, ids = window
    fg = ids["sess"]["Focus group 1"]
    co.apply_code(db, fg, ids["code"]["Time-consuming"], 10_000, 20_000)
    win.set_current_session(fg)
    editor = win.find_view(f"transcript:{fg}")
    editor.quiet = True
    order = editor.model.seg_order[ids["seg"][("Focus group 1", 1)]]
    assert not editor.model.several_coders and editor.model.coder_marks(order) == []
    assert "coded: Time-consuming" in editor.model.word_tooltip((order, 3))
    assert "(default)" not in editor.model.word_tooltip((order, 3))
    editor.shutdown()
