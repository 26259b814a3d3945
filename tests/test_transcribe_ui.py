"""Session ▸ Transcribe session… in the real window: a real transcription through the job runner,
its row in the jobs panel, segments stored as they arrive, cancel and resume."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from references import JFK, assert_close, assert_parts_stored, long_clip_parts

from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
from focusdesk.audio.media import import_audio_file
from focusdesk.core.changes import Entity
from focusdesk.core.model import Session, SessionKind
from focusdesk.jobs import JobOutcome
from focusdesk.store import sessions, transcripts
from focusdesk.store.workspace import open_workspace
from focusdesk.transcribe.guards import norm
from focusdesk.transcribe.service import list_runs
from focusdesk.transcribe.types import Settings
from focusdesk.ui.features import transcription
from focusdesk.ui.features.transcription import TranscribeDialog, start_transcription
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.main_window import MainWindow

JOB_TIMEOUT_MS = 300_000


@pytest.fixture
def window(qtbot, tmp_path):
    ws = open_workspace(tmp_path / "study", exclusive=True)
    sessions.add_session(ws.db, Session("Focus group 1", SessionKind.FOCUS_GROUP))
    sessions.add_session(ws.db, Session("Empty", SessionKind.INTERVIEW))
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    yield win
    ctrl = transcription.controller(win)
    ctrl.cancel()
    ctrl.wait()
    win.close()  # closes the study and drops any pending change batch


def session_id(win, name: str) -> int:
    return sessions.session_by_name(win.workspace.db, name).id


def text_of(win, sid: int) -> str:
    return norm(" ".join(s.text for s in transcripts.list_segments(win.workspace.db, sid)))


def action(win, text: str) -> QAction:
    return next(a for a in win.findChildren(QAction) if a.text().replace("&", "") == text)


def test_transcribe_action_stores_segments_as_they_arrive_and_reaches_100(window, qtbot):
    sid = session_id(window, "Focus group 1")
    import_audio_file(window.workspace, sid, AUDIO / "jfk.flac")
    window.set_current_session(sid)
    ctrl = transcription.controller(window)
    panel = jobs(window).panel
    seen: list[int] = []  # segments in the study each time the window was told this session's segments changed
    window.changes.changed.connect(lambda changes: changes.touches(Entity.SEGMENTS, session_id=sid) and seen.append(
        len(transcripts.list_segments(window.workspace.db, sid))))

    def fill():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, TranscribeDialog):
            QTimer.singleShot(20, fill)
            return
        dialog.engine.setCurrentIndex(dialog.engine.findData("faster"))
        dialog.language.setCurrentIndex(dialog.language.findData("en"))
        dialog.vocabulary.setText("Kennedy")
        dialog.decoding.setCurrentIndex(dialog.decoding.findData(5))
        dialog.ok_button.click()

    QTimer.singleShot(0, fill)
    act = action(window, "Transcribe session…")
    assert act.isEnabled()
    values: list[int] = []
    act.trigger()
    row = panel.row_for(ctrl.handle)
    row.progress.valueChanged.connect(values.append)
    assert ctrl.is_running() and jobs(window).dock.isVisible() and row.cancel_button.isEnabled()
    assert row.title.text() == "Transcribing Focus group 1"
    with qtbot.waitSignal(ctrl.finished, timeout=JOB_TIMEOUT_MS) as blocker:
        pass
    assert blocker.args == [JobOutcome.DONE], row.detail.text()
    assert_close(text_of(window, sid), JFK, 0.1)
    segs = transcripts.list_segments(window.workspace.db, sid)
    assert all(s.source == "whisper" and s.words for s in segs)
    assert row.progress.value() == 100 and values == sorted(values) and values[-1] == 100
    assert "segment(s) stored" in row.detail.text()
    assert not row.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == len(segs), timeout=3000)  # batched: the next turn
    runs = list_runs(window.workspace, sid)
    assert [(r["status"], r["engine"], r["language"]) for r in runs] == [("done", "faster", "en")]
    # the choices are remembered for the next start (e.g. from the live console)
    saved = transcription.saved_settings()
    assert (saved.engine, saved.language, saved.beam_size) == ("faster", "en", 5)
    assert '"beam_size": 5' in runs[0]["settings"]  # the beam chosen, not the engine's default
    editor = window.find_view(f"transcript:{sid}")
    if editor is not None:  # the transcript editor feature shows what was stored
        assert len(editor.model.segments) == len(segs)
    # nothing left to do: a second start says so and does not run
    assert not start_transcription(window, sid)
    assert "Nothing to transcribe" in panel.note.text()


def test_cancel_keeps_what_is_stored_and_a_new_start_resumes(window, qtbot, tmp_path):
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = [decode_audio(AUDIO / "jfk.flac"), gap,
             decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"), gap,
             decode_audio(AUDIO / "telephone-2spk.wav"), gap]
    clip = tmp_path / "session.flac"
    sf.write(clip, np.concatenate(parts), SAMPLE_RATE)
    sid = session_id(window, "Focus group 1")
    import_audio_file(window.workspace, sid, clip)
    ctrl = transcription.controller(window)
    panel = jobs(window).panel
    settings = Settings(engine="faster", window_s=30)
    assert not start_transcription(window, session_id(window, "Empty"), settings)
    assert "no recording" in panel.note.text()

    assert start_transcription(window, sid, settings)
    assert not start_transcription(window, sid, settings)  # one at a time
    assert "already running" in panel.note.text()
    # Cancel as the first segment arrives: set from the job's own thread (where Cancel's event
    # is read), so the job cannot race to the end before the click is seen.
    handle = ctrl.handle
    handle.thread.message.connect(lambda m: m.get("type") == "segment" and handle.cancel(),
                                  Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(ctrl.finished, timeout=JOB_TIMEOUT_MS) as blocker:
        pass
    assert blocker.args == [JobOutcome.CANCELLED]
    assert handle.result.outcome is JobOutcome.CANCELLED
    assert "start again to continue" in panel.row_for(handle).detail.text()
    first = transcripts.list_segments(window.workspace.db, sid)
    assert first and "diane in new jersey" not in text_of(window, sid)
    assert [r["status"] for r in list_runs(window.workspace, sid)] == ["cancelled"]

    assert start_transcription(window, sid, settings)
    assert ctrl.job.resumed
    with qtbot.waitSignal(ctrl.finished, timeout=JOB_TIMEOUT_MS) as blocker:
        pass
    assert blocker.args == [JobOutcome.DONE], ctrl.last_result.message
    segs = transcripts.list_segments(window.workspace.db, sid)
    assert_parts_stored(segs, long_clip_parts(with_stereo=False))  # nothing lost or doubled
    assert len(segs) > len(first)
    for a, b in zip(segs, segs[1:]):
        assert b.start_ms >= a.end_ms - 10
    assert [r.handle.result.outcome for r in panel.rows()] == [JobOutcome.DONE]  # replaced the cancelled one
    assert panel.rows()[0].progress.value() == 100
    assert [r["status"] for r in list_runs(window.workspace, sid)] == ["cancelled", "done"]
