"""The live console in a real Qt window, recording from a real (private) PulseAudio null sink."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest
import soundfile as sf
from pulse import PulseServer, dominant_frequency, tone
from PySide6.QtCore import Qt

from focusdesk.audio.capture import refresh_devices
from focusdesk.audio.wavjournal import GrowingWav, Journal, JournalLock
from focusdesk.core.model import Recording
from focusdesk.store import annotations, study, transcripts
from focusdesk.ui.console.console_view import LiveConsole

SESSION = "Focus group 1"


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    """A sound server for this process: started before PortAudio lists devices again."""
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK")}
    server = PulseServer().start()
    os.environ.update(server.env)
    refresh_devices()
    player = server.play(tone(tmp_path_factory.mktemp("tone") / "t.wav", 440.0, 120.0))
    yield server
    player.terminate()
    server.stop()
    for key, val in saved.items():
        if val is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = val
    refresh_devices()


def sid_of(ws) -> int:
    return ws.db.execute("SELECT id FROM sessions WHERE name = ?", [SESSION]).fetchone()[0]


@pytest.fixture
def console(seeded, audio, qtbot):
    view = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(view)
    view.resize(1200, 760)
    show_focused(qtbot, view)
    yield view
    if view.recorder.is_recording():
        view.recorder.stop()


def show_focused(qtbot, view) -> None:
    """Keys reach the console only when its window is active and focus is inside it."""
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5000)
    view.guide_tree.setFocus()
    qtbot.waitUntil(view.guide_tree.hasFocus, timeout=5000)


def record_until(qtbot, view, ms: int) -> None:
    if not view.recorder.is_recording():
        qtbot.mouseClick(view.recorder.record_button, Qt.MouseButton.LeftButton)
        assert view.recorder.state == "recording", view.recorder.message.text()
    qtbot.waitUntil(lambda: view.now_ms() >= ms, timeout=15000)


def press(qtbot, view, key, modifier=Qt.KeyboardModifier.NoModifier, target=None):
    """Press a key; returns the session time just before and just after it."""
    before = view.now_ms()
    qtbot.keyClick(target or view.guide_tree, key, modifier)
    return before, view.now_ms()


def test_hotkeys_create_markers_at_the_recording_time(qtbot, console, seeded):
    view, db, sid = console, seeded.db, sid_of(seeded)
    record_until(qtbot, view, 800)
    window = []
    for key in (Qt.Key.Key_N, Qt.Key.Key_2, Qt.Key.Key_S, Qt.Key.Key_F1):
        window.append(press(qtbot, view, key))
        qtbot.wait(150)
    marks = annotations.list_markers(db, sid)
    assert [(m.guide_item_key, m.tag) for m in marks] == [
        ("intro.q1", None), ("intro.q2", None), ("experience", None), (None, "key quote")]
    for m, (before, after) in zip(marks, window):
        assert before <= m.ms <= after  # "now" on the recording's timeline
        assert m.ms > 0
    # a note is timed from its first keystroke, saved with Ctrl+Enter
    view.note_edit.setFocus()
    typed_from = view.now_ms()
    qtbot.keyClicks(view.note_edit, "P02 nods; 12 agree")  # digits in a note are text, not keys
    qtbot.wait(300)
    qtbot.keyClick(view.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    note = annotations.list_markers(db, sid)[-1]
    assert note.note == "P02 nods; 12 agree" and note.tag is None and note.guide_item_key is None
    assert typed_from <= note.ms < view.now_ms() - 200
    assert view.note_edit.toPlainText() == ""
    assert len(annotations.list_markers(db, sid)) == 5  # the typed digits made no markers
    assert view.log.count() == 5


def test_pacing_bar_and_not_yet_asked_update(qtbot, console):
    view = console
    total = view.not_asked.count()
    assert total == len(view.live.not_yet_asked()) > 3
    record_until(qtbot, view, 300)
    press(qtbot, view, Qt.Key.Key_N)
    assert view.not_asked.count() == total - 1
    assert not any("Could you each say" in view.not_asked.item(i).text() for i in range(total - 1))
    current = view._tree_items["intro.q1"]
    assert current.background(0).color().name() == "#fff3b0" and current.font(0).bold()
    rows = {r.key: r for r in view.pacing.rows}
    assert rows["intro"].current and rows["intro"].planned_ms == 600_000
    spent_then = rows["intro"].spent_ms
    qtbot.waitUntil(lambda: {r.key: r for r in view.pacing.rows}["intro"].spent_ms >= spent_then + 900,
                    timeout=5000)  # the clock moves the bar while the section runs
    press(qtbot, view, Qt.Key.Key_S)
    rows = {r.key: r for r in view.pacing.rows}
    assert rows["experience"].current and not rows["intro"].current
    press(qtbot, view, Qt.Key.Key_3)
    assert view.live.current_item.key == "experience.q3"
    assert view.not_asked.count() == total - 2
    view.guide_tree.itemClicked.emit(view._tree_items["closing.q1"], 0)  # one click marks too
    assert view.live.current_item.key == "closing.q1" and view.not_asked.count() == total - 3


def test_pause_is_a_gap_on_the_session_timeline(qtbot, console, seeded):
    view, db, sid = console, seeded.db, sid_of(seeded)
    record_until(qtbot, view, 1200)
    qtbot.mouseClick(view.recorder.pause_button, Qt.MouseButton.LeftButton)
    assert view.recorder.state == "paused" and view.recorder.pause_button.text() == "Resume"
    (first,) = transcripts.list_recordings(db, sid)
    assert first.status == "complete" and first.duration_ms >= 1200
    qtbot.wait(400)
    before, after = press(qtbot, view, Qt.Key.Key_F2)  # a marker made during the pause
    in_gap = annotations.list_markers(db, sid)[-1]
    assert first.duration_ms + 300 <= before <= in_gap.ms <= after  # "now" keeps moving
    qtbot.wait(400)
    paused_for = view.now_ms() - first.duration_ms
    qtbot.mouseClick(view.recorder.pause_button, Qt.MouseButton.LeftButton)
    assert view.recorder.state == "recording"
    qtbot.waitUntil(lambda: view.recorder.recorder.recorded_ms() >= first.duration_ms + 800, timeout=15000)
    qtbot.mouseClick(view.recorder.stop_button, Qt.MouseButton.LeftButton)
    recs = transcripts.list_recordings(db, sid)
    assert [r.status for r in recs] == ["complete", "complete"]
    gap = recs[1].offset_ms - (recs[0].offset_ms + recs[0].duration_ms)
    assert gap >= paused_for >= 700  # the pause, as long as it lasted, between the two takes
    assert recs[0].offset_ms + recs[0].duration_ms < in_gap.ms < recs[1].offset_ms
    assert recs[1].duration_ms >= 700
    assert view.recorder.state == "stopped" and not view.recorder.stop_button.isEnabled()
    assert "Saved" in view.recorder.message.text()
    assert view.recorder.dropped_label.text() == "Dropped blocks: 0"
    assert not view.transcribe_button.isVisibleTo(view)  # no transcription handed to it: not offered


def test_device_choice_is_remembered_and_levels_show(seeded, audio, qtbot):
    first = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(first)
    combo = first.recorder.device_combo
    names = [combo.itemData(i).name for i in range(combo.count())]
    assert "pulse" in names
    combo.setCurrentIndex(names.index("pulse"))
    first.recorder.channels_spin.setValue(2)
    second = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(second)
    assert second.recorder.device().name == "pulse" and second.recorder.channels_spin.value() == 2
    qtbot.mouseClick(second.recorder.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Microphone works" in second.recorder.message.text()
                    or "No signal" in second.recorder.message.text(), timeout=10000)
    assert "Microphone works" in second.recorder.message.text()  # the 440 Hz tone is playing
    assert len(second.recorder.meters.peak_db) == 2 and max(second.recorder.meters.peak_db) > -20
    assert "GB free" in second.recorder.disk_label.text()


def test_quick_tags_and_consent_come_from_study_settings(seeded, audio, qtbot):
    study.update_settings(seeded.db, quick_tags=["laughter", "silence"],
                          consent_script="Do you agree to be recorded?")
    view = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(view)
    show_focused(qtbot, view)
    assert [b.text() for b in view.tag_buttons] == ["F1  laughter", "F2  silence"]
    assert view.consent_box.isVisible()
    qtbot.mouseClick(view.consent_button, Qt.MouseButton.LeftButton)
    press(qtbot, view, Qt.Key.Key_F2)
    marks = annotations.list_markers(seeded.db, sid_of(seeded))
    assert [m.tag for m in marks] == ["consent", "silence"]
    assert "Consent marked" in view.consent_button.text()


def test_window_recovers_an_interrupted_recording_at_start(seeded, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from focusdesk.ui.features.live_console import open_console, recover_at_start
    from focusdesk.ui.main_window import MainWindow

    sid = sid_of(seeded)
    path = seeded.session_dir(sid) / "crashed.wav"
    lock = JournalLock(path, Journal(session_id=sid, rate=8000, channels=1, offset_ms=0, started_at="t"))
    wav = GrowingWav(path, 8000, 1)
    wav.append(b"\x10\x00" * 16000)
    os.close(wav._fd)
    rec = transcripts.add_recording(seeded.db, Recording(
        session_id=sid, path=seeded.relative(path), duration_ms=0, sample_rate=8000, channels=1,
        status="recording"))
    lock.write(recording_id=rec.id)
    lock.release()  # the recorder "died"
    window = MainWindow(seeded)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: transcripts.get_recording(seeded.db, rec.id).status == "recovered", timeout=5000)
    box = window.findChild(QMessageBox, "recovery-message")
    assert box is not None and "Focus group 1" in box.text() and "00:00:02" in box.text()
    assert recover_at_start(window) == []
    window.set_current_session(sid)
    view = open_console(window)
    assert isinstance(view, LiveConsole) and window.find_view(f"live-console-{sid}") is view


def test_telephone_call_on_a_monitor_source_shows_both_sides(seeded, audio, qtbot, tmp_path):
    """The call plays on another output: its monitor is an input, one side per channel."""
    module = audio.pactl("load-module", "module-null-sink", "sink_name=call_sink", "rate=48000",
                         "channels=2").stdout.strip()
    t = np.arange(30 * 48000) / 48000
    sides = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.05 * np.sin(2 * np.pi * 1000 * t)], axis=1)
    sf.write(str(tmp_path / "call.wav"), sides.astype(np.float32), 48000, subtype="PCM_16")
    player = subprocess.Popen(["paplay", "-d", "call_sink", str(tmp_path / "call.wav")],
                              env=audio.client_env())
    view = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(view)
    try:
        panel = view.recorder
        combo = panel.device_combo
        names = [combo.itemData(i).name for i in range(combo.count())]
        assert "call_sink.monitor" in names  # a PulseAudio monitor is offered as an input
        combo.setCurrentIndex(names.index("call_sink.monitor"))
        panel.channels_spin.setValue(2)
        record_until(qtbot, view, 1500)
        assert panel.meters.labels == ["L", "R"]
        # both sides at once, each at its own level (the tone is -6 dBFS left, -26 dBFS right)
        qtbot.waitUntil(lambda: -9 < panel.meters.peak_db[0] < -3
                        and -30 < panel.meters.peak_db[1] < -22, timeout=5000)
    finally:
        if view.recorder.is_recording():
            view.recorder.stop()
        player.terminate()
        audio.pactl("unload-module", module, check=False)
    (rec,) = transcripts.list_recordings(seeded.db, sid_of(seeded))
    data, rate = sf.read(seeded.resolve(rec.path), dtype="float32")
    assert data.shape[1] == 2
    assert abs(dominant_frequency(data[-rate:, 0], rate) - 440) < 3
    assert abs(dominant_frequency(data[-rate:, 1], rate) - 1000) < 3


def test_transcription_starts_when_stopped_if_asked(seeded, audio, qtbot):
    """The console hands the session to the ``start_transcription`` it was given."""
    from focusdesk.ui.main_window import MainWindow

    calls = []
    window = MainWindow(seeded)
    qtbot.addWidget(window)
    view = LiveConsole(seeded, sid_of(seeded), window=window,
                       start_transcription=lambda session_id: calls.append(session_id) or True)
    qtbot.addWidget(view)
    assert view.transcribe_after.isEnabled()
    view.transcribe_after.setChecked(True)
    record_until(qtbot, view, 500)
    qtbot.mouseClick(view.recorder.stop_button, Qt.MouseButton.LeftButton)
    assert calls == [sid_of(seeded)]
    assert "Transcription started" in view.recorder.message.text()
    assert not view.transcribe_button.isVisibleTo(view)

    later = LiveConsole(seeded, sid_of(seeded), window=window)  # none given: not offered
    qtbot.addWidget(later)
    assert not later.transcribe_after.isEnabled() and not later.transcribe_after.isChecked()
    record_until(qtbot, later, 300)
    qtbot.mouseClick(later.recorder.stop_button, Qt.MouseButton.LeftButton)
    assert calls == [sid_of(seeded)] and not later.transcribe_button.isVisibleTo(later)
    assert "Saved" in later.recorder.message.text()


@pytest.fixture
def other_server(audio):
    """Point this process at another sound server for one test, then back at ``audio``."""
    servers = []

    def use(server: PulseServer | None, env: dict[str, str]) -> None:
        if server is not None:
            servers.append(server)
        os.environ.update(env)
        refresh_devices()

    yield use
    for server in servers:
        server.stop()
    os.environ.update(audio.env)
    refresh_devices()


def test_device_gone_in_the_console_keeps_the_recording(seeded, qtbot, other_server, tmp_path):
    server = PulseServer().start()
    other_server(server, server.env)
    player = server.play(tone(tmp_path / "t.wav", 1000.0, 60.0))
    view = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(view)
    failures = []
    view.recorder.failed.connect(failures.append)
    record_until(qtbot, view, 1500)
    server.kill()  # the input disappears without warning
    player.wait(10)
    qtbot.waitUntil(lambda: view.recorder.state == "stopped", timeout=20000)
    text = view.recorder.message.text()
    assert ("stopped delivering audio" in text or "No audio arrived" in text) and "kept" in text
    assert len(failures) == 1 and not view.recorder.stop_button.isEnabled()
    (rec,) = transcripts.list_recordings(seeded.db, sid_of(seeded))
    assert rec.status == "complete" and rec.duration_ms >= 1400
    data, rate = sf.read(seeded.resolve(rec.path), dtype="float32")
    assert abs(dominant_frequency(data[-rate // 2:], rate) - 1000.0) < 5


def test_no_input_device_says_what_to_do(seeded, qtbot, other_server, tmp_path):
    other_server(None, {"PULSE_SERVER": f"unix:{tmp_path}/no-server/native"})
    view = LiveConsole(seeded, sid_of(seeded))
    qtbot.addWidget(view)
    assert view.recorder.device() is None
    assert "No audio input device was found" in view.recorder.message.text()
    assert not view.recorder.record_button.isEnabled() and not view.recorder.test_button.isEnabled()
    assert view.recorder.start() is False
    assert transcripts.list_recordings(seeded.db, sid_of(seeded)) == []


def test_stop_hands_the_recording_to_the_real_transcription_job(seeded, audio, qtbot):
    """No stand-in: the console the Session menu opens, stopped with the option on, runs the real
    transcription job on the new file."""
    from focusdesk.ui.features.live_console import open_console
    from focusdesk.ui.main_window import MainWindow

    window = MainWindow(seeded)
    qtbot.addWidget(window)
    view = open_console(window, sid_of(seeded))
    view.transcribe_after.setChecked(True)
    record_until(qtbot, view, 1500)
    qtbot.mouseClick(view.recorder.stop_button, Qt.MouseButton.LeftButton)
    assert "Transcription started" in view.recorder.message.text()

    def finished() -> bool:
        rows = seeded.db.execute("SELECT status FROM transcription_runs WHERE session_id = ?",
                                 [sid_of(seeded)]).fetchall()
        return bool(rows) and rows[-1][0] == "done"

    qtbot.waitUntil(finished, timeout=180_000)  # the job ran in its child process on the recording
    from focusdesk.ui.features.transcription import controller

    qtbot.waitUntil(lambda: not controller(window).is_running(), timeout=30_000)
