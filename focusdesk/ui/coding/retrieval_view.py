"""Retrieval view: every passage of a code or topic section across the study, with who said it,
where and when; play a passage, copy it as a quote with its attribution."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from focusdesk.analysis.retrieval import Passage, passages
from focusdesk.analysis.sections import ensure_sections, guide_columns
from focusdesk.core.timefmt import format_ms
from focusdesk.store import frame_ops as fo
from focusdesk.store.study import list_participants
from focusdesk.ui.coding.common import colour_icon

COLUMNS = ["Speaker", "Site", "Session", "From", "To", "Code", "Text", "Memo"]

class RetrievalView(QWidget):
    play_passage = Signal(object)  # Passage

    def __init__(self, db_source, parent=None):
        super().__init__(parent)
        self._db_source = db_source
        self.found: list[Passage] = []
        self.code = QComboBox()
        self.code.setMinimumWidth(280)
        self.children_box = QCheckBox("with sub-codes")
        self.children_box.setChecked(True)
        self.who = QComboBox()
        top = QHBoxLayout()
        top.addWidget(QLabel("Code:"))
        top.addWidget(self.code, 1)
        top.addWidget(self.children_box)
        top.addWidget(QLabel("Participant:"))
        top.addWidget(self.who)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.currentCellChanged.connect(lambda *_: self._show())
        self.table.cellDoubleClicked.connect(lambda *_: self.play_current())
        self.preview = QTextBrowser()
        self.preview.setMaximumHeight(120)
        buttons = QHBoxLayout()
        for text, slot in (("&Play passage", self.play_current), ("&Copy quote", self.copy_quote),
                           ("Copy &all quotes", self.copy_all)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.count = QLabel()
        buttons.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        self.fill_choices()
        self.code.currentIndexChanged.connect(lambda *_: self.reload())
        self.who.currentIndexChanged.connect(lambda *_: self.reload())
        self.children_box.toggled.connect(lambda *_: self.reload())
        self.reload()

    @property
    def db(self):
        return self._db_source()

    def fill_choices(self) -> None:
        keep, keep_who = self.code.currentData(), self.who.currentData()
        self.code.blockSignals(True)
        self.who.blockSignals(True)
        self.code.clear()
        self.code.addItem("All codes", None)
        for c in fo.list_frame(self.db):
            self.code.addItem(colour_icon(c.colour), c.path, c.id)
        ensure_sections(self.db)
        for key, label in guide_columns(self.db):
            self.code.addItem(colour_icon("#607d8b"), label, key)
        self.who.clear()
        self.who.addItem("Everyone", None)
        for p in list_participants(self.db):
            self.who.addItem(p.code, p.id)
        self.code.setCurrentIndex(max(0, self.code.findData(keep)))
        self.who.setCurrentIndex(max(0, self.who.findData(keep_who)))
        self.code.blockSignals(False)
        self.who.blockSignals(False)

    def show_code(self, key, participant_id=None) -> None:
        self.code.blockSignals(True)
        self.who.blockSignals(True)
        self.code.setCurrentIndex(max(0, self.code.findData(key)))
        self.who.setCurrentIndex(max(0, self.who.findData(participant_id)))
        self.code.blockSignals(False)
        self.who.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        self.found = passages(self.db, self.code.currentData(), participant_id=self.who.currentData(),
                              include_children=self.children_box.isChecked())
        self.table.setRowCount(len(self.found))
        for r, p in enumerate(self.found):
            values = [p.speaker, p.site, p.session, format_ms(p.start_ms), format_ms(p.end_ms),
                      p.code_path, p.text, p.memo]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if c == 5:
                    item.setIcon(colour_icon(p.colour))
                if c == 6:
                    item.setToolTip(p.quote())
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(6, min(520, max(200, self.table.columnWidth(6))))
        self.count.setText(f"{len(self.found)} passage(s)")
        if self.found:
            self.table.selectRow(0)
        self._show()

    def current(self) -> Passage | None:
        row = self.table.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def _show(self) -> None:
        p = self.current()
        self.preview.setPlainText(p.quote() + (f"\n\nMemo: {p.memo}" if p.memo else "") if p else "")

    def play_current(self) -> None:
        p = self.current()
        if p is not None:
            self.play_passage.emit(p)

    def copy_quote(self) -> str:
        p = self.current()
        text = p.quote() if p else ""
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def copy_all(self) -> str:
        text = "\n\n".join(p.quote() for p in self.found)
        QGuiApplication.clipboard().setText(text)
        return text
