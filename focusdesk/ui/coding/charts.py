"""A horizontal bar chart drawn with QPainter: enough for talk time and code totals, no extra
dependency (QtCharts is optional in PySide6 wheels)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class BarChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = ""
        self.bars: list[tuple[str, float, str, str]] = []  # label, value, value text, colour
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(80)

    def set_bars(self, bars: list[tuple[str, float, str, str]], title: str = "") -> None:
        self.bars, self.title = bars, title
        self.setMinimumHeight(30 + 22 * max(1, len(bars)))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(400, 30 + 22 * max(1, len(self.bars)))

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        fm = p.fontMetrics()
        top = 6
        if self.title:
            p.setPen(QColor("#222222"))
            p.drawText(8, top + fm.ascent(), self.title)
            top += fm.height() + 6
        if not self.bars:
            p.setPen(QColor("#777777"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing to show yet")
            return
        label_w = min(self.width() // 3, max(fm.horizontalAdvance(b[0]) for b in self.bars) + 12)
        value_w = max(fm.horizontalAdvance(b[2]) for b in self.bars) + 12
        span = max(10, self.width() - label_w - value_w - 16)
        top_value = max(b[1] for b in self.bars) or 1
        for n, (label, value, text, colour) in enumerate(self.bars):
            y = top + n * 22
            p.setPen(QColor("#222222"))
            elided = fm.elidedText(label, Qt.TextElideMode.ElideMiddle, label_w - 8)
            p.drawText(QRectF(8, y, label_w - 8, 18), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, elided)
            w = span * value / top_value
            p.fillRect(QRectF(label_w + 4, y + 3, max(1.0, w), 14), QColor(colour))
            p.drawText(QRectF(label_w + 8 + w, y, value_w, 18), Qt.AlignmentFlag.AlignVCenter, text)
