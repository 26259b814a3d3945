"""The window's rough edges from walking a study's path: mouse-drag selection, roomy find fields,
elided code names, one quit path, outcomes that are said, menus and Help, fresh views, and next
steps that are one click (real widgets on a real study)."""

from __future__ import annotations

import pytest
from exchange_data import fill_session
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

from focusdesk.core.model import Code
from focusdesk.store import codes, sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features import transcript_editor
from focusdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, seeded):
    """The seeded study with a coded Focus group 1, open in a laptop-sized window."""
    fill_session(seeded.db)
    root = seeded.root
    seeded.close()
    win = MainWindow(open_workspace(root, exclusive=True))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    yield win
    for view in win.views():
        shutdown = getattr(view, "shutdown", None)
        if shutdown:
            shutdown()
    win.close()


def _sid(win, name="Focus group 1") -> int:
    return sessions.session_by_name(win.workspace.db, name).id


def _editor(win, qtbot):
    sid = _sid(win)
    win.set_current_session(sid)
    editor = transcript_editor.open_editor(win, sid)
    qtbot.waitUntil(lambda: win.coding.dock.isVisible(), timeout=3000)
    return editor


# --- 8: mouse-drag selects words for coding ------------------------------------------------------

def test_mouse_drag_selects_words_for_the_coding_panel(window, qtbot):
    editor = _editor(window, qtbot)
    view, vp = editor.view, editor.view.viewport()
    a = view.word_rect((1, 1)).center()
    b = view.word_rect((2, 3)).center()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(vp, (a + b) / 2)
    QTest.mouseMove(vp, b)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert editor.model.selected_positions() == ((1, 1), (2, 3))
    seg1, seg2 = editor.model.segments[1], editor.model.segments[2]
    assert window.coding.panel.selection()[:2] == (seg1.words[1].start_ms, seg2.words[3].end_ms)
    # Past the end of a line and over the speaker column the selection still follows the mouse,
    # and a release away from the last move ends the drag there.
    end_of_turn = view.word_rect((3, len(editor.model.segments[3].words) - 1))
    beyond = QPoint(vp.width() - 5, end_of_turn.center().y())
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view.word_rect((3, 0)).center())
    QTest.mouseMove(vp, beyond)
    assert editor.model.selected_positions() == ((3, 0), (3, len(editor.model.segments[3].words) - 1))
    start_of_5 = view.word_rect((5, 0))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(3, start_of_5.center().y()))
    assert editor.model.selected_positions() == ((3, 0), (5, 0))


# --- 9: controls with room ------------------------------------------------------------------------

def test_find_fields_are_roomy_and_code_names_elide_with_a_tooltip(window, qtbot):
    long_name = "A code with a very long name that a researcher might well choose for a theme"
    codes.add_code(window.workspace.db, Code(name=long_name))
    from focusdesk.core.changes import Change, Entity
    window.changes.notify(Change(Entity.CODES))
    window.changes.flush()
    editor = _editor(window, qtbot)
    editor.open_find()
    qtbot.waitUntil(editor.find_bar.isVisible, timeout=2000)
    twenty = QFontMetrics(editor.find_bar.find.font()).averageCharWidth() * 20
    assert editor.find_bar.find.width() >= twenty and editor.find_bar.replace.width() >= twenty
    panel = window.coding.panel
    item = next(panel.codes.item(i) for i in range(panel.codes.count())
                if long_name in panel.codes.item(i).text())
    assert long_name in item.toolTip()
    assert panel.codes.visualItemRect(item).width() <= panel.codes.viewport().width()
    assert not panel.codes.horizontalScrollBar().isVisible()
