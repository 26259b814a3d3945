"""Typed change events: writes say what they changed, the window batches them per event-loop
turn, and each view re-reads only what concerns it (real window, real transcript editor)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from focusdesk.core.changes import Change, Changes, Entity, session_changes
from focusdesk.core.model import Segment, Word
from focusdesk.store import codes, sessions, transcripts
from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.transcript.editor import TranscriptEditor

TEXTS = [("S1", "welcome everyone to the first group about the app"),
         ("S2", "it took a lot of time to set up every week")]


def _add_turns(db, session_id: int, start: int = 1000) -> None:
    for label, text in TEXTS:
        sp = transcripts.ensure_speaker(db, session_id, label)
        words = [Word(start + i * 400, start + i * 400 + 350, w) for i, w in enumerate(text.split())]
        transcripts.add_segment(db, Segment(session_id=session_id, start_ms=start, end_ms=words[-1].end_ms,
                                            text=text, speaker_id=sp.id, words=words))
        start = words[-1].end_ms + 650


@pytest.fixture
def window(qtbot, seeded):
    db = seeded.db
    fg = sessions.session_by_name(db, "Focus group 1")
    other = sessions.session_by_name(db, "Interview 1")
    _add_turns(db, fg.id)
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    win.resize(1300, 800)
    win.show()
    qtbot.waitExposed(win)
    win.set_current_session(fg.id)
    editor = win.find_view(f"transcript:{fg.id}")
    assert isinstance(editor, TranscriptEditor)
    editor.quiet = True
    yield win, editor, db, fg.id, other.id
    editor.shutdown()


def _painted(editor: TranscriptEditor, colour: str) -> int:
    """Pixels of ``colour`` in the coding margin bars the delegate paints left of each turn."""
    img = editor.view.viewport().grab().toImage()
    rgb = QColor(colour).rgb()
    return sum(img.pixel(x, y) == rgb for x in range(12) for y in range(img.height()))


def test_recolour_and_rename_a_code_updates_the_open_editor(qtbot, window):
    win, editor, db, sid, _other = window
    seg = editor.model.segments[1]
    code = codes.code_by_path(db, "Added burden/Time-consuming")
    co.apply_code(db, sid, code.id, seg.start_ms, seg.end_ms)
    win.changes.notify(Change(Entity.CODINGS, sid))
    qtbot.waitUntil(lambda: _painted(editor, code.colour) > 0, timeout=3000)
    word = (editor.model.seg_order[seg.id], 3)
    assert "coded: Time-consuming" in editor.model.word_tooltip(word)

    fo.update_code(db, code.id, colour="#123456", name="Takes time")  # as the frame editor does
    win.changes.notify(Change(Entity.CODES))
    qtbot.waitUntil(lambda: _painted(editor, "#123456") > 0, timeout=3000)
    assert _painted(editor, code.colour) == 0
    assert "coded: Takes time" in editor.model.word_tooltip(word)
    panel = win.coding.panel.codes
    assert "Added burden/Takes time" in [panel.item(i).text() for i in range(panel.count())]  # the panel too


def test_a_change_to_another_session_does_not_reload_the_editor(qtbot, window, monkeypatch):
    win, editor, db, sid, other = window
    loads, resets = [], []
    real_load = editor.model.load
    monkeypatch.setattr(editor.model, "load", lambda: loads.append(1) or real_load())
    editor.model.modelReset.connect(lambda: resets.append(1))
    _add_turns(db, other)
    win.changes.notify(*session_changes(other, Entity.SEGMENTS, Entity.SPEAKERS, Entity.MARKERS))
    qtbot.wait(50)
    assert loads == [] and resets == []

    _add_turns(db, sid, start=60_000)  # the same notification for its own session does reload
    win.changes.notify(*session_changes(sid, Entity.SEGMENTS))
    qtbot.waitUntil(lambda: len(editor.model.segments) == 4, timeout=3000)
    assert loads == [1]


def test_an_edit_in_the_editor_is_announced_once_and_not_re_read(qtbot, window, monkeypatch):
    win, editor, db, sid, _other = window
    batches: list[Changes] = []
    win.changes.changed.connect(batches.append)
    loads = []
    real_load = editor.model.load
    monkeypatch.setattr(editor.model, "load", lambda: loads.append(1) or real_load())
    seg = editor.model.segments[0]
    editor.edit_text(seg.id, "welcome everybody to the first group about the app")
    assert loads == [1]  # the edit itself re-reads once
    qtbot.waitUntil(lambda: bool(batches), timeout=3000)
    assert batches[0].touches(Entity.SEGMENTS, session_id=sid)
    assert loads == [1]  # ... and the echo of its own edit does not re-read again


def test_many_changes_in_one_turn_arrive_as_one_batch(qtbot, window):
    win, _editor, _db, sid, other = window
    batches: list[Changes] = []
    win.changes.changed.connect(batches.append)
    for _ in range(20):
        win.changes.notify(Change(Entity.SEGMENTS, sid))
    win.changes.notify(Change(Entity.MARKERS, other), Change(Entity.CODES))
    assert batches == []  # nothing is delivered inside the turn that made the changes
    qtbot.waitUntil(lambda: bool(batches), timeout=3000)
    qtbot.wait(20)
    assert len(batches) == 1
    assert batches[0].items == {Change(Entity.SEGMENTS, sid), Change(Entity.MARKERS, other), Change(Entity.CODES)}
    assert batches[0].touches(Entity.MARKERS, session_id=other)
    assert not batches[0].touches(Entity.MARKERS, session_id=sid)
    assert batches[0].touches(Entity.CODES, session_id=sid)  # a study-wide change concerns every session


def test_the_study_tab_ignores_what_it_does_not_show(qtbot, window, monkeypatch):
    win, _editor, db, sid, _other = window
    calls, sidebar = [], []
    monkeypatch.setattr(win.home, "reload", lambda: calls.append(1))
    monkeypatch.setattr(win.sidebar, "reload", lambda: sidebar.append(1))
    win.changes.notify(Change(Entity.MEMOS))
    qtbot.wait(30)
    assert calls == [] and sidebar == []
    win.changes.notify(Change(Entity.CODINGS, sid), Change(Entity.SEGMENTS, sid))  # a session's progress
    qtbot.waitUntil(lambda: calls == [1], timeout=3000)
    assert sidebar == []  # the sidebar lists no turns or codings
    win.changes.notify(Change(Entity.RECORDINGS, sid))  # the sidebar shows each session's duration
    qtbot.waitUntil(lambda: sidebar == [1], timeout=3000)


def test_hover_shows_the_codes_on_a_word(qtbot, window):
    win, editor, db, sid, _other = window
    seg = editor.model.segments[0]
    code = codes.code_by_path(db, "Added value/Fosters engagement")
    co.apply_code(db, sid, code.id, seg.words[0].start_ms, seg.words[1].end_ms)
    win.changes.notify(Change(Entity.CODINGS, sid))
    qtbot.waitUntil(lambda: bool(editor.model.codings), timeout=3000)
    order = editor.model.seg_order[seg.id]
    assert "coded: Fosters engagement" in editor.model.word_tooltip((order, 1))
    assert "coded" not in editor.model.word_tooltip((order, 4))


def test_analysis_views_refresh_nothing_after_the_window_closed(qtbot, window):
    """A coding made just before the window closes leaves the analysis views' refresh pending;
    it must not run on the closed study (it raised "Cannot operate on a closed database")."""
    win, editor, db, sid, _other = window
    win.coding.open_matrix()
    seg = editor.model.segments[0]
    co.apply_code(db, sid, codes.code_by_path(db, "Added burden/Time-consuming").id, seg.start_ms, seg.end_ms)
    win.changes.notify(Change(Entity.CODINGS, sid))
    win.changes.flush()
    assert win.coding._timer.isActive()  # the views' refresh waits for more changes
    editor.shutdown()
    win.close()
    assert not win.isVisible()
    qtbot.wait(win.coding._timer.interval() + 200)  # an exception here fails the test (pytest-qt)
