"""The Agreement view: three coders (alpha, keep one coder's / all / neither), "neither" shown as
settled after a reload and hidden on request, Reopen, playing a passage (Play, Space, Enter) with
the transcript editor's player, and recomputing by itself when codings change."""

from __future__ import annotations

import wave

import pytest
from PySide6.QtCore import Qt
from test_consensus_decisions import ALPHA, MEAN_PERCENT, three_coders

from focusdesk.core.changes import Change, Entity
from focusdesk.core.model import Recording
from focusdesk.store import coders as cs
from focusdesk.store import coding_ops as co
from focusdesk.store import consensus, transcripts
from focusdesk.store.consensus import Choice
from focusdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, seeded):
    ids, fg, tc, who = three_coders(seeded.db)
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    win.show()
    return win, seeded, fg, tc, who


def test_three_coders_alpha_and_settling(window):
    win, ws, fg, tc, who = window
    view = win.coders.open_agreement()
    assert view.checked_names() == ["AB", "CD"]  # the first two by default
    view.set_coders(["AB", "CD", "EF"])
    assert view.table.item(0, 1).text() == "Added burden/Time-consuming"
    assert view.table.item(0, 5).text() == f"{ALPHA:.3f}"
    assert view.table.item(0, 3).text() == f"{MEAN_PERCENT:.1f}" and view.table.item(0, 4).text() == ""
    assert view.table.item(0, 3).background().color().isValid()  # coloured by alpha: there is no kappa
    assert view.disagreements.count() == 2
    assert view.disagreements.item(0).text().endswith("(coded by AB, EF)")
    assert set(view.keep_buttons) == set(who.values()) and set(view.buttons) == {Choice.KEEP_ALL, Choice.NEITHER}
    assert view.keep_buttons[who["EF"]].isVisible() and view.keep_buttons[who["EF"]].text() == "Keep EF"
    assert "EF: 00:00:10–00:00:15" in view.detail.text() and "CD: 00:00:12–00:00:20" in view.detail.text()
    view.keep_buttons[who["EF"]].click()
    assert "settled: kept EF" in view.disagreements.item(0).text()
    assert view.disagreements.currentRow() == 1  # on to the next open one
    view.buttons[Choice.NEITHER].click()
    assert [(d.choice, d.kept) for d in consensus.decisions(ws.db)] == [(Choice.KEEP_ONE, (who["EF"],)),
                                                                        (Choice.NEITHER, ())]
    kept = cs.codings_of(ws.db, [consensus.consensus_coder(ws.db).id])
    assert [(c.start_ms, c.end_ms) for c in kept] == [(10_000, 15_000)]
    assert "2 disagreement(s), 0 open" in view.message.text()
    assert not any(b.isEnabled() for b in view.keep_buttons.values())
    view.set_coders(["AB", "CD"])  # back to two: keep A/B/both/neither, and these are not settled
    assert set(view.buttons) == {Choice.KEEP_A, Choice.KEEP_B, Choice.KEEP_BOTH, Choice.NEITHER}
    assert view.keep_buttons == {} and "1 open" in view.message.text()
    assert view.buttons[Choice.KEEP_BOTH].isVisible() and view.play_button.isVisible()


def test_neither_stays_settled_after_a_reload_and_can_be_reopened(window):
    win, ws, fg, tc, who = window
    view = win.coders.open_agreement()
    view.set_coders(["AB", "CD"])
    assert view.disagreements.count() == 1
    view.buttons[Choice.NEITHER].click()
    view.reload()
    item = view.disagreements.item(0)
    assert "settled: neither" in item.text() and not view.buttons[Choice.KEEP_A].isEnabled()
    assert "Settled: neither" in view.detail.text()
    view.hide_settled.setChecked(True)
    assert item.isHidden() and view.message.text() == "1 disagreement(s), 0 open."
    view.hide_settled.setChecked(False)
    view.disagreements.setCurrentRow(0)
    assert view.reopen_button.isEnabled()
    view.reopen_button.click()
    assert consensus.decisions(ws.db) == [] and "settled" not in view.disagreements.item(0).text()
    assert view.buttons[Choice.KEEP_A].isEnabled()


def test_play_passage_with_the_session_player(qtbot, window):
    win, ws, fg, tc, who = window
    path = ws.session_dir(fg) / "fg1.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000 * 30)
    transcripts.add_recording(ws.db, Recording(session_id=fg, path=ws.relative(path), duration_ms=30_000,
                                               sample_rate=8000, channels=1))
    view = win.coders.open_agreement()
    view.set_coders(["AB", "EF"])  # 15–20 s: AB only; the passage is AB's coding, 10–20 s
    assert view.disagreements.count() == 1
    assert view.play_current() == (10_000, 20_000)
    player = view.player(fg)
    assert player.player.source().toLocalFile() == str(path)
    assert player.position() == 10_000 and player._stop_at == 20_000
    player.stop()
    player.set_position(0)
    player._stop_at = None
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Return):
        qtbot.keyClick(view.disagreements, key)
        assert player.position() >= 10_000 and player._stop_at == 20_000
        player.stop()
        player.set_position(0)
    view.play_button.click()
    assert player._stop_at == 20_000
    player.stop()


def test_no_audio_says_so(window):
    win, ws, fg, tc, who = window
    view = win.coders.open_agreement()
    assert view.play_current() is None
    assert view.message.text() == "This session has no audio to play."


def test_recomputes_when_codings_change(qtbot, window):
    win, ws, fg, tc, who = window
    view = win.coders.open_agreement()
    view.set_coders(["AB", "CD"])
    assert view.disagreements.count() == 1
    co.apply_code(ws.db, fg, tc, 25_000, 28_000, coder_id=who["CD"])
    win.changes.notify(Change(Entity.CODINGS, fg))
    win.changes.flush()
    assert view.refresh_timer.isActive() and view.disagreements.count() == 1  # debounced, not yet
    qtbot.waitUntil(lambda: view.disagreements.count() == 2, timeout=3000)
    assert view.disagreements.item(1).text().endswith("(coded by CD)")
    cs.add_coder(ws.db, "GH")
    win.changes.notify(Change(Entity.STUDY))
    qtbot.waitUntil(lambda: view.coder_list.count() == 4, timeout=3000)  # a new coder to tick
    assert view.checked_names() == ["AB", "CD"]
