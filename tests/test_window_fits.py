"""The window fits a 1366x768 laptop screen whatever is open: wide views scroll or elide, docks
can shrink, and nothing makes the window resize itself past the screen."""

from __future__ import annotations

import pytest
from exchange_data import fill_session
from PySide6.QtWidgets import QApplication

from focusdesk.core.model import Facilitator
from focusdesk.store import study
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features import diarization, live_console, transcript_editor
from focusdesk.ui.main_window import MainWindow

W, H = 1366, 768


@pytest.fixture
def window(qtbot, seeded):
    root = seeded.root
    db = seeded.db
    study.add_facilitator(db, Facilitator(name="Dana Moderator with a rather long name"))
    fill_session(db)
    # Long names are what pushed columns and labels wide.
    from focusdesk.core.model import Code
    from focusdesk.store import codes
    codes.add_code(db, Code(name="A code with a very long name that a researcher might well choose "
                                 "for a theme"))
    seeded.close()
    ws = open_workspace(root, exclusive=True)
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(W, H)
    win.show()
    qtbot.waitExposed(win)
    yield win
    for view in win.views():
        shutdown = getattr(view, "shutdown", None)
        if shutdown:
            shutdown()
    win.close()


def _fits(win, what: str) -> None:
    """The window stays within the screen, and the open view's content has the room it needs
    (a view pressed below its own minimum would overlap or cut off its controls)."""
    QApplication.processEvents()
    hint = win.minimumSizeHint()
    assert win.width() <= W and win.height() <= H, (what, win.size())
    assert hint.width() <= W and hint.height() <= H, (what, hint)
    view = win.tabs.currentWidget()
    need, room = view.minimumSizeHint(), view.size()
    assert need.width() <= room.width() and need.height() <= room.height(), (what, need, room)


def test_every_main_view_fits_a_laptop_screen(window, qtbot):
    win = window
    sid = win.workspace.db.execute("SELECT id FROM sessions WHERE name = 'Focus group 1'").fetchone()[0]
    _fits(win, "study")
    win.set_current_session(sid)
    assert transcript_editor.open_editor(win, sid) is not None
    qtbot.waitUntil(lambda: win.coding.dock.isVisible(), timeout=3000)
    _fits(win, "transcript editor with the coding panel")
    steps = [("code matrix", win.coding.open_matrix), ("framework", win.coding.open_framework),
             ("coverage", win.coding.open_coverage), ("talk time", win.coding.open_talk_time),
             ("retrieval", win.coding.open_retrieval), ("frame editor", win.coding.open_frame_editor),
             ("live console", lambda: live_console.open_console(win, sid)),
             ("speakers", lambda: diarization.open_speakers(win, sid)),
             ("search", lambda: transcript_editor.open_search(win))]
    for what, step in steps:
        assert step() is not None, what
        _fits(win, what)
    from focusdesk.ui.jobs_panel import jobs
    jobs(win).say("A transcription is already running; wait for it or cancel it first. " * 3)
    for what, step in steps:  # again with the Jobs dock taking room at the bottom
        step()
        _fits(win, what + " and the jobs dock")


def test_window_opens_within_a_small_screen(qtbot, workspace):
    """The offscreen screen is 800x800: the default size (and a size saved on a bigger monitor)
    shrinks to it."""
    from focusdesk.ui import settings as prefs

    win = MainWindow(workspace)
    qtbot.addWidget(win)
    room = win.screen().availableGeometry()
    assert win.width() <= room.width() and win.height() <= room.height()
    win.resize(2400, 1600)
    prefs.set_value("window/geometry", win.saveGeometry())
    win.close()
    again = MainWindow(open_workspace(workspace.root, exclusive=True))
    qtbot.addWidget(again)
    assert again.width() <= room.width() and again.height() <= room.height()
    again.close()
