"""F7 / Shift+F7: walk the words Whisper was unsure of, hear each, fix it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from test_editor_ui import editor, session  # noqa: F401 - fixtures

from focusdesk.store import transcripts


def test_f7_walks_the_words_to_check_and_moves_playback_to_each(qtbot, editor, session):  # noqa: F811
    ws, s = session
    segs = transcripts.list_segments(ws.db, s.id)
    # the fixture's "honestly" (turn 3) is unsure; make "big" in turn 2 unsure too
    big = next(w for w in segs[1].words if w.text == "big")
    ws.db.execute("UPDATE words SET probability = 0.2 WHERE id = ?", [big.id])
    ed = editor
    ed.reload(force=True)
    ed.view.setFocus()
    qtbot.keyClick(ed.view, Qt.Key.Key_F7)
    first = ed.model.selected_positions()[0]
    assert ed.model.segments[first[0]].words[first[1]].text == "big"
    qtbot.waitUntil(lambda: abs(ed.position() - big.start_ms) < 50, timeout=3000)
    assert "1 of 2" in ed.info_label.text()
    qtbot.keyClick(ed.view, Qt.Key.Key_F7)
    second = ed.model.selected_positions()[0]
    assert ed.model.segments[second[0]].words[second[1]].text == "honestly"
    assert "2 of 2" in ed.info_label.text()
    qtbot.keyClick(ed.view, Qt.Key.Key_F7)  # nothing after the last one: stays put, says so
    assert ed.model.selected_positions()[0] == second
    assert "No more words to check after" in ed.info_label.text()
    qtbot.keyClick(ed.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)
    assert ed.model.selected_positions()[0] == first
    # fixing the word by typing it takes it off the list (typed words have no probability)
    ed.edit_text(segs[1].id, segs[1].text.replace("big", "huge"))
    assert [ed.model.segments[o].words[i].text for o, i in ed.model.unsure_words()] == ["honestly"]
