"""The study sidebar: sessions grouped by site, participants, topic guide, coding frame."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem

from focusdesk.core.timefmt import format_ms
from focusdesk.store import codes, guide, sessions, study, transcripts
from focusdesk.ui.errors import guarded

ROLE_KIND = Qt.ItemDataRole.UserRole
ROLE_ID = Qt.ItemDataRole.UserRole + 1


class StudySidebar(QTreeWidget):
    session_activated = Signal(object)

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setHeaderHidden(True)
        self.setMinimumWidth(220)
        self.setObjectName("studySidebar")
        self.currentItemChanged.connect(self._current_changed)
        self.itemClicked.connect(self._clicked)
        self.itemDoubleClicked.connect(lambda item, _col: self._edit(item))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def _group(self, title: str, empty_hint: str, count: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [f"{title} ({count})" if count else title])
        item.setData(0, ROLE_KIND, "group")
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        if not count:
            hint = QTreeWidgetItem(item, [empty_hint])
            hint.setForeground(0, QBrush(QColor("#777777")))
            hint.setData(0, ROLE_KIND, "hint")
            hint.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setExpanded(True)
        return item

    def reload(self) -> None:
        db = self.window.workspace.db
        selected = self.window.current_session_id()
        self.blockSignals(True)
        self.clear()
        sites = {s.id: s.name for s in study.list_sites(db)}
        all_sessions = sessions.list_sessions(db)
        group = self._group("Sessions", "No sessions yet — record one or import audio", len(all_sessions))
        by_site: dict[str, list] = {}
        for s in all_sessions:
            by_site.setdefault(sites.get(s.site_id, "No site"), []).append(s)
        site_ids = {name: sid for sid, name in sites.items()}
        for site_name in sorted(by_site):
            site_item = QTreeWidgetItem(group, [site_name])
            site_item.setData(0, ROLE_KIND, "site")
            site_item.setData(0, ROLE_ID, site_ids.get(site_name))
            site_item.setExpanded(True)
            for s in by_site[site_name]:
                dur = sum(r.duration_ms for r in transcripts.list_recordings(db, s.id))
                item = QTreeWidgetItem(site_item, [f"{s.name}  ({format_ms(dur)})" if dur else s.name])
                item.setData(0, ROLE_KIND, "session")
                item.setData(0, ROLE_ID, s.id)
                item.setToolTip(0, f"{s.name}\n{s.kind.label}\n{s.date or 'no date'}\n"
                                 f"{format_ms(dur) + ' of audio' if dur else 'no audio yet'}")
                if s.id == selected:
                    self.setCurrentItem(item)
        parts = study.list_participants(db)
        group = self._group("Participants", "No participants yet — Study ▸ Add participant", len(parts))
        for p in parts:
            item = QTreeWidgetItem(group, [f"{p.code}  {sites.get(p.site_id, '')}  {p.role}".rstrip()])
            item.setData(0, ROLE_KIND, "participant")
            item.setData(0, ROLE_ID, p.id)
        g = guide.load_guide(db)
        group = self._group("Topic guide", "No topic guide — Study ▸ Import topic guide", len(g.sections))
        for section in g.sections:
            sitem = QTreeWidgetItem(group, [section.text])
            sitem.setData(0, ROLE_KIND, "guide")
            sitem.setToolTip(0, section.text)
            for q in section.children:
                qitem = QTreeWidgetItem(sitem, [q.text])
                qitem.setToolTip(0, q.text)
                qitem.setData(0, ROLE_KIND, "guide")
        all_codes = codes.list_codes(db)
        group = self._group("Coding frame", "No codes — Study ▸ Import coding frame", len(all_codes))
        items: dict[int, QTreeWidgetItem] = {}
        for c in all_codes:
            item = QTreeWidgetItem(items.get(c.parent_id, group), [c.name])
            item.setForeground(0, QBrush(QColor(c.colour)))
            item.setToolTip(0, c.description or c.name)
            item.setData(0, ROLE_KIND, "code")
            item.setData(0, ROLE_ID, c.id)
            items[c.id] = item
        self.blockSignals(False)

    def select_session(self, session_id: int | None) -> None:
        for item in self._items():
            if item.data(0, ROLE_KIND) == "session" and item.data(0, ROLE_ID) == session_id:
                if self.currentItem() is not item:
                    self.blockSignals(True)
                    self.setCurrentItem(item)
                    self.blockSignals(False)
                return

    def _items(self):
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop()
            yield item
            stack.extend(item.child(i) for i in range(item.childCount()))

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        """A click on the session already selected opens it again (its tab may have been closed)."""
        if item.data(0, ROLE_KIND) == "session" and item.data(0, ROLE_ID) == self.window.current_session_id():
            self.session_activated.emit(item.data(0, ROLE_ID))

    def _current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and current.data(0, ROLE_KIND) == "session":
            self.session_activated.emit(current.data(0, ROLE_ID))

    # --- edit and delete from the list (double-click, context menu) ---------------------------

    def _target(self, item: QTreeWidgetItem | None) -> tuple[str, int] | None:
        if item is None or item.data(0, ROLE_ID) is None:
            return None
        kind = item.data(0, ROLE_KIND)
        return (kind, item.data(0, ROLE_ID)) if kind in ("session", "participant", "site") else None

    def _edit(self, item: QTreeWidgetItem) -> None:
        from focusdesk.ui import people_actions as pa

        target = self._target(item)
        if target is not None:
            kind, row_id = target
            edit = {"session": pa.edit_session, "participant": pa.edit_participant, "site": pa.edit_site}[kind]
            guarded(edit, self.window)(self.window, row_id)

    def _menu(self, pos) -> None:
        from focusdesk.ui import people_actions as pa
        from focusdesk.ui.people_view import open_people

        item = self.itemAt(pos)
        target = self._target(item)
        if target is None:
            return
        kind, row_id = target
        w = self.window
        edit = {"session": pa.edit_session, "participant": pa.edit_participant, "site": pa.edit_site}[kind]
        delete = {"session": pa.delete_session, "participant": pa.delete_participant, "site": pa.delete_site}[kind]
        menu = QMenu(self)
        menu.addAction("Session details…" if kind == "session" else "Edit…",
                       guarded(lambda *_: edit(w, row_id), w))
        menu.addAction("Delete…", guarded(lambda *_: delete(w, row_id), w))
        menu.addSeparator()
        menu.addAction("Show in People", guarded(lambda *_: open_people(w, kind + "s", row_id), w))
        menu.exec(self.viewport().mapToGlobal(pos))
