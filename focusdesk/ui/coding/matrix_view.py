"""Code matrix view: codes × participants, sites, sessions or a case variable, as a heat-map
table (count, coded time, share of talk time) with a bar chart of the selected column."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.analysis.data import StudyData
from focusdesk.analysis.matrices import Matrix, code_matrix
from focusdesk.core.timefmt import format_ms
from focusdesk.ui.coding.charts import BarChart
from focusdesk.ui.coding.common import colour_icon, heat, text_on
from focusdesk.ui.fit import shrinkable

MEASURES = [("count", "Passages"), ("duration", "Coded time"), ("share", "Share of talk time")]


class MatrixView(QWidget):
    open_passages = Signal(object, object)  # column key (code id or "guide:key"), participant id or None

    def __init__(self, db_source, parent=None):
        super().__init__(parent)
        self._db_source = db_source
        self.matrix: Matrix | None = None
        self.rows = QComboBox()
        self.measure = QComboBox()
        for key, label in MEASURES:
            self.measure.addItem(label, key)
        self.sections = QCheckBox("Topic sections as columns")
        self.filter = QComboBox()
        self.filter.setToolTip("Keep only the cases with this value of a case variable")
        export = QPushButton("Export CSV…")
        export.clicked.connect(self.export_csv)
        controls = QHBoxLayout()
        for label, w in (("Rows:", self.rows), ("Measure:", self.measure), ("Cases:", self.filter)):
            controls.addWidget(QLabel(label))
            controls.addWidget(shrinkable(w, 10))  # long variable values must not widen the window
        controls.addStretch(1)
        options = QHBoxLayout()  # a second row: one row is wider than a laptop leaves the tab
        options.addWidget(self.sections)
        options.addStretch(1)
        options.addWidget(export)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(self._open_cell)
        self.table.currentCellChanged.connect(lambda *_: self._chart())
        self.chart = BarChart()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([420, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(options)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)
        self._fill_choices()
        for w in (self.rows, self.measure, self.filter):
            w.currentIndexChanged.connect(lambda *_: self.reload())
        self.sections.toggled.connect(lambda *_: self.reload())
        self.reload()

    @property
    def db(self):
        return self._db_source()

    def _fill_choices(self) -> None:
        data = StudyData(self.db)
        variables = sorted({k for c in data.cases.values() for k in c.attributes}, key=str.casefold)
        self.rows.blockSignals(True)
        self.filter.blockSignals(True)
        self.rows.clear()
        for key, label in (("participant", "Participants"), ("site", "Sites"), ("session", "Sessions"),
                           ("role", "Role")):
            self.rows.addItem(label, key)
        for v in variables:
            self.rows.addItem(f"Case variable: {v}", f"attr:{v}")
        self.filter.clear()
        self.filter.addItem("All cases", None)
        for var in ["site", "role"] + variables:
            values = sorted({c.variable(var) for c in data.cases.values() if c.variable(var)})
            for val in values:
                self.filter.addItem(f"{var} = {val}", f"{var}={val}")
        self.rows.blockSignals(False)
        self.filter.blockSignals(False)

    def set_rows(self, key: str) -> None:
        self.rows.setCurrentIndex(max(0, self.rows.findData(key)))

    def set_measure(self, key: str) -> None:
        self.measure.setCurrentIndex(max(0, self.measure.findData(key)))

    def reload(self) -> None:
        where = dict([self.filter.currentData().split("=", 1)]) if self.filter.currentData() else None
        self.matrix = code_matrix(self.db, rows=self.rows.currentData() or "participant",
                                  include_sections=self.sections.isChecked(), where=where)
        self._fill_table()

    def _fill_table(self) -> None:
        m, measure = self.matrix, self.measure.currentData()
        self.table.clear()
        self.table.setColumnCount(len(m.columns))
        self.table.setRowCount(len(m.rows))
        for n, col in enumerate(m.columns):
            head = QTableWidgetItem(colour_icon(col.colour), col.label.rsplit("/", 1)[-1])
            head.setToolTip(col.label)
            self.table.setHorizontalHeaderItem(n, head)
        self.table.setVerticalHeaderLabels([label for _, label in m.rows])
        top = m.max_value(measure)
        for r, (rkey, rlabel) in enumerate(m.rows):
            for c, col in enumerate(m.columns):
                value = m.value(rkey, col.key, measure)
                item = QTableWidgetItem(m.formatted(rkey, col.key, measure))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                bg = heat(value, top, "#1565c0")
                item.setBackground(QBrush(bg))
                item.setForeground(QBrush(text_on(bg)))
                cell = m.cell(rkey, col.key)
                item.setToolTip(f"{rlabel} × {col.label}\n{cell.count} passage(s), {format_ms(cell.duration_ms)}"
                                + (f", {cell.share * 100:.1f}% of talk time" if cell.share else ""))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(150, self.table.columnWidth(c)))
        talk = ", ".join(f"{label} {format_ms(m.talk_ms.get(k, 0))}" for k, label in m.rows[:12])
        self.note.setText(f"Talk time per row: {talk}. Double-click a cell to read its passages.")
        self._chart()

    def _chart(self) -> None:
        m, measure = self.matrix, self.measure.currentData()
        if m is None or not m.columns:
            self.chart.set_bars([])
            return
        col = max(0, self.table.currentColumn())
        column = m.columns[min(col, len(m.columns) - 1)]
        bars = [(label, m.value(rkey, column.key, measure), m.formatted(rkey, column.key, measure), column.colour)
                for rkey, label in m.rows]
        self.chart.set_bars(bars, f"{column.label} by {m.row_kind}")

    def _open_cell(self, row: int, col: int) -> None:
        m = self.matrix
        rkey = m.rows[row][0]
        self.open_passages.emit(m.columns[col].key, rkey if m.row_kind == "participant" else None)

    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export matrix", "matrix.csv", "CSV (*.csv)")
        if path:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(self.matrix.to_csv(self.measure.currentData()))
