"""Auto-coding dialog: search a word or phrase, preview the hits, code the ones kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from focusdesk.analysis.autocode import AutoHit, apply_hits, find_hits
from focusdesk.core.timefmt import format_ms
from focusdesk.store import frame_ops as fo
from focusdesk.store.sessions import session_names
from focusdesk.ui.coding.common import colour_icon


class AutoCodeDialog(QDialog):
    def __init__(self, db, session_id: int | None = None, parent=None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Auto-code")
        self.resize(900, 560)
        self.hits: list[AutoHit] = []
        self.added = 0
        self.query = QLineEdit()
        self.query.setPlaceholderText("A word or phrase; end with * for a prefix (engag*)")
        self.query.returnPressed.connect(self.preview)
        self.code = QComboBox()
        for c in fo.list_frame(db):
            self.code.addItem(colour_icon(c.colour), c.path, c.id)
        self.unit = QComboBox()
        self.unit.addItem("The sentence around it", "sentence")
        self.unit.addItem("The whole turn", "turn")
        self.scope = QComboBox()
        self.scope.addItem("All sessions", None)
        for sid, name in session_names(db):
            self.scope.addItem(name, sid)
        if session_id is not None:
            self.scope.setCurrentIndex(max(0, self.scope.findData(session_id)))
        form = QFormLayout()
        form.addRow("Find", self.query)
        form.addRow("Code with", self.code)
        form.addRow("Code", self.unit)
        form.addRow("In", self.scope)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Code it", "Session", "Speaker", "Time", "Text"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel()
        preview = QPushButton("&Preview")
        preview.clicked.connect(self.preview)
        self.apply_button = QPushButton("&Code the ticked hits")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(preview)
        row.addWidget(self.apply_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def preview(self) -> list[AutoHit]:
        try:
            self.hits = find_hits(self.db, self.query.text(), self.scope.currentData(),
                                  self.unit.currentData(), self.code.currentData())
        except ValueError as exc:
            self.status.setText(str(exc))
            self.hits = []
        self.table.setRowCount(len(self.hits))
        for r, h in enumerate(self.hits):
            tick = QTableWidgetItem("already coded" if h.already_coded else "")
            tick.setFlags(tick.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            tick.setCheckState(Qt.CheckState.Unchecked if h.already_coded else Qt.CheckState.Checked)
            self.table.setItem(r, 0, tick)
            for c, v in enumerate([h.session, h.speaker, f"{format_ms(h.start_ms)}–{format_ms(h.end_ms)}", h.text], 1):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        if self.hits or not self.status.text():
            self.status.setText(f"{len(self.hits)} hit(s). Untick the ones that should not be coded.")
        self.apply_button.setEnabled(bool(self.hits))
        return self.hits

    def apply(self) -> int:
        kept = [h for r, h in enumerate(self.hits)
                if self.table.item(r, 0).checkState() == Qt.CheckState.Checked]
        added = apply_hits(self.db, self.code.currentData(), kept)
        self.added += added
        self.status.setText(f"Coded {added} passage(s) with {self.code.currentText()}.")
        self.preview()
        return added
