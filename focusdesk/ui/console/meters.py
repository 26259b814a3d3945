"""Per-channel level meters with peak hold and a sticky clipping warning."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from focusdesk.audio.levels import SILENCE_DB, Levels

FLOOR_DB = -60.0
CLIP_HOLD_S = 3.0


class LevelMeters(QWidget):
    """One horizontal bar per channel, -60..0 dBFS; a red "CLIP" label stays for a few seconds."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.peak_db: list[float] = [SILENCE_DB]
        self.rms_db: list[float] = [SILENCE_DB]
        self._clip_until: list[float] = [0.0]
        self.labels: list[str] = ["1"]
        self.setMinimumHeight(36)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(320, 14 + 22 * max(1, len(self.peak_db)))

    def set_channels(self, channels: int, labels: list[str] | None = None) -> None:
        self.peak_db = [SILENCE_DB] * channels
        self.rms_db = [SILENCE_DB] * channels
        self._clip_until = [0.0] * channels
        self.labels = labels or [str(i + 1) for i in range(channels)]
        self.updateGeometry()
        self.update()

    def set_levels(self, levels: Levels) -> None:
        if levels.channels != len(self.peak_db):
            self.set_channels(levels.channels)
        now = time.monotonic()
        for i in range(levels.channels):
            # Fall back slowly, rise at once: readable at a glance, and steady when a read comes
            # between two blocks of audio (the sound system may deliver them in bursts).
            self.peak_db[i] = max(levels.peak_db[i], self.peak_db[i] - 1.5)
            self.rms_db[i] = max(levels.rms_db[i], self.rms_db[i] - 1.5)
            if levels.clipped[i]:
                self._clip_until[i] = now + CLIP_HOLD_S
        self.update()

    def clipping(self) -> list[bool]:
        now = time.monotonic()
        return [until > now for until in self._clip_until]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = max(1, len(self.peak_db))
        h = (self.height() - 4) / n
        label_w, clip_w = 24, 40
        clips = self.clipping()
        for i in range(len(self.peak_db)):
            y = 2 + i * h
            bar = QRectF(label_w, y + 2, self.width() - label_w - clip_w - 6, h - 4)
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(0, y, label_w - 4, h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       self.labels[i] if i < len(self.labels) else str(i + 1))
            p.fillRect(bar, QColor("#2b2b2b"))
            frac = lambda db: max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))  # noqa: E731
            peak = frac(self.peak_db[i])
            colour = QColor("#3fb950") if self.peak_db[i] < -12 else (
                QColor("#d29922") if self.peak_db[i] < -3 else QColor("#f85149"))
            p.fillRect(QRectF(bar.x(), bar.y(), bar.width() * frac(self.rms_db[i]), bar.height()),
                       colour.darker(140))
            p.fillRect(QRectF(bar.x() + bar.width() * peak - 2, bar.y(), 2, bar.height()), colour)
            clip = QRectF(bar.right() + 6, y + 2, clip_w, h - 4)
            p.fillRect(clip, QColor("#f85149") if clips[i] else QColor("#3a3a3a"))
            p.setPen(QColor("white"))
            p.drawText(clip, Qt.AlignmentFlag.AlignCenter, "CLIP")
        p.end()
