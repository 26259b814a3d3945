"""Study-wide search: type words, see hits with session, speaker and time; open or play one."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.timefmt import format_ms
from focusdesk.store.search import SearchHit, search

LIMIT = 500


class SearchPanel(QWidget):
    open_hit = Signal(object, bool)  # SearchHit, play

    def __init__(self, db, parent=None):
        super().__init__(parent)
        self.db = db
        self.hits: list[SearchHit] = []
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.query = QLineEdit(placeholderText='Search every transcript (words; "a phrase"; prefix: engag)')
        self.query.setClearButtonEnabled(True)
        open_b, play_b = QPushButton("Open"), QPushButton("Play")
        top.addWidget(self.query, 1)
        top.addWidget(open_b)
        top.addWidget(play_b)
        lay.addLayout(top)
        self.status = QLabel("Type to search the study.")
        lay.addWidget(self.status)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Session", "Speaker", "Time", "Text"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 160)
        self.tree.setColumnWidth(1, 110)
        self.tree.setColumnWidth(2, 80)
        lay.addWidget(self.tree, 1)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.run)
        self.query.textChanged.connect(lambda _t: self._debounce.start())
        self.query.returnPressed.connect(self.run)
        self.tree.itemActivated.connect(lambda item, _c: self._emit(item, play=False))
        open_b.clicked.connect(lambda: self._emit(self.tree.currentItem(), play=False))
        play_b.clicked.connect(lambda: self._emit(self.tree.currentItem(), play=True))

    def run(self) -> None:
        self._debounce.stop()
        text = self.query.text().strip()
        self.tree.clear()
        self.hits = []
        if not text:
            self.status.setText("Type to search the study.")
            return
        try:
            self.hits = search(self.db, text, limit=LIMIT)
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        items = []
        for i, h in enumerate(self.hits):
            item = QTreeWidgetItem([h.session_name, h.speaker, format_ms(h.ms), h.snippet.replace("\n", " ")])
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            items.append(item)
        self.tree.addTopLevelItems(items)
        n = len(self.hits)
        more = " (the first ones; add a word to narrow the search)" if n >= LIMIT else ""
        self.status.setText(f"{n} match{'es' if n != 1 else ''}{more}" if n else "No matches.")
        if items:
            self.tree.setCurrentItem(items[0])

    def _emit(self, item, play: bool) -> None:
        if item is None:
            return
        self.open_hit.emit(self.hits[item.data(0, Qt.ItemDataRole.UserRole)], play)
