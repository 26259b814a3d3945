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
