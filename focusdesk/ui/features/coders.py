"""Coders in the window: who codes now (status bar; Code ▸ Coder…), whose codings are shown
(Code ▸ Show codings of), and the Agreement view (Analysis ▸ Intercoder agreement)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QLabel

from focusdesk.core.changes import Change, Changes, Entity
from focusdesk.store import coders as coder_store
from focusdesk.ui.coding.agreement_view import AgreementView

AGREEMENT_KEY = "analysis:agreement"


class CodersFeature:
    def __init__(self, window):
        self.window = window
        self.label = QLabel()
        self.label.setObjectName("coderLabel")
        window.statusBar().addPermanentWidget(self.label)
        window.add_action("Code", "C&oder…", self.choose_coder)
        self.shown_menu = window.menu("Code").addMenu("&Show codings of")
        self.shown_menu.aboutToShow.connect(self._fill_shown_menu)
        window.add_action("Analysis", "Intercoder &agreement", self.open_agreement)
        window.changes.changed.connect(self._on_changes)
        self.refresh()

    @property
    def db(self):
        return self.window.workspace.db

    def refresh(self) -> None:
        self.label.setText(f"Coder: {coder_store.current_coder(self.db).name}")

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Entity.STUDY):
            self.refresh()
        if changes.touches(Entity.CODINGS, Entity.STUDY):  # an open Agreement view recomputes itself
            view = self.window.find_view(AGREEMENT_KEY)
            if view is not None:
                view.schedule_reload()

    def use(self, name: str) -> None:
        """Code as ``name`` from now on (a new name adds the coder)."""
        coder_store.use_coder(self.db, name, create=True)
        self.window.changes.notify(Change(Entity.STUDY))
        self.refresh()

    def choose_coder(self) -> None:
        names = [c.name for c in coder_store.list_coders(self.db)]
        current = coder_store.current_coder(self.db).name
        name, ok = QInputDialog.getItem(self.window, "Coder", "Who is coding now? (type a new name to add a coder)",
                                        names, names.index(current), True)
        if ok and name.strip():
            self.use(name)

    def show_only(self, coder_ids: list[int] | None) -> None:
        coder_store.show_coders(self.db, coder_ids)
        self.window.changes.notify(Change(Entity.CODINGS))

    def _fill_shown_menu(self) -> None:
        menu = self.shown_menu
        menu.clear()
        group = QActionGroup(menu)
        shown = coder_store.shown_coders(self.db)
        entries = [("All coders", None)] + [(c.name, [c.id]) for c in coder_store.list_coders(self.db)]
        for text, ids in entries:
            action = QAction(text, menu, checkable=True, checked=shown == ids)
            action.triggered.connect(lambda _=False, i=ids: self.show_only(i))
            group.addAction(action)
            menu.addAction(action)

    def open_agreement(self) -> AgreementView:
        view = self.window.find_view(AGREEMENT_KEY)
        if view is None:
            view = AgreementView(lambda: self.window.workspace.db,
                                 resolve=lambda path: self.window.workspace.resolve(path))
            view.settled.connect(lambda sid: self.window.changes.notify(Change(Entity.CODINGS, sid)))
        self.window.open_view("Agreement", view, key=AGREEMENT_KEY)
        view.reload()
        return view


def install(window) -> None:
    window.coders = CodersFeature(window)
