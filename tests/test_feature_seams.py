"""Features install in workflow order, and meet each other through typed interfaces."""

from __future__ import annotations

import pytest

from focusdesk.store import sessions
from focusdesk.ui.console.console_view import LiveConsole
from focusdesk.ui.features import transcript_editor
from focusdesk.ui.interfaces import ClosableView, CodableEditor
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.transcript.editor import TranscriptEditor


@pytest.fixture
def window(qtbot, seeded):
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    win.show()
    yield win


def texts(menu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_session_menu_reads_in_workflow_order(window):
    assert texts(window.menu("Session")) == [
        "Session details…",
        "Live console (record and tag)…",
        "Import audio into session…",
        "Transcribe session…",
        "Find speakers…",
        "Speakers and who they are",
        "Process all sessions…",
    ]
    top = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert top == ["File", "Study", "Session", "Transcript", "Code", "Analysis", "Export", "Help"]


def test_the_real_editor_is_what_coding_and_the_window_expect(window):
    """A renamed editor method fails here, not as a coding panel that silently stops following."""
    sid = sessions.session_by_name(window.workspace.db, "Focus group 1").id
    window.set_current_session(sid)  # opens the editor
    editor = window.find_view(transcript_editor.view_key(sid))
    assert isinstance(editor, TranscriptEditor)
    assert isinstance(editor, CodableEditor) and isinstance(editor, ClosableView)
    assert window.coding.panel.editor is editor
    assert window.coding.current_editor() is editor


def test_the_console_is_closable_and_gets_transcription_from_the_window(window, seeded, qtbot):
    from focusdesk.ui.features.live_console import open_console

    sid = sessions.session_by_name(seeded.db, "Focus group 1").id
    console = open_console(window, sid)
    assert isinstance(console, LiveConsole) and isinstance(console, ClosableView)
    assert console.start_transcription is not None and console.transcribe_after.isEnabled()
