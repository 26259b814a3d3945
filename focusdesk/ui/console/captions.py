"""Captions under the recorder: the live transcript's last lines, the markers among them.

Each line is ``time  text`` with the guide item in force beside it; the unfinished tail shows in
grey italics until its words are stored. Clicking a caption (or Enter on it) marks a key quote at
its time; its context menu also anchors a note there. The panel only shows and asks: the console
owns the live job and stores the markers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.timefmt import format_ms

MS_ROLE = Qt.ItemDataRole.UserRole
KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "caption" | "marker" | "tail"
MAX_LINES = 300


class CaptionPanel(QWidget):
    quote_requested = Signal(int)  # session ms of the caption clicked
    note_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.enabled_box = QCheckBox("Live transcript")
        self.enabled_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.enabled_box.setToolTip("Transcribe while recording (this study), so the transcript "
                                    "is ready when you stop.")
        self.find_speakers = QCheckBox("Find speakers when I stop")
        self.find_speakers.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet("color: #666")
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(110)
        self.list.setToolTip("Click a line to mark it as a key quote; right-click for a note at "
                             "its time.")
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)  # Enter on the current line
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        top = QHBoxLayout()
        top.addWidget(self.enabled_box)
        top.addWidget(self.find_speakers)
        top.addStretch(1)
        top.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list)
        self._tail: QListWidgetItem | None = None

    # --- lines ---------------------------------------------------------------------------------

    def _insert(self, ms: int, text: str, kind: str) -> QListWidgetItem:
        """In time order (a caption arrives after the markers made while it was said)."""
        item = QListWidgetItem(text)
        item.setData(MS_ROLE, int(ms))
        item.setData(KIND_ROLE, kind)
        row = self.list.count()
        while row > 0:
            prev = self.list.item(row - 1)
            if prev.data(KIND_ROLE) != "tail" and prev.data(MS_ROLE) <= ms:
                break
            row -= 1
        self.list.insertItem(row, item)
        while self.list.count() > MAX_LINES:
            self.list.takeItem(0)
        self.list.scrollToBottom()
        return item

    def add_caption(self, ms: int, text: str, guide: str = "") -> QListWidgetItem:
        self.clear_tail()
        line = f"{format_ms(ms)}  {text}" + (f"    [{guide}]" if guide else "")
        return self._insert(ms, line, "caption")

    def add_marker(self, ms: int, what: str) -> QListWidgetItem:
        item = self._insert(ms, f"{format_ms(ms)}  ◆ {what}", "marker")
        item.setForeground(QBrush(QColor("#8250df")))
        return item

    def set_tail(self, ms: int, text: str) -> None:
        """The unfinished tail, replaced by each new guess and removed when stored."""
        self.clear_tail()
        item = QListWidgetItem(f"{format_ms(ms)}  {text} …")
        item.setData(MS_ROLE, int(ms))
        item.setData(KIND_ROLE, "tail")
        font = QFont(item.font())
        font.setItalic(True)
        item.setFont(font)
        item.setForeground(QBrush(QColor("#6e7781")))
        self.list.addItem(item)
        self.list.scrollToBottom()
        self._tail = item

    def clear_tail(self) -> None:
        if self._tail is not None:
            self.list.takeItem(self.list.row(self._tail))
            self._tail = None

    def last_caption_ms(self) -> int | None:
        """Where the newest caption (or the tail being said) begins."""
        for row in range(self.list.count() - 1, -1, -1):
            item = self.list.item(row)
            if item.data(KIND_ROLE) in ("caption", "tail"):
                return int(item.data(MS_ROLE))
        return None

    def captions(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())
                if self.list.item(i).data(KIND_ROLE) == "caption"]

    # --- asking --------------------------------------------------------------------------------

    def _clicked(self, item: QListWidgetItem) -> None:
        if item.data(KIND_ROLE) in ("caption", "tail"):
            self.quote_requested.emit(int(item.data(MS_ROLE)))

    def _menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(KIND_ROLE) == "marker":
            return
        ms = int(item.data(MS_ROLE))
        menu = QMenu(self)
        menu.addAction(f"Key quote at {format_ms(ms)}", lambda: self.quote_requested.emit(ms))
        menu.addAction(f"Note at {format_ms(ms)}…", lambda: self.note_requested.emit(ms))
        menu.exec(self.list.viewport().mapToGlobal(pos))
