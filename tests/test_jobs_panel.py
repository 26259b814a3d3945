"""Both kinds of job in one shape: a transcription and a speaker search run side by side in the real
window's jobs panel, one row each with title, progress and a Cancel that works; outcomes are
``JobOutcome`` values. Real Whisper and voice models on short real clips, in child processes."""

from __future__ import annotations

import os

import pytest
from conftest import AUDIO

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Segment
from focusdesk.jobs import JobKind, JobOutcome
from focusdesk.store import diarization, sessions, transcripts
from focusdesk.transcribe.service import list_runs
from focusdesk.transcribe.types import Settings
from focusdesk.ui.features import diarization as speakers_feature
from focusdesk.ui.features import transcription
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.main_window import MainWindow

JOB_TIMEOUT_MS = 240_000


@pytest.fixture
def window(qtbot, seeded):
    win = MainWindow(seeded)
    qtbot.addWidget(win, before_close_func=lambda w: jobs(w).cancel_all())
    win.show()
    return win


def test_a_transcription_and_a_speaker_search_share_the_panel(qtbot, window, seeded):
    ws = seeded
    talk = sessions.session_by_name(ws.db, "Focus group 1").id
    call = sessions.session_by_name(ws.db, "Interview 1").id
    rec = import_audio_file(ws, talk, AUDIO / "jfk.flac")
    transcripts.add_segment(ws.db, Segment(talk, 0, 4000, "An earlier transcript", recording_id=rec.id))
    import_audio_file(ws, call, AUDIO / "telephone-2spk.wav")
    before = [(s.id, s.text) for s in transcripts.list_segments(ws.db, talk)]
    panel = jobs(window).panel

    # a restart of the transcription, and the speakers of the call
    ctrl = transcription.controller(window)
    assert transcription.start_transcription(window, talk, Settings(), restart=True)
    view = speakers_feature.open_speakers(window, call)
    assert view.start(num_speakers=2)
    ours, theirs = ctrl.handle, view.job
    assert [r.handle for r in panel.rows()] == [ours, theirs]
    assert [(r.handle.spec.kind, r.title.text()) for r in panel.rows()] == [
        (JobKind.TRANSCRIBE, "Transcribing Focus group 1"),
        (JobKind.DIARIZE, "Finding speakers in Interview 1")]
    assert all(r.cancel_button.isEnabled() and r.isVisible() for r in panel.rows())
    assert ours.spec.settings["restart"] is True and ours.spec.session_id == talk
    # the spec is plain data: it makes the same job again
    again = type(ours.job).from_spec(ws, ours.spec)
    assert again.spec == ours.spec and again.restart

    # Cancel the transcription from its row as soon as its child is up: the restart had not
    # begun, so the old transcript stays as it was
    qtbot.waitUntil(lambda: ours.pid is not None, timeout=60_000)
    with qtbot.waitSignal(ours.ended, timeout=60_000) as ended:
        panel.row_for(ours).cancel_button.click()
    assert ended.args[0].outcome is JobOutcome.CANCELLED
    assert ctrl.last_result.outcome is JobOutcome.CANCELLED and not ctrl.is_running()
    assert "transcript is as it was" in panel.row_for(ours).detail.text()
    with pytest.raises(ProcessLookupError):  # the child was terminated and reaped
        os.kill(ours.pid, 0)
    assert [(s.id, s.text) for s in transcripts.list_segments(ws.db, talk)] == before
    assert [r["status"] for r in list_runs(ws, talk)] == []
    assert theirs.is_running()  # the other job goes on

    progress = []
    theirs.progress.connect(lambda p: progress.append(p.fraction))
    qtbot.waitUntil(lambda: not theirs.is_running(), timeout=JOB_TIMEOUT_MS)
    assert theirs.result.outcome is JobOutcome.DONE, theirs.result.message
    row = panel.row_for(theirs)
    assert row.progress.value() == 100 and "Found 2 voice(s)" in row.detail.text()
    assert not row.cancel_button.isEnabled() and progress == sorted(progress)
    assert len(diarization.last_runs(ws.db, call)) == 1
    assert jobs(window).running() == []

    # a new run of the transcription replaces its finished row; the speaker search's row stays
    assert transcription.start_transcription(window, talk, Settings(), restart=True)
    assert [r.handle.spec.kind for r in panel.rows()] == [JobKind.DIARIZE, JobKind.TRANSCRIBE]
    finished = []
    ctrl.finished.connect(finished.append)
    qtbot.waitUntil(lambda: bool(finished), timeout=JOB_TIMEOUT_MS)
    assert finished == [JobOutcome.DONE], ctrl.last_result.message
    text = " ".join(s.text for s in transcripts.list_segments(ws.db, talk))
    assert "earlier transcript" not in text and "ask not what your country" in text
    panel.clear_finished()
    qtbot.waitUntil(lambda: panel.rows() == [], timeout=3000)
