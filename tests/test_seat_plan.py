"""The live console's seating plan in a real Qt window, recording from a real (private)
PulseAudio null sink: a click or Alt+digit stores a tap at the recording time, the plain digits
still mark questions, and a dragged seat stays where it was put."""

from __future__ import annotations

import os

import pytest
from pulse import PulseServer, tone
from PySide6.QtCore import QPoint, Qt

from focusdesk.audio.capture import refresh_devices
from focusdesk.store import annotations, seats
from focusdesk.ui.console.console_view import LiveConsole

SESSION = "Focus group 1"


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK")}
    server = PulseServer().start()
    os.environ.update(server.env)
    refresh_devices()
    player = server.play(tone(tmp_path_factory.mktemp("tone") / "t.wav", 440.0, 60.0))
    yield server
    player.terminate()
    server.stop()
    for key, val in saved.items():
        if val is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = val
    refresh_devices()


def test_seat_taps_during_a_recording(seeded, audio, qtbot):
    db = seeded.db
    sid = db.execute("SELECT id FROM sessions WHERE name = ?", [SESSION]).fetchone()[0]
    view = LiveConsole(seeded, sid)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5000)
    view.guide_tree.setFocus()
    plan = view.seat_plan
    assert [(s.person.name, s.key) for s in plan.seats] == [("P01", "Alt+1"), ("P02", "Alt+2")]
    qtbot.mouseClick(view.recorder.record_button, Qt.MouseButton.LeftButton)
    assert view.recorder.state == "recording", view.recorder.message.text()
    qtbot.waitUntil(lambda: view.now_ms() >= 900, timeout=15000)

    before = view.now_ms()
    qtbot.mouseClick(plan.seats[1], Qt.MouseButton.LeftButton)  # "P02 is speaking"
    after = view.now_ms()
    (tap,) = seats.list_taps(db, sid)
    assert tap.person.name == "P02" and tap.source == "live"
    assert 900 <= before <= tap.t_ms <= after
    qtbot.wait(300)
    before = view.now_ms()
    qtbot.keyClick(view.guide_tree, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    taps = seats.list_taps(db, sid)
    assert [t.person.name for t in taps] == ["P02", "P01"] and taps[1].t_ms >= before
    assert annotations.list_markers(db, sid) == []  # Alt+1 is a seat, not question 1
    qtbot.keyClick(view.guide_tree, Qt.Key.Key_1)
    assert len(annotations.list_markers(db, sid)) == 1 and len(seats.list_taps(db, sid)) == 2
    assert "P01 speaking" in view.log.item(1).text()
    view.recorder.stop()

    # drag P01's seat to the top-left corner: no tap, and the next console shows it there
    seat = plan.seats[0]
    start = seat.rect().center()
    qtbot.mousePress(seat, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(seat, start - QPoint(step * 60, step * 60))
    qtbot.mouseRelease(seat, Qt.MouseButton.LeftButton, pos=seat.rect().center())
    assert len(seats.list_taps(db, sid)) == 2
    kept = seats.seat_positions(db, sid)[seat.person.key]
    assert kept[0] < 0.3 and kept[1] < 0.3
    again = LiveConsole(seeded, sid)
    qtbot.addWidget(again)
    assert again.seat_plan.seats[0].fraction == pytest.approx(kept)
