"""Session ▸ Process all sessions… in the real window: the study's queue planned and run through
the jobs panel (real transcription and diarization of a real clip), listed in the Queue dock;
"Jobs at once" saved in the settings and used (jobs in real child processes: queue_fakes)."""

from __future__ import annotations

import os

import pytest
from conftest import AUDIO
from PySide6.QtGui import QAction
from queue_fakes import FakeJob, Seen

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Session, SessionKind
from focusdesk.store import progress, queue, sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui import settings
from focusdesk.ui.features.queue import JOBS_KEY, QueuePanel, controller, jobs_at_once
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
        ("Speech", "transcribe"), ("Speech", "fill"), ("Speech", "diarize")]
    assert ctrl.panel.eta.text().startswith("3 task(s) left, about ")  # the queue's ETA
    assert ctrl.panel.table.item(2, 5).text()  # and the session's
    qtbot.waitUntil(lambda: {t.state for t in queue.list_tasks(db)} == {"done"}, timeout=180_000)
    p = next(p for p in progress.session_progress(db) if p.session_id == sid)
    assert p.segments and p.speakers
    assert [t.attempts for t in queue.list_tasks(db)] == [2, 1, 1]
    assert [ctrl.panel.table.item(r, 2).text() for r in range(3)] == ["done"] * 3
    assert ctrl.panel.eta.text() == "" and ctrl.panel.table.item(2, 5).text() == ""
    assert os.getpid() not in {t.pid for t in queue.list_tasks(db)}


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU core: one job at a time only")
def test_jobs_at_once_is_saved_and_used_when_the_queue_starts(window, qtbot):
    db = window.workspace.db
    second = sessions.add_session(db, Session("Speech 2", SessionKind.INTERVIEW))
    import_audio_file(window.workspace, second.id, AUDIO / "jfk.flac")
    ctrl = controller(window)
    spin = ctrl.panel.jobs
    assert (spin.value(), spin.minimum(), spin.maximum()) == (1, 1, os.cpu_count())
    spin.setValue(2)
    assert jobs_at_once() == 2 and int(settings.settings().value(JOBS_KEY)) == 2  # saved
    assert QueuePanel(ctrl).jobs.value() == 2  # a new dock (the next window) shows it

    seen = Seen()
    ctrl.make_job = lambda ws, task: FakeJob(ws, task, seen, n=6, sleep=0.15)
    ctrl.process_all()
    assert len(ctrl.running) == 2  # both sessions' transcriptions started at once
    qtbot.waitUntil(lambda: {t.state for t in queue.list_tasks(db)} == {"done"}, timeout=60_000)
    assert len(queue.list_tasks(db)) == 6 and not ctrl.running
    assert seen.most_running == 2
    for name in ("Speech", "Speech 2"):  # a session's own steps still run one after another
        spans = [seen.span(t.id) for t in queue.list_tasks(db) if t.session_name == name]
        assert spans[0][1] < spans[1][0] and spans[1][1] < spans[2][0]
