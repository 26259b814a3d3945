"""The pacing bar: time spent in each section of the guide against its planned minutes."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QWidget

from focusdesk.core.live import SectionPace
from focusdesk.core.timefmt import format_ms

ROW_H = 20


class PacingBar(QWidget):
    """A row per section: the frame is the planned time, the fill is the time spent so far.

    Over time turns the fill red; the current section is drawn bold.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[SectionPace] = []

    def set_rows(self, rows: list[SectionPace]) -> None:
        self.rows = rows
        self.setMinimumHeight(ROW_H * max(1, len(rows)) + 4)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(360, ROW_H * max(1, len(self.rows)) + 4)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        longest = max([r.planned_ms or 0 for r in self.rows] + [r.spent_ms for r in self.rows] + [1])
        title_w = min(170, self.width() // 3)
        text_w = 92
        width = max(10, self.width() - title_w - text_w - 8)
        for i, row in enumerate(self.rows):
            y = 2 + i * ROW_H
            font = QFont(self.font())
            font.setBold(row.current)
            p.setFont(font)
            p.setPen(self.palette().text().color())
            title = p.fontMetrics().elidedText(row.title, Qt.TextElideMode.ElideRight, title_w - 6)
            p.drawText(QRectF(0, y, title_w - 6, ROW_H), Qt.AlignmentFlag.AlignVCenter, title)
            planned = (row.planned_ms or 0) / longest * width
            spent = row.spent_ms / longest * width
            fill = QColor("#f85149") if row.over else (QColor("#58a6ff") if row.current else QColor("#8b949e"))
            p.fillRect(QRectF(title_w, y + 4, spent, ROW_H - 8), fill)
            if row.planned_ms:
                p.setPen(QColor("#c9d1d9"))
                p.drawRect(QRectF(title_w, y + 3, planned, ROW_H - 6))
            p.setPen(self.palette().text().color())
            plan = f"{row.planned_ms // 60000}m" if row.planned_ms else "–"
            p.drawText(QRectF(title_w + width + 6, y, text_w, ROW_H), Qt.AlignmentFlag.AlignVCenter,
                       f"{format_ms(row.spent_ms)[3:]} / {plan}")
        p.end()
