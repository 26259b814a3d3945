"""Keeping views inside a laptop screen (1366x768): content that may be wider or taller than the
room it gets scrolls, long text wraps or elides, and choice boxes do not size themselves to
their longest item. A widget's minimum size travels up to the window, which Qt then resizes
past the screen's edge; these helpers keep each view's minimum small."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QScrollArea,
    QStyledItemDelegate,
    QWidget,
)


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


class ElideMiddle(QStyledItemDelegate):
    """Items of a list drawn no wider than its viewport, long text shortened in the middle
    ("Added burden/A very … theme"), so the list never scrolls sideways and the end of a name
    (the most specific part of a code's path) stays visible; the full text belongs in the
    item's tooltip."""

    def __init__(self, view: QAbstractItemView):
        super().__init__(view)
        self.view = view
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setItemDelegate(self)
        if isinstance(view, QListView):
            view.setResizeMode(QListView.ResizeMode.Adjust)  # lay items out again on resize

    def _room(self) -> int:
        return max(40, self.view.viewport().width())

    def paint(self, painter, option, index) -> None:
        option.rect.setWidth(min(option.rect.width(), self._room() - option.rect.x()))
        super().paint(painter, option, index)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt name)
        hint = super().sizeHint(option, index)
        return QSize(min(hint.width(), self._room()), hint.height())


def elide_middle(view: QAbstractItemView) -> ElideMiddle:
    """Give ``view`` the :class:`ElideMiddle` delegate (kept alive by the view)."""
    return ElideMiddle(view)
