"""The live transcript complete after Stop, in the real window: the editor opens on the session,
and speaker finding starts at once when "Find speakers when I stop" was ticked (issue 13)."""

from __future__ import annotations

import pytest
from conftest import AUDIO

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Session, SessionKind
from focusdesk.jobs.session_job import JobKind
from focusdesk.store import sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features.live_console import transcript_ready
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.speakers.view import SpeakersView
from focusdesk.ui.transcript.editor import TranscriptEditor


@pytest.fixture
def window(qtbot, tmp_path):
    ws = open_workspace(tmp_path / "study", exclusive=True)
    for name in ("Recorded", "Other"):
        s = sessions.add_session(ws.db, Session(name, SessionKind.FOCUS_GROUP))
        import_audio_file(ws, s.id, AUDIO / "jfk.flac")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_ready_opens_the_editor_on_the_recorded_session(window):
    sid = sessions.session_by_name(window.workspace.db, "Recorded").id
    transcript_ready(window, sid, False)
    view = window.tabs.currentWidget()
    assert isinstance(view, TranscriptEditor) and view.session_id == sid
    assert jobs(window).running(JobKind.DIARIZE) == []  # not asked: no speaker finding


def test_ready_with_find_speakers_starts_them_and_still_opens_the_editor(window, qtbot):
    sid = sessions.session_by_name(window.workspace.db, "Recorded").id
    transcript_ready(window, sid, True)
    assert isinstance(window.tabs.currentWidget(), TranscriptEditor)
    assert any(isinstance(window.tabs.widget(i), SpeakersView) for i in range(window.tabs.count()))
    (handle,) = jobs(window).running(JobKind.DIARIZE)
    assert handle.spec.session_id == sid
    jobs(window).cancel_all()  # pytest-qt closes the window before fixtures end: closing would ask
    qtbot.waitUntil(lambda: not jobs(window).running(), timeout=60_000)
