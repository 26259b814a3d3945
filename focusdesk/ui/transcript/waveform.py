"""The waveform strip above the transcript: a zoomable window around the playback position.

It shows the audio's peaks, the playback position, markers and segment boundaries, plus a thin
overview of the whole session below; clicking either seeks. The waveform of the visible window
is drawn once into a pixmap and only re-rendered when the window pages on, so a position tick
costs one pixmap blit and a line (follow mode must stay cheap).
"""

from __future__ import annotations

import bisect

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from focusdesk.core.timefmt import format_ms
from focusdesk.ui.transcript.peaks import BUCKET_MS

OVERVIEW_H = 10


class WaveformStrip(QWidget):
    seek_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to play from there; scroll to zoom")
        self.duration_ms = 0
        self.position_ms = 0
        self.window_ms = 30_000
        self.window_start = 0
        self.boundaries: list[int] = []
        self.markers: list[tuple[int, str]] = []
        self._peaks: list[tuple[int, np.ndarray]] = []  # (offset_ms, (n, 2) peaks)
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple | None = None
        self.message = "No audio in this session"

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(800, 76)

    # --- data ------------------------------------------------------------------------------

    def set_duration(self, ms: int) -> None:
        self.duration_ms = max(0, int(ms))
        self._invalidate()

    def set_peaks(self, offset_ms: int, peaks: np.ndarray) -> None:
        self._peaks = [p for p in self._peaks if p[0] != offset_ms] + [(int(offset_ms), peaks)]
        self._peaks.sort(key=lambda p: p[0])
        end = max((o + len(p) * BUCKET_MS for o, p in self._peaks), default=0)
        self.duration_ms = max(self.duration_ms, end)
        self._invalidate()

    def set_boundaries(self, starts: list[int]) -> None:
        self.boundaries = sorted(starts)
        self._invalidate()

    def set_markers(self, markers: list[tuple[int, str]]) -> None:
        self.markers = sorted(markers)
        self._invalidate()

    def set_position(self, ms: int) -> None:
        ms = int(ms)
        if ms == self.position_ms:
            return
        self.position_ms = ms
        if not (self.window_start <= ms < self.window_start + self.window_ms * 0.9):
            self.window_start = max(0, ms - self.window_ms // 10)
            self._invalidate()
        else:
            self.update()

    def _invalidate(self) -> None:
        self._pixmap_key = None
        self.update()

    # --- geometry --------------------------------------------------------------------------

    def _wave_rect(self) -> QRect:
        return QRect(0, 0, self.width(), self.height() - OVERVIEW_H - 2)

    def _x_of(self, ms: int) -> float:
        return (ms - self.window_start) * self.width() / max(1, self.window_ms)

    def ms_at(self, x: float, y: float | None = None) -> int:
        if y is not None and y >= self.height() - OVERVIEW_H - 2 and self.duration_ms:
            return int(max(0.0, min(1.0, x / max(1, self.width()))) * self.duration_ms)
        return int(max(0, self.window_start + x * self.window_ms / max(1, self.width())))

    # --- events ----------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self.seek_requested.emit(self.ms_at(pos.x(), pos.y()))

    def wheelEvent(self, event) -> None:  # noqa: N802
        factor = 0.8 if event.angleDelta().y() > 0 else 1.25
        longest = max(60_000, self.duration_ms)
        self.window_ms = int(min(longest, max(5_000, self.window_ms * factor)))
        self.window_start = max(0, self.position_ms - self.window_ms // 10)
        self._invalidate()

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._invalidate()
        super().resizeEvent(event)

    # --- painting --------------------------------------------------------------------------

    def _render(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pm = QPixmap(self.size() * ratio)
        pm.setDevicePixelRatio(ratio)
        pm.fill(QColor("#fafafa"))
        p = QPainter(pm)
        wave = self._wave_rect()
        mid = wave.center().y()
        half = wave.height() / 2 - 2
        w = self.width()
        p.setPen(QColor("#e0e0e0"))
        p.drawLine(0, mid, w, mid)
        # Peaks for each pixel column of the window.
        p.setPen(QColor("#5c7da6"))
        per_px = self.window_ms / max(1, w)
        for offset, peaks in self._peaks:
            if not len(peaks):
                continue
            start_b = (self.window_start - offset) / BUCKET_MS
            edges = (start_b + np.arange(w + 1) * per_px / BUCKET_MS).astype(np.int64)
            valid = (edges[:-1] >= 0) & (edges[1:] <= len(peaks)) & (edges[1:] > 0)
            if not valid.any():
                continue
            cols = np.nonzero(valid)[0]
            lo_i = np.clip(edges[:-1][cols], 0, len(peaks) - 1)
            end = int(min(len(peaks), max(int(edges[1:][cols][-1]), int(lo_i[-1]) + 1)))
            mins = np.minimum.reduceat(peaks[:end, 0], lo_i)
            maxs = np.maximum.reduceat(peaks[:end, 1], lo_i)
            scale = half / max(1e-3, float(np.abs(peaks).max()))
            for c, lo, hi in zip(cols.tolist(), mins.tolist(), maxs.tolist()):
                p.drawLine(c, int(mid - hi * scale), c, int(mid - lo * scale))
        # Segment boundaries
        p.setPen(QPen(QColor(0, 0, 0, 60), 1))
        lo = bisect.bisect_left(self.boundaries, self.window_start)
        hi = bisect.bisect_right(self.boundaries, self.window_start + self.window_ms)
        for ms in self.boundaries[lo:hi]:
            x = int(self._x_of(ms))
            p.drawLine(x, wave.top(), x, wave.top() + 8)
            p.drawLine(x, wave.bottom() - 8, x, wave.bottom())
        # Markers
        p.setPen(QPen(QColor("#d84315"), 2))
        for ms, _label in self.markers:
            if self.window_start <= ms <= self.window_start + self.window_ms:
                x = int(self._x_of(ms))
                p.drawLine(x, wave.top(), x, wave.bottom())
        # Time labels
        p.setPen(QColor("#757575"))
        p.drawText(4, wave.bottom() - 2, format_ms(self.window_start))
        p.drawText(QRect(0, 0, w - 4, wave.bottom() - 2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                   format_ms(self.window_start + self.window_ms))
        if not self._peaks:
            p.drawText(wave, Qt.AlignmentFlag.AlignCenter, self.message)
        # Overview: the whole session
        ov = QRect(0, self.height() - OVERVIEW_H, w, OVERVIEW_H)
        p.fillRect(ov, QColor("#eceff1"))
        if self.duration_ms:
            p.setPen(QColor("#d84315"))
            for ms, _label in self.markers:
                x = int(ms * w / self.duration_ms)
                p.drawLine(x, ov.top(), x, ov.bottom())
            x0 = int(self.window_start * w / self.duration_ms)
            x1 = int((self.window_start + self.window_ms) * w / self.duration_ms)
            p.fillRect(QRect(x0, ov.top(), max(2, x1 - x0), OVERVIEW_H), QColor(21, 101, 192, 60))
        p.end()
        return pm

    def paintEvent(self, event) -> None:  # noqa: N802
        key = (self.width(), self.height(), self.window_start, self.window_ms)
        if self._pixmap is None or self._pixmap_key != key:
            self._pixmap = self._render()
            self._pixmap_key = key
        p = QPainter(self)
        p.drawPixmap(0, 0, self._pixmap)
        x = int(self._x_of(self.position_ms))
        p.setPen(QPen(QColor("#c62828"), 2))
        p.drawLine(x, 0, x, self._wave_rect().bottom())
        if self.duration_ms:
            ox = int(self.position_ms * self.width() / self.duration_ms)
            p.drawLine(ox, self.height() - OVERVIEW_H, ox, self.height())
        p.end()
