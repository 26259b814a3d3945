"""Intercoder agreement (Analysis menu): the per-code table with heat colours, and the
disagreements of two coders, each with its passage, both codings and keep A / keep B / keep both /
neither, which write the consensus coding (``store/consensus.py``)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.analysis.agreement_study import AgreementTable, agreement_table
from focusdesk.core.timefmt import format_ms
from focusdesk.store import coders as coder_store
from focusdesk.store import transcripts
from focusdesk.store.consensus import Choice, passage, settle
from focusdesk.ui.errors import guarded

COLUMNS = ["Session", "Code", "Units", "Agreement %", "Kappa", "Alpha", "Overlap %"]


def heat(value: float | None) -> QColor | None:
    """Red (0 or below) through yellow to green (1) for a kappa or alpha."""
    if value is None:
        return None
    v = max(0.0, min(1.0, value))
    return QColor.fromHsvF(v / 3, 0.45, 1.0)


class AgreementView(QWidget):
    settled = Signal(int)  # session id whose codings the consensus changed

    def __init__(self, db_fn, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db_fn
        self.table_data: AgreementTable | None = None
        self.coder_a, self.coder_b = QComboBox(), QComboBox()
        self.unit = QComboBox()
        self.unit.addItem("Seconds", "second")
        self.unit.addItem("Transcript segments", "segment")
        self.overlap = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, value=0.9)
        compute = QPushButton("&Compare")
        compute.clicked.connect(guarded(self.reload, self))
        top = QHBoxLayout()
        for label, w in (("Coder A", self.coder_a), ("Coder B", self.coder_b), ("Unit", self.unit),
                         ("Overlap", self.overlap)):
            top.addWidget(QLabel(label))
            top.addWidget(w)
        top.addWidget(compute)
        top.addStretch(1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.disagreements = QListWidget()
        self.disagreements.currentItemChanged.connect(lambda *_: self._show_current())
        self.detail = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons: dict[Choice, QPushButton] = {}
        row = QHBoxLayout()
        for choice, text in ((Choice.KEEP_A, "Keep &A"), (Choice.KEEP_B, "Keep &B"),
                             (Choice.KEEP_BOTH, "Keep b&oth"), (Choice.NEITHER, "&Neither")):
            b = QPushButton(text)
            b.clicked.connect(guarded(lambda _=False, c=choice: self.choose(c), self))
            row.addWidget(b)
            self.buttons[choice] = b
        row.addStretch(1)
        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("Disagreements"))
        lv.addWidget(self.disagreements, 1)
        lv.addWidget(self.detail)
        lv.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._fill_coders()
        self._enable_buttons()

    @property
    def db(self):
        return self._db()

    def _fill_coders(self) -> None:
        names = [c.name for c in coder_store.list_coders(self.db) if c.name != coder_store.CONSENSUS]
        for i, combo in enumerate((self.coder_a, self.coder_b)):
            keep = combo.currentText()
            combo.clear()
            combo.addItems(names)
            if keep in names:
                combo.setCurrentText(keep)
            elif len(names) > i:
                combo.setCurrentIndex(i)

    def reload(self) -> None:
        self._fill_coders()
        a, b = self.coder_a.currentText(), self.coder_b.currentText()
        self.table.setRowCount(0)
        self.disagreements.clear()
        if not a or not b or a == b:
            self.detail.setText("Choose two different coders to compare.")
            self.table_data = None
            return
        self.table_data = agreement_table(self.db, [a, b], self.unit.currentData(), self.overlap.value())
        rows = self.table_data.rows()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [row["scope"], row["code"], str(row["units"]), _f(row["percent"], 1), _f(row["kappa"]),
                     _f(row["alpha"]), _f(row["overlap"], 1)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                colour = heat(row["kappa"]) if c in (3, 4) else heat(row["alpha"]) if c == 5 else None
                if colour is not None:
                    item.setBackground(colour)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        names = self.table_data.session_names
        for sa in self.table_data.result.sessions:
            for code_id, start, end in sa.disagreements:
                item = QListWidgetItem(f"{names.get(sa.session_id, '')}  {format_ms(start)}–{format_ms(end)}  "
                                       f"{self.table_data.code_paths.get(code_id, '')}")
                item.setData(Qt.ItemDataRole.UserRole, (sa.session_id, code_id, start, end))
                self.disagreements.addItem(item)
        self.detail.setText(f"{self.disagreements.count()} disagreement(s)." if self.disagreements.count()
                            else "No disagreements.")
        if self.disagreements.count():
            self.disagreements.setCurrentRow(0)
        self._enable_buttons()

    def _ids(self) -> tuple[int, int]:
        return (coder_store.coder_by_name(self.db, self.coder_a.currentText()).id,
                coder_store.coder_by_name(self.db, self.coder_b.currentText()).id)

    def _enable_buttons(self) -> None:
        for b in self.buttons.values():
            b.setEnabled(self.disagreements.currentItem() is not None)

    def _show_current(self) -> None:
        self._enable_buttons()
        item = self.disagreements.currentItem()
        if item is None:
            return
        sid, code_id, start, end = item.data(Qt.ItemDataRole.UserRole)
        a, b = self._ids()
        lo, hi, of_a, of_b = passage(self.db, sid, code_id, start, end, a, b)
        names = transcripts.speaker_names(self.db, sid)
        text = " ".join(f"{names.get(s.speaker_id, '')}: {s.text}".strip(": ")
                        for s in transcripts.list_segments(self.db, sid, with_words=False)
                        if s.start_ms < hi and s.end_ms > lo)

        def spans(cs) -> str:
            return ", ".join(f"{format_ms(c.start_ms)}–{format_ms(c.end_ms)}" for c in cs) or "not coded"

        self.detail.setText(f"{format_ms(lo)}–{format_ms(hi)}  {text}\n"
                            f"{self.coder_a.currentText()}: {spans(of_a)}\n"
                            f"{self.coder_b.currentText()}: {spans(of_b)}")

    def choose(self, choice: Choice) -> None:
        """Settle the selected disagreement and take it off the list."""
        item = self.disagreements.currentItem()
        if item is None:
            return
        sid, code_id, start, end = item.data(Qt.ItemDataRole.UserRole)
        a, b = self._ids()
        settle(self.db, sid, code_id, start, end, choice, a, b)
        self.disagreements.takeItem(self.disagreements.row(item))
        self.settled.emit(sid)
        self._show_current()


def _f(v: float | None, digits: int = 3) -> str:
    return "" if v is None else f"{v:.{digits}f}"
