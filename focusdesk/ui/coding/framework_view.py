"""Framework matrix view: participants × themes; a cell shows its summary and how many quotes it
holds; selecting it shows the quotes and lets the researcher write the summary (saved as typed)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from focusdesk.analysis.data import StudyData
from focusdesk.analysis.framework import FrameworkMatrix, default_themes, framework_matrix, set_summary
from focusdesk.analysis.matrices import case_variables
from focusdesk.store.codes import root_code_ids
from focusdesk.ui.coding.common import colour_icon, heat, text_on


class FrameworkView(QWidget):
    play_passage = Signal(object)

    def __init__(self, db_source, parent=None):
        super().__init__(parent)
        self._db_source = db_source
        self.fm: FrameworkMatrix | None = None
        self.themes = QComboBox()
        self.themes.addItem("Themes (codes without sub-codes)", "leaves")
        self.themes.addItem("Domains (top-level codes)", "roots")
        self.cases = QComboBox()
        data = StudyData(self.db)
        self.cases.addItem("All cases", None)
        for var in case_variables(data):
            for val in sorted({c.variable(var) for c in data.cases.values() if c.variable(var)}):
                self.cases.addItem(f"{var} = {val}", f"{var}={val}")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Columns:"))
        bar.addWidget(self.themes)
        bar.addWidget(QLabel("Cases:"))
        bar.addWidget(self.cases)
        bar.addStretch(1)
        self.themes.currentIndexChanged.connect(lambda *_: self.reload())
        self.cases.currentIndexChanged.connect(lambda *_: self.reload())
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.currentCellChanged.connect(lambda *_: self._show_cell())
        self.title = QLabel()
        self.quotes = QTextBrowser()
        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText("Summarise what this participant says about this theme…")
        self.summary.setMaximumHeight(110)
        self._timer = QTimer(self, singleShot=True, interval=500)
        self._timer.timeout.connect(self.save_summary)
        self.summary.textChanged.connect(self._edited)
        self._cell: tuple[int, int] | None = None
        self._loading = False
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.title)
        bl.addWidget(self.quotes, 1)
        bl.addWidget(QLabel("Summary (saved as you type):"))
        bl.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(bottom)
        split.setSizes([380, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split)
        self.reload()

    @property
    def db(self):
        return self._db_source()

    def reload(self) -> None:
        self.save_summary()  # as the coder it was typed by (the matrix's), before the matrix changes
        self._cell = None  # the new matrix may be another coder's: nothing of the old cell to save
        if self.themes.currentData() == "roots":
            themes = root_code_ids(self.db)
        else:
            themes = default_themes(self.db)
        where = dict([self.cases.currentData().split("=", 1)]) if self.cases.currentData() else None
        self.fm = fm = framework_matrix(self.db, themes, where=where)
        self.table.clear()
        self.table.setRowCount(len(fm.rows))
        self.table.setColumnCount(len(fm.columns))
        self.table.setVerticalHeaderLabels([f"{c.code} ({c.site})" if c.site else c.code for c in fm.rows])
        for n, t in enumerate(fm.columns):
            head = QTableWidgetItem(colour_icon(t.colour), t.name)
            head.setToolTip(t.path)
            self.table.setHorizontalHeaderItem(n, head)
        top = max((len(c.quotes) for c in fm.cells.values()), default=0)
        for r, case in enumerate(fm.rows):
            for c, theme in enumerate(fm.columns):
                cell = fm.cells.get((case.id, theme.id))
                n = len(cell.quotes) if cell else 0
                text = (cell.summary if cell and cell.summary else "") or (f"{n} quote(s)" if n else "")
                item = QTableWidgetItem(text)
                bg = heat(n, top, theme.colour)
                item.setBackground(QBrush(bg))
                item.setForeground(QBrush(text_on(bg)))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(240, max(110, self.table.columnWidth(c))))
        self._show_cell()

    def select_cell(self, participant_id: int, code_id: int) -> None:
        r = next(i for i, c in enumerate(self.fm.rows) if c.id == participant_id)
        c = next(i for i, t in enumerate(self.fm.columns) if t.id == code_id)
        self.table.setCurrentCell(r, c)

    def _show_cell(self) -> None:
        self.save_summary()
        r, c = self.table.currentRow(), self.table.currentColumn()
        self._loading = True
        if self.fm is None or r < 0 or c < 0:
            self._cell = None
            self.title.setText("Select a cell to read its quotes and write a summary.")
            self.quotes.clear()
            self.summary.clear()
            self.summary.setEnabled(False)
            self._loading = False
            return
        case, theme = self.fm.rows[r], self.fm.columns[c]
        self._cell = (case.id, theme.id)
        cell = self.fm.cells.get(self._cell)
        self.title.setText(f"<b>{case.code}</b> × <b>{theme.path}</b>")
        quotes = cell.quotes if cell else []
        others = [f"Summary by {who}: {text}" for who, text in (cell.other_summaries.items() if cell else [])]
        self.quotes.setPlainText("\n\n".join(others + [q.quote() for q in quotes]) or "No coded passages.")
        self.summary.setEnabled(True)
        self.summary.setPlainText(cell.summary if cell else "")
        self._loading = False

    def _edited(self) -> None:
        if not self._loading:
            self._timer.start()

    def can_close(self) -> bool:
        """Save typing still waiting for its timer (a tab or the window closing within half a
        second of the last key lost it)."""
        if self._timer.isActive():
            self.save_summary()
        return True

    def save_summary(self) -> None:
        self._timer.stop()
        if self._cell is None or self._loading or self.fm is None:
            return
        text = self.summary.toPlainText()
        cell = self.fm.cell(*self._cell)
        if text == cell.summary:
            return
        set_summary(self.db, self._cell[0], self._cell[1], text, self.fm.coder_id or None)
        cell.summary = text
        r, c = self.table.currentRow(), self.table.currentColumn()
        item = self.table.item(r, c)
        if item is not None and (self.fm.rows[r].id, self.fm.columns[c].id) == self._cell:
            item.setText(text or (f"{len(cell.quotes)} quote(s)" if cell.quotes else ""))
