"""Recorder controls: device (remembered), rate, channels, test, record/pause/stop, meters, clocks.

The audio work happens in ``focusdesk.audio`` threads; this panel only polls them on a timer,
so nothing crosses threads through Qt.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from focusdesk.audio.capture import (
    Capture,
    CaptureError,
    NoInputDevice,
    list_input_devices,
    minutes_left,
)
from focusdesk.audio.recorder import SessionRecorder, session_end_ms
from focusdesk.core.hints import for_window
from focusdesk.core.model import Recording
from focusdesk.core.timefmt import format_ms
from focusdesk.ui import settings as prefs
from focusdesk.ui.console.meters import LevelMeters

log = logging.getLogger(__name__)

RATES = [48000, 44100, 32000, 16000]
TEST_SECONDS = 3.0


def channel_labels(channels: int) -> list[str]:
    """Meter labels: a two-channel telephone set-up is one side of the call per channel."""
    if channels == 2:
        return ["L", "R"]
    return [str(i + 1) for i in range(channels)]


class RecorderPanel(QWidget):
    starting = Signal()  # about to open the first take: a live transcript sets take_listener now
    started = Signal()
    stopped = Signal(list)  # the Recording takes of this run
    state_changed = Signal(str)
    failed = Signal(str)

    def __init__(self, ws, session_id: int, parent=None):
        super().__init__(parent)
        self.ws, self.session_id = ws, session_id
        self.recorder: SessionRecorder | None = None
        self.take_listener = None  # told when takes open and close (the live transcript)
        self._end_ms: int | None = None
        self._test: Capture | None = None
        self._test_until = 0.0
        self._test_peak = -90.0
        self.device_combo = QComboBox()
        self.device_combo.setMinimumContentsLength(18)
        self.device_combo.currentIndexChanged.connect(self._device_chosen)
        self.rate_combo = QComboBox()
        for rate in RATES:
            self.rate_combo.addItem(f"{rate / 1000:g} kHz", rate)
        self.channels_spin = QSpinBox()
        self.channels_spin.setRange(1, 8)
        self.channels_spin.setSuffix(" ch")
        self.channels_spin.setToolTip("One microphone per channel; a telephone setup with both "
                                      "sides on two channels shows both levels.")
        self.test_button = QPushButton("Test microphone")
        self.test_button.clicked.connect(self.test_microphone)
        self.record_button = QPushButton("● Record")
        self.record_button.setStyleSheet("QPushButton { color: #d1242f; font-weight: bold; }")
        self.record_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.pause_resume)
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.clicked.connect(self.stop)
        for b in (self.test_button, self.record_button, self.pause_button, self.stop_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must never stop a session by accident
        self.meters = LevelMeters()
        self.elapsed_label = QLabel("00:00:00")
        font = self.elapsed_label.font()
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        self.elapsed_label.setFont(font)
        self.disk_label = QLabel()
        self.dropped_label = QLabel("Dropped blocks: 0")
        self.dropped_label.setToolTip("Blocks of audio the sound system had to drop because the "
                                      "computer was too busy; stored with the recording.")
        self.message = QLabel()
        self.message.setWordWrap(True)

        row1 = QHBoxLayout()
        row1.addWidget(QLabel("Input"))
        row1.addWidget(self.device_combo, 1)
        row1.addWidget(self.rate_combo)
        row1.addWidget(self.channels_spin)
        row1.addWidget(self.test_button)
        row2 = QHBoxLayout()
        for w in (self.record_button, self.pause_button, self.stop_button):
            row2.addWidget(w)
        row2.addStretch(1)
        row2.addWidget(self.dropped_label)
        row2.addSpacing(12)
        row2.addWidget(self.disk_label)
        row2.addSpacing(12)
        row2.addWidget(self.elapsed_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.meters)
        layout.addWidget(self.message)

        self.timer = QTimer(self)
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self._last_disk = 0.0
        self._shown_dropped = 0
        self.reload_devices()
        self.rate_combo.setCurrentIndex(max(0, self.rate_combo.findData(
            int(prefs.value("recording/rate", 48000)))))
        self.channels_spin.setValue(int(prefs.value("recording/channels", 1)))
        self.rate_combo.currentIndexChanged.connect(
            lambda: prefs.set_value("recording/rate", self.rate_combo.currentData()))
        self.channels_spin.valueChanged.connect(lambda v: prefs.set_value("recording/channels", v))
        self._update_buttons()
        self._update_disk()

    # --- devices -----------------------------------------------------------------------------

    def reload_devices(self) -> None:
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        try:
            devices = list_input_devices()
        except NoInputDevice as exc:
            devices = []
            self.show_message(str(exc), error=True)
        remembered = prefs.value("recording/device", "")
        for d in devices:
            self.device_combo.addItem(d.label, d)
        if not devices:
            self.device_combo.addItem("(no input device found)", None)
            self.show_message("No audio input device was found. Connect a microphone, check that "
                              "the sound system is running, and reopen the console.", error=True)
        index = next((i for i, d in enumerate(devices) if d.name == remembered), None)
        if index is None:
            index = next((i for i, d in enumerate(devices) if d.is_default), 0)
        self.device_combo.setCurrentIndex(index)
        self.device_combo.blockSignals(False)
        self._device_chosen()

    def device(self):
        return self.device_combo.currentData()

    def _device_chosen(self) -> None:
        d = self.device()
        if d is not None:
            prefs.set_value("recording/device", d.name)
            self.channels_spin.setMaximum(max(1, min(8, d.channels)))
        self._update_buttons()

    # --- state -------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self.recorder.state if self.recorder else "idle"

    def is_recording(self) -> bool:
        return self.state in ("recording", "paused")

    def position_ms(self) -> int:
        """Session media time now: where a marker made at this moment goes."""
        if self.recorder is not None and self.recorder.state in ("recording", "paused"):
            return self.recorder.position_ms()
        if self._end_ms is None:  # cached: the pacing clock asks every second
            self._end_ms = session_end_ms(self.ws, self.session_id)
        return self._end_ms

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #d1242f;" if error else "")
        self.message.setText(for_window(text))  # device help names the console, not a command

    def _update_buttons(self) -> None:
        has_device = self.device() is not None
        busy = self.is_recording()
        for w in (self.device_combo, self.rate_combo, self.channels_spin):
            w.setEnabled(not busy)
        self.test_button.setEnabled(has_device and not busy)
        self.record_button.setEnabled(has_device and not busy)
        self.pause_button.setEnabled(busy)
        self.pause_button.setText("Resume" if self.state == "paused" else "Pause")
        self.stop_button.setEnabled(busy)

    def _update_disk(self) -> None:
        rate, ch = self.rate_combo.currentData(), self.channels_spin.value()
        try:
            free, minutes = minutes_left(self.ws.session_dir(self.session_id), rate, ch)
        except OSError:
            return
        hours = f"{minutes / 60:.1f} h" if minutes >= 120 else f"{minutes:.0f} min"
        self.disk_label.setText(f"Disk: {free / 1e9:.1f} GB free ≈ {hours}")
        self.disk_label.setStyleSheet("color: #d1242f;" if minutes < 30 else "")

    # --- test microphone ---------------------------------------------------------------------

    def test_microphone(self) -> None:
        device = self.device()
        if device is None or self._test is not None:
            return
        self._test = Capture(device, self.rate_combo.currentData(), self.channels_spin.value())
        try:
            self._test.start(None)
        except (CaptureError, NoInputDevice) as exc:
            self._test = None
            self.show_message(str(exc), error=True)
            return
        self.meters.set_channels(self.channels_spin.value(), channel_labels(self.channels_spin.value()))
        self._test_until = time.monotonic() + TEST_SECONDS
        self._test_peak = -90.0
        self.test_button.setEnabled(False)
        self.show_message("Testing… speak into the microphone.")
        self.timer.start()

    def _finish_test(self) -> None:
        test, self._test = self._test, None
        test.stop()
        if test.error:
            self.show_message(test.error, error=True)
        elif self._test_peak <= -60:
            self.show_message(f"No signal from {test.device.name}: check that it is connected, "
                              "switched on and not muted.", error=True)
        elif self.meters.clipping() and any(self.meters.clipping()):
            self.show_message(f"Too loud (clipping at {self._test_peak:.0f} dBFS): turn the input "
                              "gain down or move the microphone away.", error=True)
        else:
            self.show_message(f"Microphone works: peak {self._test_peak:.0f} dBFS.")
        self._update_buttons()
        if not self.is_recording():
            self.timer.stop()

    # --- record, pause, stop -----------------------------------------------------------------

    def start(self) -> bool:
        device = self.device()
        if device is None or self.is_recording():
            return False
        if self._test is not None:
            self._finish_test()
        from focusdesk.audio.recovery import recover_interrupted

        for item in recover_interrupted(self.ws):
            self.show_message(item.describe())
        self.starting.emit()
        self.recorder = SessionRecorder(self.ws, self.session_id, device,
                                        rate=self.rate_combo.currentData(),
                                        channels=self.channels_spin.value())
        self.recorder.listener = self.take_listener
        try:
            self.recorder.start()
        except (CaptureError, NoInputDevice, OSError) as exc:
            self.recorder = None
            self.show_message(str(exc), error=True)
            self.failed.emit(str(exc))
            self._update_buttons()
            return False
        self.meters.set_channels(self.channels_spin.value(), channel_labels(self.channels_spin.value()))
        self.dropped_label.setText("Dropped blocks: 0")
        self.dropped_label.setStyleSheet("")
        self.show_message("Recording. Markers are saved as you make them.")
        self.timer.start()
        self._update_buttons()
        self.started.emit()
        self.state_changed.emit(self.state)
        return True

    def pause_resume(self) -> None:
        if self.recorder is None:
            return
        try:
            if self.recorder.state == "recording":
                self.recorder.pause()
                self.show_message("Paused. The pause shows as a gap on the session's timeline; "
                                  "markers made now point into it.")
            elif self.recorder.state == "paused":
                self.recorder.resume()
                self.show_message("Recording.")
        except (CaptureError, OSError, RuntimeError) as exc:
            self.show_message(str(exc), error=True)
        self._update_buttons()
        self.state_changed.emit(self.state)

    def stop(self) -> list[Recording]:
        if self.recorder is None or not self.is_recording():
            return []
        takes = self.recorder.stop()
        self._end_ms = None
        self.timer.stop()
        total = sum(t.duration_ms for t in takes)
        dropped = sum(t.dropped_blocks for t in takes)
        self.show_message(f"Saved {format_ms(total)} in {len(takes)} recording(s)"
                          + (f"; {dropped} dropped block(s)." if dropped else "."))
        self._update_buttons()
        self.stopped.emit(takes)
        self.state_changed.emit(self.state)
        return takes

    # --- the timer ---------------------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        if self._test is not None:
            levels = self._test.levels.read()
            self._test_peak = max([self._test_peak] + levels.peak_db)
            self.meters.set_levels(levels)
            if now >= self._test_until or self._test.error:
                self._finish_test()
            return
        rec = self.recorder
        if rec is None:
            return
        error = rec.poll()
        if error:
            self._end_ms = None
            self.timer.stop()
            takes = rec.takes
            self.show_message(f"{error} The recording so far ({format_ms(sum(t.duration_ms for t in takes))}) "
                              "is kept in the session.", error=True)
            self._update_buttons()
            self.failed.emit(error)
            self.stopped.emit(takes)
            self.state_changed.emit(self.state)
            return
        self.meters.set_levels(rec.capture.levels.read())
        dropped = rec.capture.dropped_blocks
        suffix = f"  (paused {format_ms(rec.paused_ms())[3:]})" if rec.state == "paused" else ""
        self.elapsed_label.setText(format_ms(rec.recorded_ms()) + suffix)
        self.elapsed_label.setToolTip("Audio recorded in this run (pauses not counted).")
        self.dropped_label.setText(f"Dropped blocks: {dropped}")
        self.dropped_label.setStyleSheet("color: #d1242f; font-weight: bold;" if dropped else "")
        if dropped and self._shown_dropped != dropped:
            self._shown_dropped = dropped
            self.show_message(f"Recording. {dropped} block(s) were dropped (the computer was too "
                              "busy); they are counted with the recording.", error=True)
        if now - self._last_disk >= 2.0:
            self._last_disk = now
            self._update_disk()
