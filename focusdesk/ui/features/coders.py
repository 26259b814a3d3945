"""Coders in the window: who codes now (status bar; Code ▸ Coder…), whose codings are shown
(Code ▸ Show codings of), and the Agreement view (Analysis ▸ Intercoder agreement)."""

from __future__ import annotations

import getpass
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QVBoxLayout,
)

from focusdesk.core.changes import Change, Changes, Entity
from focusdesk.core.errors import UserError
from focusdesk.store import coders as coder_store
from focusdesk.ui.coding.agreement_view import AgreementView

AGREEMENT_KEY = "analysis:agreement"


def os_user() -> str:
    """The login name, to prefill "who is coding"; empty when the system cannot say."""
    try:
        return getpass.getuser()
    except Exception:  # no USER variable and no password entry (containers): just ask
        return ""


class CoderPrompt(QDialog):
    """Asked once per study: who is coding here, prefilled with the login name; existing coders
    are offered. Window-modal and opened with ``open()``, so nothing waits on it."""

    def __init__(self, parent, names: list[str], suggestion: str):
        super().__init__(parent)
        self.setWindowTitle("Coder")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Who is coding in this study? Every coding and memo you make will "
                                "be theirs. (Code ▸ Coder… switches later.)"))
        self.name = QComboBox(editable=True)
        self.name.setObjectName("coderName")
        self.name.addItems(names)
        self.name.setCurrentText(suggestion)
        layout.addWidget(self.name)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.on_accept = None  # callable(name): raises ValueError to keep the dialog open

    def accept(self) -> None:
        try:
            if self.on_accept is not None:
                self.on_accept(self.name.currentText())
        except ValueError as exc:  # a comma or an empty name: say so, keep what was typed
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


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
        window.study_opened.connect(self._on_study_opened)
        self._asked: set[Path] = set()  # studies asked about in this run (Cancel: not again)
        self.prompt: CoderPrompt | None = None
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

    def _on_study_opened(self) -> None:
        self.refresh()
        if self.window.interactive:  # a person at the screen; tests build windows without one
            self.ask_if_needed()

    def ask_if_needed(self) -> CoderPrompt | None:
        """Ask who is coding when nobody has said yet for this study (once per study, and once per
        run when cancelled); returns the open dialog, or None when there is nothing to ask."""
        root = self.window.workspace.root.resolve()
        if root in self._asked or not coder_store.needs_coder_choice(self.db):
            return None
        self._asked.add(root)
        names = [c.name for c in coder_store.list_coders(self.db) if c.name != coder_store.CONSENSUS]
        self.prompt = CoderPrompt(self.window, names, os_user() or coder_store.current_coder(self.db).name)
        self.prompt.on_accept = self._chosen
        self.prompt.open()
        return self.prompt

    def _chosen(self, name: str) -> None:
        self.use(name)  # marks the choice made, so the study never asks again

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

    def set_shown(self, coder_id: int, shown: bool) -> None:
        """Show or hide one coder's codings beside the others'."""
        try:
            coder_store.set_shown(self.db, coder_id, shown)
        except UserError as exc:
            self.window.status(str(exc))
            return
        self.window.changes.notify(Change(Entity.CODINGS))

    def _fill_shown_menu(self) -> None:
        """"All coders", then one checkable entry per coder: several may be shown at once."""
        menu = self.shown_menu
        menu.clear()
        shown = coder_store.shown_coders(self.db)
        every = QAction("All coders", menu, checkable=True, checked=shown is None)
        every.triggered.connect(lambda _=False: self.show_only(None))
        menu.addAction(every)
        menu.addSeparator()
        for c in coder_store.list_coders(self.db):
            action = QAction(c.name, menu, checkable=True, checked=shown is None or c.id in shown)
            action.triggered.connect(lambda on, i=c.id: self.set_shown(i, on))
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
