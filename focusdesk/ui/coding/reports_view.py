"""Topic coverage (time per guide item per session, questions never asked), topic sections
(adjustable start and end) and talk time per speaker."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.analysis import sections as sec
from focusdesk.analysis.coverage import topic_coverage
from focusdesk.analysis.matrices import talk_time
from focusdesk.core.timefmt import format_ms, parse_time
from focusdesk.store.sessions import session_names
from focusdesk.ui.coding.charts import BarChart

SECTION_ID = Qt.ItemDataRole.UserRole


class CoverageView(QWidget):
    def __init__(self, db_source, parent=None):
        super().__init__(parent)
        self._db_source = db_source
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Guide item", "Time", "Planned", "Asked"])
        self.tree.setColumnWidth(0, 460)
        self.sections = QTableWidget(0, 4)
        self.sections.setHorizontalHeaderLabels(["Item", "From", "To", "Adjusted"])
        self.sections.itemChanged.connect(self._edited)
        self.session = QComboBox()
        reset = QPushButton("Follow the markers again")
        reset.clicked.connect(self._reset)
        top = QHBoxLayout()
        top.addWidget(QLabel("Topic sections of"))
        top.addWidget(self.session, 1)
        top.addWidget(reset)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addWidget(QLabel("Edit From/To to adjust a section; adjusted sections stay when markers change."))
        ll.addWidget(self.sections)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._loading = False
        for sid, name in session_names(self.db):
            self.session.addItem(name, sid)
        self.session.currentIndexChanged.connect(lambda *_: self._fill_sections())
        self.reload()

    @property
    def db(self):
        return self._db_source()

    def reload(self) -> None:
        self.tree.clear()
        for cov in topic_coverage(self.db):
            top = QTreeWidgetItem([cov.session, format_ms(cov.covered_ms), "",
                                   f"{len(cov.never_asked)} question(s) never asked" if cov.never_asked else ""])
            self.tree.addTopLevelItem(top)
            stack = [top]
            never = {q.key for q in cov.never_asked}
            for item in cov.items:
                del stack[item.depth + 1:]
                node = QTreeWidgetItem([item.text, format_ms(item.ms) if item.ms else "–",
                                        format_ms(item.planned_ms) if item.planned_ms else "",
                                        "never asked" if item.key in never else ""])
                if item.key in never:
                    node.setForeground(3, QBrush(QColor("#b00020")))
                stack[-1].addChild(node)
                stack.append(node)
        self.tree.expandToDepth(1)
        self._fill_sections()

    def _fill_sections(self) -> None:
        sid = self.session.currentData()
        self._loading = True
        found = sec.derive_sections(self.db, sid) if sid is not None else []
        self.sections.setRowCount(len(found))
        for r, s in enumerate(found):
            values = [s.text, format_ms(s.start_ms, True), format_ms(s.end_ms, True), "yes" if s.adjusted else ""]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setData(SECTION_ID, s.id)
                if c not in (1, 2):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.sections.setItem(r, c, item)
        self.sections.resizeColumnsToContents()
        self._loading = False

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._loading or item.column() not in (1, 2):
            return
        try:
            ms = parse_time(item.text())
            kwargs = {"start_ms": ms} if item.column() == 1 else {"end_ms": ms}
            sec.adjust_section(self.db, item.data(SECTION_ID), **kwargs)
        except (ValueError, LookupError) as exc:
            QMessageBox.warning(self, "Topic section", str(exc))
        self.reload()

    def _reset(self) -> None:
        r = self.sections.currentRow()
        if r >= 0:
            sec.reset_section(self.db, self.sections.item(r, 0).data(SECTION_ID))
            self.reload()


class TalkTimeView(QWidget):
    def __init__(self, db_source, parent=None):
        super().__init__(parent)
        self._db_source = db_source
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Session", "Speaker", "Talk time", "Share", "Turns"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.chart = BarChart()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.reload()

    @property
    def db(self):
        return self._db_source()

    def reload(self) -> None:
        rows = talk_time(self.db)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, v in enumerate([row.session, row.speaker, format_ms(row.talk_ms),
                                   f"{row.share * 100:.1f}%", str(row.turns)]):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        palette = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#c62828"]
        sessions = list(dict.fromkeys(r.session for r in rows))
        self.chart.set_bars([(f"{r.speaker} · {r.session}", r.talk_ms, format_ms(r.talk_ms),
                              palette[sessions.index(r.session) % len(palette)]) for r in rows],
                            "Talk time per speaker")
