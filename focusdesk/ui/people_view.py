"""The People tab: participants, facilitators, sites and sessions as tables to edit and delete.

Double-click (or Enter) edits a row, the context menu and the buttons edit or delete it; a delete
asks first, saying what goes with it. Participants can be filtered by site. The tab re-reads
when the study's people, sites or sessions change, from here or elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.changes import Changes, Entity
from focusdesk.store import sessions, study, withdrawal
from focusdesk.ui import people_actions as pa
from focusdesk.ui import study_actions as sa
from focusdesk.ui.errors import guarded

VIEW_KEY = "people"
WATCHED = (Entity.PARTICIPANTS, Entity.FACILITATORS, Entity.SITES, Entity.SESSIONS)
ROLE_ID = Qt.ItemDataRole.UserRole


@dataclass
class TableSpec:
    noun: str
    columns: list[str]
    rows: Callable[[], list[tuple[int, list[str]]]]
    add: Callable[[], bool]
    edit: Callable[[int], bool]
    delete: Callable[[int], bool]


class PeopleTable(QWidget):
    """One entity's table with Add / Edit / Delete."""

    def __init__(self, spec: TableSpec, window, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.table = QTableWidget(0, len(spec.columns))
        self.table.setHorizontalHeaderLabels(spec.columns)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.edit_row(row))
        self.add_button = QPushButton(f"Add {spec.noun}…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete…")
        self.add_button.clicked.connect(guarded(lambda *_: spec.add(), window))
        self.edit_button.clicked.connect(guarded(lambda *_: self.edit_row(self.table.currentRow()), window))
        self.delete_button.clicked.connect(guarded(lambda *_: self.delete_row(self.table.currentRow()), window))
        self.table.itemSelectionChanged.connect(self._enable)
        self.top = QHBoxLayout()  # filters go here
        buttons = self.buttons = QHBoxLayout()  # a table may add its own (Withdraw…)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._window = window

    def reload(self) -> None:
        keep = self.current_id()
        rows = self.spec.rows()
        self.table.setRowCount(len(rows))
        for r, (row_id, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ROLE_ID, row_id)
                self.table.setItem(r, c, item)
        self.select(keep)
        self._enable()

    def ids(self) -> list[int]:
        return [self.table.item(r, 0).data(ROLE_ID) for r in range(self.table.rowCount())]

    def current_id(self) -> int | None:
        row = self.table.currentRow()
        return self.table.item(row, 0).data(ROLE_ID) if 0 <= row < self.table.rowCount() else None

    def select(self, row_id: int | None) -> None:
        if row_id in self.ids():
            self.table.selectRow(self.ids().index(row_id))

    def edit_row(self, row: int) -> bool:
        return 0 <= row < self.table.rowCount() and self.spec.edit(self.table.item(row, 0).data(ROLE_ID))

    def delete_row(self, row: int) -> bool:
        return 0 <= row < self.table.rowCount() and self.spec.delete(self.table.item(row, 0).data(ROLE_ID))

    def _enable(self) -> None:
        chosen = self.current_id() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def _menu(self, pos) -> None:
        row = self.table.rowAt(pos.y())
        if row < 0:
            return
        self.table.selectRow(row)
        menu = QMenu(self)
        menu.addAction("Edit…", guarded(lambda *_: self.edit_row(row), self._window))
        menu.addAction("Delete…", guarded(lambda *_: self.delete_row(row), self._window))
        menu.exec(self.table.viewport().mapToGlobal(pos))


class PeopleView(QWidget):
    TABS = ("participants", "facilitators", "sites", "sessions")

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.tabs = QTabWidget()
        self.site_filter = QComboBox()
        self.participants = PeopleTable(TableSpec(
            "participant", ["Code", "Site", "Role", "Consent", "Attributes", "Sessions"], self._participant_rows,
            lambda: sa.add_participant(window, self.site_filter.currentData()),
            lambda i: pa.edit_participant(window, i), lambda i: pa.delete_participant(window, i)), window)
        self.withdraw_button = QPushButton("Withdraw…")
        self.withdraw_button.clicked.connect(guarded(lambda *_: self._withdraw(), window))
        self.participants.buttons.addWidget(self.withdraw_button)
        self.participants.table.itemSelectionChanged.connect(self._enable_withdraw)
        self.participants.top.addWidget(QLabel("Site:"))
        self.participants.top.addWidget(self.site_filter)
        self.participants.top.addStretch(1)
        self.site_filter.currentIndexChanged.connect(lambda _i: self.participants.reload())
        self.facilitators = PeopleTable(TableSpec(
            "facilitator", ["Code", "Name", "Initials", "Sessions"], self._facilitator_rows,
            lambda: sa.add_facilitator(window),
            lambda i: pa.edit_facilitator(window, i), lambda i: pa.delete_facilitator(window, i)), window)
        self.sites = PeopleTable(TableSpec(
            "site", ["Name", "Notes", "Participants", "Sessions"], self._site_rows, lambda: sa.add_site(window),
            lambda i: pa.edit_site(window, i), lambda i: pa.delete_site(window, i)), window)
        self.sessions = PeopleTable(TableSpec(
            "session", ["Name", "Kind", "Site", "Date", "Participants", "Facilitators"], self._session_rows,
            lambda: sa.add_session(window),
            lambda i: pa.edit_session(window, i), lambda i: pa.delete_session(window, i)), window)
        for name in self.TABS:
            self.tabs.addTab(getattr(self, name), name.capitalize())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        window.changes.changed.connect(self._on_changes)
        self.reload()

    def _enable_withdraw(self) -> None:
        pid = self.participants.current_id()
        self.withdraw_button.setEnabled(
            pid is not None and not withdrawal.is_withdrawn(self.window.workspace.db, pid))

    def _withdraw(self) -> bool:
        from focusdesk.ui.withdraw_dialog import withdraw_participant

        pid = self.participants.current_id()
        return pid is not None and withdraw_participant(self.window, pid)

    def table(self, name: str) -> PeopleTable:
        return {"participants": self.participants, "facilitators": self.facilitators,
                "sites": self.sites, "sessions": self.sessions}[name]

    def show_tab(self, name: str, row_id: int | None = None) -> PeopleTable:
        table = self.table(name)
        self.tabs.setCurrentWidget(table)
        table.select(row_id)
        return table

    def reload(self) -> None:
        db = self.window.workspace.db
        chosen = self.site_filter.currentData()
        self.site_filter.blockSignals(True)
        self.site_filter.clear()
        self.site_filter.addItem("All sites", None)
        for s in study.list_sites(db):
            self.site_filter.addItem(s.name, s.id)
        self.site_filter.setCurrentIndex(max(0, self.site_filter.findData(chosen)))
        self.site_filter.blockSignals(False)
        for name in self.TABS:
            self.table(name).reload()
        self._enable_withdraw()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(*WATCHED):
            self.reload()

    # --- rows --------------------------------------------------------------------------------

    def _maps(self):
        db = self.window.workspace.db
        all_sessions = sessions.list_sessions(db)
        return db, {s.id: s.name for s in study.list_sites(db)}, all_sessions

    def _participant_rows(self) -> list[tuple[int, list[str]]]:
        db, sites, all_sessions = self._maps()
        out = []
        gone = withdrawal.withdrawn_codes(db)
        for p in study.list_participants(db, site_id=self.site_filter.currentData()):
            n = sum(p.id in s.participant_ids for s in all_sessions)
            code = f"{p.code} (withdrawn)" if p.id in gone else p.code
            out.append((p.id, [code, sites.get(p.site_id, ""), p.role, p.consent_date,
                               ", ".join(f"{k}={v}" for k, v in p.attributes.items()), str(n)]))
        return out

    def _facilitator_rows(self) -> list[tuple[int, list[str]]]:
        db, _sites, all_sessions = self._maps()
        return [(f.id, [f.code, f.name, f.initials, str(sum(f.id in s.facilitator_ids for s in all_sessions))])
                for f in study.list_facilitators(db)]

    def _site_rows(self) -> list[tuple[int, list[str]]]:
        db, _sites, all_sessions = self._maps()
        parts = study.list_participants(db)
        return [(s.id, [s.name, s.notes, str(sum(p.site_id == s.id for p in parts)),
                        str(sum(x.site_id == s.id for x in all_sessions))]) for s in study.list_sites(db)]

    def _session_rows(self) -> list[tuple[int, list[str]]]:
        db, sites, all_sessions = self._maps()
        codes = {p.id: p.code for p in study.list_participants(db)}
        facs = {f.id: f.code for f in study.list_facilitators(db)}
        return [(s.id, [s.name, s.kind.label, sites.get(s.site_id, ""), s.date,
                        ", ".join(codes[i] for i in s.participant_ids if i in codes),
                        ", ".join(facs[i] for i in s.facilitator_ids if i in facs)]) for s in all_sessions]


def open_people(window, tab: str = "participants", row_id: int | None = None) -> PeopleView:
    """Show the People tab (one per window), on ``tab`` with ``row_id`` selected."""
    view = window.find_view(VIEW_KEY)
    if not isinstance(view, PeopleView):
        view = PeopleView(window)
    window.open_view("People", view, key=VIEW_KEY)
    view.show_tab(tab, row_id)
    return view
