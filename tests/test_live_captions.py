"""Captions in the live console: a real recording of reference speech from a private PulseAudio
null sink, transcribed while it is recorded; a click on a caption marks a key quote at its time."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from pulse import PulseServer
from PySide6.QtCore import Qt
from references import JFK, assert_close
from test_live_console import show_focused

from focusdesk.audio.capture import refresh_devices
from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
from focusdesk.store import annotations, study, transcripts
from focusdesk.store import transcription_runs as runs
from focusdesk.transcribe.live_service import KEEPS_UP, LIVE_KEY, SPEED_KEY, live_enabled
from focusdesk.ui.console.captions import KIND_ROLE, MS_ROLE
from focusdesk.ui.console.console_view import LiveConsole

SESSION = "Focus group 1"


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK")}
    server = PulseServer().start()
    os.environ.update(server.env)
    refresh_devices()
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    clip = tmp_path_factory.mktemp("speech") / "jfk.wav"
    sf.write(clip, np.concatenate([gap, decode_audio(AUDIO / "jfk.flac"), gap, gap]), SAMPLE_RATE,
             subtype="PCM_16")
    yield server, clip
    server.stop()
    for key, val in saved.items():
        if val is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = val
    refresh_devices()


def sid_of(ws) -> int:
    return ws.db.execute("SELECT id FROM sessions WHERE name = ?", [SESSION]).fetchone()[0]


def test_live_is_on_as_chosen_or_when_the_computer_keeps_up():
    assert not live_enabled({})  # not measured, not chosen
    assert live_enabled({SPEED_KEY: 12.0}) and not live_enabled({SPEED_KEY: 1.5})
    assert not live_enabled({SPEED_KEY: 12.0, LIVE_KEY: False})
    assert live_enabled({SPEED_KEY: 1.5, LIVE_KEY: True})


def test_captions_while_recording_and_a_click_marks_a_key_quote(seeded, speech, qtbot):
    server, clip = speech
    sid = sid_of(seeded)
    ready = []
    view = LiveConsole(seeded, sid, transcript_ready=lambda s, find: ready.append((s, find)))
    view.resize(1200, 900)
    qtbot.addWidget(view, before_close_func=lambda v: (v.recorder.stop(), v.live_transcript.cancel()))
    view.show()
    qtbot.waitExposed(view)
    panel = view.captions
    assert not panel.enabled_box.isChecked()  # this computer's speed is not known yet
    panel.enabled_box.setChecked(True)  # the study's choice, kept with the study
    assert study.get_study(seeded.db).settings[LIVE_KEY] is True
    qtbot.mouseClick(view.recorder.record_button, Qt.MouseButton.LeftButton)
    assert view.recorder.state == "recording", view.recorder.message.text()
    player = server.play(clip)
    try:
        view.next_item()  # the first question is asked (key N)
        qtbot.waitUntil(lambda: len(panel.captions()) >= 1, timeout=60_000)
        assert panel.status.text().startswith("Captions")
        first = panel.captions()[0]
        assert "fellow americans" in first.text().lower() and "[intro.q1]" in first.text()
        kinds = [panel.list.item(i).data(KIND_ROLE) for i in range(panel.list.count())]
        assert kinds[0] == "marker"  # the question's marker, before what was said after it
        ms = first.data(MS_ROLE)
        panel.list.scrollToItem(first)
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.list.visualItemRect(first).center())
        quote = annotations.list_markers(seeded.db, sid)[-1]
        assert (quote.tag, quote.ms) == ("key quote", ms)
        show_focused(qtbot, view)
        latest = panel.last_caption_ms()
        qtbot.keyClick(view.guide_tree, Qt.Key.Key_Q)  # the caption just shown
        quote = annotations.list_markers(seeded.db, sid)[-1]
        assert quote.tag == "key quote" and quote.ms in (latest, panel.last_caption_ms())
        qtbot.waitUntil(lambda: view.recorder.recorder.recorded_ms() >= 14_000, timeout=30_000)
    finally:
        player.terminate()
    qtbot.mouseClick(view.recorder.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ready == [(sid, False)], timeout=60_000)
    assert panel.status.text().startswith("Transcript complete")
    said = " ".join(item.text().split("  ", 1)[1].split("    [")[0] for item in panel.captions())
    assert_close(said, JFK, 0.1)
    assert said == " ".join(s.text for s in transcripts.list_segments(seeded.db, sid))
    (run,) = runs.list_runs(seeded.db, sid)
    assert run["status"] == "done" and '"live": true' in run["settings"]


def test_microphone_test_measures_whether_this_computer_keeps_up(seeded, speech, qtbot):
    sid = sid_of(seeded)
    view = LiveConsole(seeded, sid)
    qtbot.addWidget(view, before_close_func=lambda v: v.live_transcript.cancel())
    panel = view.captions
    assert not panel.enabled_box.isChecked()
    qtbot.mouseClick(view.recorder.test_button, Qt.MouseButton.LeftButton)

    def measured() -> float | None:
        return study.get_study(seeded.db).settings.get(SPEED_KEY)

    qtbot.waitUntil(lambda: measured() is not None, timeout=60_000)
    factor = measured()
    assert factor > 0 and "real time here" in panel.status.text()
    assert panel.enabled_box.isChecked() == (factor >= KEEPS_UP)
    assert LIVE_KEY not in study.get_study(seeded.db).settings  # measured, not chosen
    panel.enabled_box.setChecked(True)
    panel.enabled_box.setChecked(False)  # the user's choice wins over the measurement
    assert study.get_study(seeded.db).settings[LIVE_KEY] is False
    assert not live_enabled(study.get_study(seeded.db).settings)
    again = LiveConsole(seeded, sid)
    qtbot.addWidget(again)
    assert not again.captions.enabled_box.isChecked()
