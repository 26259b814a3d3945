"""Small helpers shared by the coding widgets."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPixmap


def colour_icon(colour: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(colour or "#888888"))
    return QIcon(pix)


def heat(value: float, maximum: float, colour: str = "#1565c0") -> QColor:
    """A background that gets stronger with the value (white for zero)."""
    if not maximum or value <= 0:
        return QColor("#ffffff")
    base = QColor(colour)
    alpha = 0.12 + 0.78 * min(1.0, value / maximum)
    r = round(255 + (base.red() - 255) * alpha)
    g = round(255 + (base.green() - 255) * alpha)
    b = round(255 + (base.blue() - 255) * alpha)
    return QColor(r, g, b)


def text_on(bg: QColor) -> QColor:
    return QColor("#000000") if bg.lightness() > 140 else QColor("#ffffff")

