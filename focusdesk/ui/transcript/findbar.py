"""Find and replace within the open session, over the editor's in-memory transcript.

Matches are found in the loaded segments (no query per keystroke); Replace edits one turn and
Replace all is one undoable command over the session. Both go through the store, so word times
are preserved like any other edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QPushButton, QToolButton, QWidget

from focusdesk.ui.fit import chars_wide

FIELD_CHARS = 20  # the find and replace fields are at least this wide


@dataclass
class FoundAt:
    order: int  # segment order in the model
    start: int
    end: int


class FindBar(QWidget):
    find_changed = Signal()
    go_to = Signal(object)  # FoundAt
    replace_one = Signal(object, str)  # FoundAt, replacement
    replace_all = Signal(str, str, bool, bool)  # find, replacement, case, whole word
    closed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QGridLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setVerticalSpacing(2)
        self.find = chars_wide(QLineEdit(placeholderText="Find in this session"), FIELD_CHARS)
        self.replace = chars_wide(QLineEdit(placeholderText="Replace with"), FIELD_CHARS)
        self.case = QCheckBox("Aa")
        self.case.setToolTip("Match case")
        self.whole = QCheckBox("Whole word")
        self.count = QLabel()
        prev_b, next_b = QPushButton("Previous"), QPushButton("Next")
        one_b, all_b = QPushButton("Replace"), QPushButton("Replace all")
        close_b = QToolButton(text="✕")
        # Two rows: in one, the fields got what twelve controls left over (three characters).
        for col, w in enumerate((QLabel("Find:"), self.find, self.case, self.whole, prev_b, next_b,
                                 self.count)):
            lay.addWidget(w, 0, col)
        lay.addWidget(close_b, 0, 7)
        lay.addWidget(QLabel("Replace:"), 1, 0)
        lay.addWidget(self.replace, 1, 1)
        lay.addWidget(one_b, 1, 2, 1, 2)
        lay.addWidget(all_b, 1, 4, 1, 2)
        lay.setColumnStretch(1, 1)
        self.matches: list[FoundAt] = []
        self.index = -1
        self.segments_text: list[str] = []
        self.find.textChanged.connect(lambda _t: self.find_changed.emit())
        self.case.toggled.connect(lambda _c: self.find_changed.emit())
        self.whole.toggled.connect(lambda _c: self.find_changed.emit())
        self.find.returnPressed.connect(self.next)
        next_b.clicked.connect(self.next)
        prev_b.clicked.connect(self.previous)
        one_b.clicked.connect(self._replace_one)
        all_b.clicked.connect(self._replace_all)
        close_b.clicked.connect(self.close_bar)

    def pattern(self) -> re.Pattern | None:
        text = self.find.text()
        if not text:
            return None
        body = re.escape(text)
        if self.whole.isChecked():
            body = rf"(?<!\w){body}(?!\w)"
        return re.compile(body, 0 if self.case.isChecked() else re.IGNORECASE)

    def search(self, texts: list[str], from_order: int = 0) -> None:
        """Recompute matches over the segments' texts; the current match is the first at or
        after ``from_order``."""
        pattern = self.pattern()
        self.matches = []
        if pattern is not None:
            for order, text in enumerate(texts):
                self.matches.extend(FoundAt(order, m.start(), m.end()) for m in pattern.finditer(text))
        self.index = next((i for i, m in enumerate(self.matches) if m.order >= from_order), 0) - 1
        self._show_count()

    def _show_count(self) -> None:
        if not self.find.text():
            self.count.setText("")
        elif not self.matches:
            self.count.setText("no matches")
        else:
            self.count.setText(f"{max(0, self.index) + 1 if self.index >= 0 else 0} of {len(self.matches)}")

    def go_after(self, order: int, pos: int) -> None:
        """Make the first match at or after character ``pos`` of turn ``order`` current (after a
        replacement, so that a replacement containing the search text is not found again)."""
        if not self.matches:
            self._show_count()
            return
        self.index = next((i for i, m in enumerate(self.matches) if (m.order, m.start) >= (order, pos)), 0)
        self._show_count()
        self.go_to.emit(self.matches[self.index])

    def current(self) -> FoundAt | None:
        return self.matches[self.index] if 0 <= self.index < len(self.matches) else None

    def next(self) -> None:
        if self.matches:
            self.index = (self.index + 1) % len(self.matches)
            self._show_count()
            self.go_to.emit(self.matches[self.index])

    def previous(self) -> None:
        if self.matches:
            self.index = (self.index - 1) % len(self.matches)
            self._show_count()
            self.go_to.emit(self.matches[self.index])

    def _replace_one(self) -> None:
        found = self.current()
        if found is None:
            self.next()
            return
        self.replace_one.emit(found, self.replace.text())

    def _replace_all(self) -> None:
        if self.find.text():
            self.replace_all.emit(self.find.text(), self.replace.text(), self.case.isChecked(),
                                  self.whole.isChecked())

    def open_bar(self, text: str = "") -> None:
        if text:
            self.find.setText(text)
        self.show()
        self.find.setFocus()
        self.find.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()
