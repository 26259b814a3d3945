"""The live console in a real Qt window, recording from a real (private) PulseAudio null sink."""

from __future__ import annotations

import os

import pytest
from pulse import PulseServer, tone
from PySide6.QtCore import Qt

from focusdesk.audio.capture import refresh_devices
from focusdesk.audio.wavjournal import GrowingWav, Journal, JournalLock
from focusdesk.core.model import Recording
from focusdesk.store import annotations, study, transcripts
from focusdesk.ui.console.console_view import LiveConsole, transcription_starter

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


def test_pause_resume_stop_keep_one_timeline(qtbot, console, seeded):
    view, db, sid = console, seeded.db, sid_of(seeded)
    record_until(qtbot, view, 1200)
    qtbot.mouseClick(view.recorder.pause_button, Qt.MouseButton.LeftButton)
    assert view.recorder.state == "paused" and view.recorder.pause_button.text() == "Resume"
    (first,) = transcripts.list_recordings(db, sid)
    assert first.status == "complete" and first.duration_ms >= 1200
    qtbot.wait(700)  # wall time passes, media time does not
    press(qtbot, view, Qt.Key.Key_F2)
    assert annotations.list_markers(db, sid)[-1].ms == first.duration_ms
    qtbot.mouseClick(view.recorder.pause_button, Qt.MouseButton.LeftButton)
    assert view.recorder.state == "recording"
    qtbot.waitUntil(lambda: view.recorder.recorder.recorded_ms() >= first.duration_ms + 800, timeout=15000)
    qtbot.mouseClick(view.recorder.stop_button, Qt.MouseButton.LeftButton)
    recs = transcripts.list_recordings(db, sid)
    assert [r.status for r in recs] == ["complete", "complete"]
    assert recs[1].offset_ms == recs[0].duration_ms and recs[1].duration_ms >= 700
    assert view.recorder.state == "stopped" and not view.recorder.stop_button.isEnabled()
    assert "Saved" in view.recorder.message.text()
    assert view.transcribe_button.isVisibleTo(view) == (transcription_starter() is not None)


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
