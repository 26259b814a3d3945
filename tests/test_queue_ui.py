"""Session ▸ Process all sessions… in the real window: the study's queue planned and run through
the jobs panel (real transcription and diarization of a real clip), listed in the Queue dock."""

from __future__ import annotations

import os

import pytest
from conftest import AUDIO
from PySide6.QtGui import QAction

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Session, SessionKind
from focusdesk.store import progress, queue, sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features.queue import controller
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.main_window import MainWindow

pytestmark = pytest.mark.slow


@pytest.fixture
def window(qtbot, tmp_path):
    ws = open_workspace(tmp_path / "study", exclusive=True)
    s = sessions.add_session(ws.db, Session("Speech", SessionKind.INTERVIEW))
    sessions.add_session(ws.db, Session("No audio", SessionKind.INTERVIEW))
    import_audio_file(ws, s.id, AUDIO / "jfk.flac")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    yield win
    jobs(win).cancel_all()
    win.close()


def test_process_all_sessions_runs_the_queue_in_the_window(window, qtbot):
    db = window.workspace.db
    sid = sessions.session_by_name(db, "Speech").id
    # A task a killed window left running is queued again when the queue starts.
    dead = queue.add_task(db, sid, queue.Step.TRANSCRIBE)
    assert queue.claim(db, dead.id, pid=2 ** 22 + 17)  # no such process
    action = next(a for a in window.findChildren(QAction)
                  if a.text().replace("&", "") == "Process all sessions…")
    action.trigger()
    ctrl = controller(window)
    assert ctrl.dock.isVisible()
    assert [(t.session_name, t.step.value) for t in ctrl.panel.tasks] == [
        ("Speech", "transcribe"), ("Speech", "diarize")]
    qtbot.waitUntil(lambda: {t.state for t in queue.list_tasks(db)} == {"done"}, timeout=180_000)
    p = next(p for p in progress.session_progress(db) if p.session_id == sid)
    assert p.segments and p.speakers
    assert [t.attempts for t in queue.list_tasks(db)] == [2, 1]
    assert ctrl.panel.table.item(1, 2).text() == "done"
    assert os.getpid() not in {t.pid for t in queue.list_tasks(db)}
