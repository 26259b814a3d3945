"""The coding panel on the real transcript editor: select words with the mouse, code them by
type-ahead, by Ctrl+1…9 and by the editor's context menu; the editor redraws the coding."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from focusdesk.core.model import Segment, Word
from focusdesk.store import codes, sessions, transcripts
from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.transcript.editor import TranscriptEditor

TEXTS = [("S1", "welcome everyone to the first group about the app"),
         ("S2", "it took a lot of time to set up every week"),
         ("S1", "the reminders keep clients going between sessions")]


@pytest.fixture
def window(qtbot, seeded):
    db = seeded.db
    s = sessions.session_by_name(db, "Focus group 1")
    start = 1000
    for label, text in TEXTS:
        sp = transcripts.ensure_speaker(db, s.id, label)
        words = [Word(start + i * 400, start + i * 400 + 350, w) for i, w in enumerate(text.split())]
        transcripts.add_segment(db, Segment(session_id=s.id, start_ms=start, end_ms=words[-1].end_ms,
                                            text=text, speaker_id=sp.id, words=words))
        start = words[-1].end_ms + 650
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    win.resize(1300, 800)
    win.show()
    qtbot.waitExposed(win)
    win.set_current_session(s.id)
    editor = win.find_view(f"transcript:{s.id}")
    assert isinstance(editor, TranscriptEditor)
    editor.quiet = True
    yield win, editor, db, s.id
    editor.shutdown()


def _click(qtbot, editor, order, word, modifier=Qt.KeyboardModifier.NoModifier):
    rect = editor.view.word_rect((order, word))
    qtbot.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_select_words_and_code_by_type_ahead(qtbot, window):
    win, editor, db, sid = window
    panel = win.coding.panel
    qtbot.waitUntil(lambda: panel.editor is editor)
    _click(qtbot, editor, 1, 2)
    _click(qtbot, editor, 1, 5, Qt.KeyboardModifier.ShiftModifier)  # "a lot of time"
    seg = editor.model.segments[1]
    assert editor.selection_range() == (seg.words[2].start_ms, seg.words[5].end_ms, seg.speaker_id)
    assert "Selection:" in panel.selection_label.text()
    qtbot.keyClicks(panel.search, "time-cons")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    got = co.session_codings(db, sid)
    assert [(codes.code_path(db, c.code_id), c.start_ms, c.end_ms, c.speaker_id) for c in got] == [
        ("Added burden/Time-consuming", seg.words[2].start_ms, seg.words[5].end_ms, seg.speaker_id)]
    assert [c.id for c in editor.model.codings] == [got[0].id]  # the editor re-read its codings
    editor.grab()  # paints the coded words


def test_ctrl_number_on_the_real_editor(qtbot, window):
    win, editor, db, sid = window
    fo.pin_code(db, codes.code_by_path(db, "Added value/Prevents drift between sessions").id, 3)
    _click(qtbot, editor, 2, 4)
    _click(qtbot, editor, 2, 6, Qt.KeyboardModifier.ShiftModifier)
    editor.view.setFocus()
    qtbot.waitUntil(editor.view.hasFocus)
    qtbot.keyClick(editor.view, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    seg = editor.model.segments[2]
    got = co.session_codings(db, sid)
    assert [(c.start_ms, c.end_ms) for c in got] == [(seg.words[4].start_ms, seg.words[6].end_ms)]
    menu = editor.build_context_menu()
    titles = [a.text() for a in menu.actions()]
    assert "Code selection with" in titles and "Remove coding" in titles


def test_retrieval_plays_the_passage_in_the_real_editor(qtbot, window):
    win, editor, db, sid = window
    seg = editor.model.segments[1]
    code = codes.code_by_path(db, "Added burden/Time-consuming")
    co.apply_code(db, sid, code.id, seg.words[2].start_ms, seg.words[5].end_ms, seg.speaker_id)
    view = win.coding.open_retrieval(code.id)
    assert view.table.rowCount() == 1
    view.table.selectRow(0)
    view.play_current()
    assert editor.position() == seg.words[2].start_ms
    assert win.statusBar().currentMessage().startswith("Playing")
