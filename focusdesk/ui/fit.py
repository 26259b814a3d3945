"""Keeping views inside a laptop screen (1366x768): content that may be wider or taller than the
room it gets scrolls, long text wraps or elides, and choice boxes do not size themselves to
their longest item. A widget's minimum size travels up to the window, which Qt then resizes
past the screen's edge; these helpers keep each view's minimum small."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QLineEdit, QScrollArea, QWidget


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: it fills the room it gets and scrolls when that
    is less than its own minimum, instead of forcing the window wider or taller."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def wrapping(text: str, parent: QWidget | None = None) -> QLabel:
    """A label whose text wraps to the width it gets (an unwrapped sentence sets a minimum
    width of its full length)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def shrinkable(combo: QComboBox, chars: int = 12) -> QComboBox:
    """A choice box as wide as ``chars`` characters at least, not as its longest item."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def chars_wide(edit: QLineEdit, chars: int = 20) -> QLineEdit:
    """A text field at least ``chars`` average characters wide."""
    edit.setMinimumWidth(QFontMetrics(edit.font()).averageCharWidth() * chars + 16)
    return edit


def elided(metrics: QFontMetrics, text: str, width: int) -> str:
    """``text`` shortened in the middle with "…" to fit ``width`` pixels."""
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(0, width))


def fit_to_screen(window: QWidget) -> None:
    """Shrink a top-level window that is larger than its screen's available area (a size kept
    from a bigger monitor, or the default on a small laptop)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    width, height = min(window.width(), room.width()), min(window.height(), room.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
