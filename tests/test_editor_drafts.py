"""Typing in an open turn survives a crash: kept as a draft, offered back when the session opens."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import ROOT
from PySide6.QtCore import Qt
from test_editor_ui import TEXTS, editor, session  # noqa: F401 - fixtures

from focusdesk.store import drafts, transcripts
from focusdesk.ui.transcript.editor import TranscriptEditor

CHILD = textwrap.dedent("""
    import os, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from focusdesk.store.workspace import open_workspace
    from focusdesk.ui.transcript.editor import TranscriptEditor

    app = QApplication([])
    ws = open_workspace(sys.argv[1])
    ed = TranscriptEditor(ws, int(sys.argv[2]), load_audio=False)
    ed.resize(900, 600)
    ed.show()
    ed.view.edit_row(ed.model.seg_row[1])
    box = ed.view.focusWidget()
    box.moveCursor(box.textCursor().MoveOperation.End)
    box.insertPlainText(" and my evenings")
    print("typed", flush=True)
    QTimer.singleShot(1600, lambda: os._exit(9))  # the crash: nothing is committed or closed
    app.exec()
""")


def test_typing_survives_a_crash_and_is_restored_with_undo(qtbot, session):  # noqa: F811
    ws, s = session
    seg = transcripts.list_segments(ws.db, s.id)[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ws.root), str(s.id)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9 and "typed" in proc.stdout, proc.stderr[-2000:]
    assert transcripts.get_segment(ws.db, seg.id).text == TEXTS[1][1]  # the edit never committed
    ed = TranscriptEditor(ws, s.id)
    qtbot.addWidget(ed)
    ed.show()
    try:
        assert ed.drafts_bar.isVisible() and "1 turn" in ed.drafts_bar.label.text()
        qtbot.mouseClick(ed.drafts_bar.restore_button, Qt.MouseButton.LeftButton)
        after = transcripts.get_segment(ws.db, seg.id)
        assert after.text == TEXTS[1][1] + " and my evenings"
        # the words that were there keep their times
        assert [(w.start_ms, w.end_ms) for w in after.words[:len(seg.words)]] == \
            [(w.start_ms, w.end_ms) for w in seg.words]
        assert not ed.drafts_bar.isVisible() and drafts.list_drafts(ws.db, s.id) == []
        ed.undo_stack.undo()
        assert transcripts.get_segment(ws.db, seg.id).text == TEXTS[1][1]
    finally:
        ed.shutdown()


def test_committed_or_discarded_typing_leaves_no_draft(qtbot, editor, session):  # noqa: F811
    ws, s = session
    seg = editor.model.segments[2]
    editor.view.edit_row(editor.model.seg_row[2])
    box = editor.view.focusWidget()
    qtbot.keyClick(box, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, " really")
    qtbot.waitUntil(lambda: bool(drafts.list_drafts(ws.db, s.id)), timeout=3000)
    assert drafts.list_drafts(ws.db, s.id)[0].segment_id == seg.id
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.view.is_editing(), timeout=3000)
    qtbot.waitUntil(lambda: not ws.db.execute("SELECT count(*) FROM edit_drafts").fetchone()[0],
                    timeout=3000)
    # a draft left behind that says what the turn already says is not offered
    drafts.save_draft(ws.db, seg.id, transcripts.get_segment(ws.db, seg.id).text)
    assert drafts.list_drafts(ws.db, s.id) == []
    # Discard drops a real one
    drafts.save_draft(ws.db, seg.id, "something else")
    editor.drafts_bar.refresh()
    assert editor.drafts_bar.isVisible()
    qtbot.mouseClick(editor.drafts_bar.discard_button, Qt.MouseButton.LeftButton)
    assert not editor.drafts_bar.isVisible() and drafts.list_drafts(ws.db, s.id) == []
    assert transcripts.get_segment(ws.db, seg.id).text.endswith("really")


def test_a_deleted_turn_takes_its_draft_with_it(session):  # noqa: F811
    ws, s = session
    seg = transcripts.list_segments(ws.db, s.id)[0]
    drafts.save_draft(ws.db, seg.id, "gone")
    ws.db.execute("DELETE FROM segments WHERE id = ?", [seg.id])
    assert ws.db.execute("SELECT count(*) FROM edit_drafts").fetchone()[0] == 0
