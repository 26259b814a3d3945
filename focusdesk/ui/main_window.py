"""The main window: study sidebar, tabbed views, menus, status bar.

Features plug in through ``focusdesk/ui/features/*.py`` (``install(window)``), installed in
workflow order from ``FEATURES``, and use only the public API below: ``workspace``, ``menu(name)``,
``add_action`` (every action runs through ``ui/errors.guarded``), ``open_view``,
``current_session_id``, ``session_changed``, ``study_opened``, ``interactive``, ``changes`` (say
what changed with ``changes.notify(Change(...))``; views subscribe to ``changes.changed``, see
``focusdesk/core/changes.py``), ``refresh()``, ``status()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from focusdesk import __version__
from focusdesk.core.changes import Changes, Entity
from focusdesk.core.hints import for_window
from focusdesk.store.workspace import Workspace, WorkspaceError
from focusdesk.ui import protection
from focusdesk.ui import settings as prefs
from focusdesk.ui.changes import ChangeHub
from focusdesk.ui.errors import guarded, report_problem
from focusdesk.ui.features import (
    backups,
    coder_copies,
    coders,
    coding,
    demo,
    diarization,
    export,
    live_console,
    queue,
    transcript_editor,
    transcription,
)
from focusdesk.ui.fit import fit_to_screen
from focusdesk.ui.home import HomeView
from focusdesk.ui.interfaces import ClosableView
from focusdesk.ui.sidebar import StudySidebar

log = logging.getLogger(__name__)

# What the sidebar lists, and what the Study tab adds (each session's progress).
SIDEBAR = (Entity.SITES, Entity.PARTICIPANTS, Entity.SESSIONS, Entity.RECORDINGS, Entity.CODES, Entity.GUIDE)
STUDY_TAB = (*SIDEBAR, Entity.STUDY, Entity.SEGMENTS, Entity.SPEAKERS, Entity.MARKERS, Entity.CODINGS)
TABS_MINIMUM = (360, 240)  # px; see fit.py
MENUS = ["&File", "&Study", "S&ession", "&Transcript", "&Code", "&Analysis", "E&xport", "&Help"]


def _import_audio_step(window: MainWindow) -> None:
    """Audio recorded elsewhere comes in where recording would: File ▸ Import and Session menu."""
    from focusdesk.ui import study_actions as sa

    window.add_action("Session", "&Import audio into session…", lambda: sa.import_audio(window),
                      needs_session=True)


# The workflow, in order: each step adds its actions to the menus, so menus read in this order.
FEATURES: tuple[Callable[[MainWindow], None], ...] = (
    live_console.install,       # record (and tag) a session
    _import_audio_step,         # or import its audio
    transcription.install,      # transcribe
    diarization.install,        # find speakers, name them
    queue.install,              # or every session's missing steps as a queue
    transcript_editor.install,  # edit the transcript
    coding.install,             # code, analyse
    coders.install,             # who codes; agreement and consensus
    coder_copies.install,       # a coder's own copy of the study, merged back
    export.install,             # export
    backups.install,            # backups and the audit log (Study menu), the rolling backup's timer
    demo.install,               # a finished example study to look at first (Help menu)
)


class MainWindow(QMainWindow):
    session_changed = Signal(object)  # session id or None
    study_opened = Signal()  # shown with a study, or switched to another (features refresh, ask)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        # True once start() shows the window to a person: first-start questions (who is coding)
        # are asked only then, so tests and scripts that build a window never wait on a dialog.
        self.interactive = False
        self._session_id: int | None = None
        self._menus: dict[str, QMenu] = {}
        self.changes = ChangeHub(self)
        self.resize(1280, 800)
        self.sidebar = StudySidebar(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        # A view's own minimum never widens the window past the screen: views scroll or wrap
        # inside the room they get (ui/fit.py), and the tabs ask for no more than this.
        self.tabs.setMinimumSize(*TABS_MINIMUM)
        self.home = HomeView(self)
        self.tabs.addTab(self.home, "Study")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 1000])
        self.setCentralWidget(splitter)
        self._status_label = QLabel()
        self.statusBar().addPermanentWidget(self._status_label)
        for name in MENUS:
            self._menus[name] = self.menuBar().addMenu(name)
        self._build_core_actions()
        self.sidebar.session_activated.connect(self.set_current_session)
        self.changes.changed.connect(self._on_changes)
        self._install_features()
        self._finish_help_menu()
        self.refresh()
        prefs.add_recent_workspace(str(workspace.root))
        geometry = prefs.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        fit_to_screen(self)  # a size kept from a bigger monitor, or the default on a laptop

    def start(self) -> None:
        """Show the window to a person (the app's start, not a test's)."""
        self.interactive = True
        self.show()
        self.study_opened.emit()

    # --- public API for features -------------------------------------------------------------

    def menu(self, name: str) -> QMenu:
        """A top-level menu by name, with or without '&' ("Session", "S&ession")."""
        plain = name.replace("&", "").casefold()
        for key, menu in self._menus.items():
            if key.replace("&", "").casefold() == plain:
                return menu
        menu = self.menuBar().addMenu(name)
        self._menus[name] = menu
        return menu

    def add_action(self, menu: str | QMenu, text: str, slot, shortcut: str | QKeySequence | None = None,
                   needs_session: bool = False) -> QAction:
        """An action in a top-level menu (by name) or a submenu (``import_menu``)."""
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        safe = guarded(slot, self)  # one error path: a message to act on, and the log
        action.triggered.connect(lambda _=False: safe())
        action.setProperty("needs_session", needs_session)
        action.setEnabled(not needs_session or self._session_id is not None)
        (menu if isinstance(menu, QMenu) else self.menu(menu)).addAction(action)
        return action

    def open_view(self, title: str, widget: QWidget, key: str | None = None) -> QWidget:
        """Show ``widget`` in a tab; with ``key``, an open tab with that key is reused."""
        key = key or title
        for i in range(self.tabs.count()):
            if self.tabs.widget(i).property("view_key") == key:
                old = self.tabs.widget(i)
                if old is not widget:
                    self.tabs.removeTab(i)
                    old.deleteLater()
                    break
                self.tabs.setCurrentIndex(i)
                return widget
        widget.setProperty("view_key", key)
        index = self.tabs.addTab(widget, title)
        self.tabs.setCurrentIndex(index)
        return widget

    def views(self, kind: type = QWidget) -> list:
        """The open tabs that are ``kind`` (e.g. every transcript editor, to refresh them)."""
        return [w for w in map(self.tabs.widget, range(self.tabs.count())) if isinstance(w, kind)]

    def find_view(self, key: str) -> QWidget | None:
        for i in range(self.tabs.count()):
            if self.tabs.widget(i).property("view_key") == key:
                return self.tabs.widget(i)
        return None

    def current_session_id(self) -> int | None:
        return self._session_id

    def set_current_session(self, session_id: int | None) -> None:
        self._session_id = session_id
        for action in self.findChildren(QAction):
            if action.property("needs_session"):
                action.setEnabled(session_id is not None)
        self.sidebar.select_session(session_id)
        self.session_changed.emit(session_id)
        self._update_title()

    def close_session_views(self, session_id: int) -> bool:
        """Close the tabs of one session (keys end in ``:<id>`` or ``-<id>``), before it is
        deleted; False when one refuses (a recording, unsaved typing)."""
        ends = (f":{session_id}", f"-{session_id}")
        for i in reversed(range(self.tabs.count())):
            widget = self.tabs.widget(i)
            if str(widget.property("view_key") or "").endswith(ends):
                if isinstance(widget, ClosableView) and not widget.can_close():
                    return False
                self.tabs.removeTab(i)
                widget.deleteLater()
        return True

    def status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(for_window(text), timeout_ms)  # no command to type

    def refresh(self) -> None:
        self.sidebar.reload()
        self.home.reload()
        self._update_title()

    # --- internals ---------------------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        """A transcription's segments refresh the Study tab's progress, not the sidebar."""
        if changes.touches(*SIDEBAR):
            self.sidebar.reload()
        if changes.touches(*STUDY_TAB):
            self.home.reload()
        if changes.touches(Entity.STUDY, Entity.SESSIONS):
            self._update_title()

    def _update_title(self) -> None:
        from focusdesk.store import sessions, study

        st = study.get_study(self.workspace.db)
        title = st.title if st else "No study yet"
        session = sessions.get_session(self.workspace.db, self._session_id) if self._session_id else None
        self.setWindowTitle(f"{title}{' — ' + session.name if session else ''} — focusdesk")
        self._status_label.setText(str(self.workspace.root))

    def _install_features(self) -> None:
        for install in FEATURES:
            install(self)

    def _build_core_actions(self) -> None:
        from focusdesk.ui import study_actions as sa
        from focusdesk.ui.people_view import open_people

        self.add_action("File", "&New study…", lambda: self._new_or_open(new=True), QKeySequence.StandardKey.New)
        self.add_action("File", "&Open study…", lambda: self._new_or_open(new=False), QKeySequence.StandardKey.Open)
        self.recent_menu = self.menu("File").addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.menu("File").addSeparator()
        # Everything that comes in from elsewhere, in one place (features add theirs).
        self.import_menu = self.menu("File").addMenu("&Import")
        self.import_audio_action = self.add_action(
            self.import_menu, "&Audio into this session…", lambda: sa.import_audio(self), "Ctrl+I",
            needs_session=True)
        self.menu("File").addSeparator()
        quit_action = self.add_action("File", "&Quit", self.close, QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.add_action("Study", "Study &details…", lambda: sa.edit_study(self))
        self.add_action("Study", "Add &site…", lambda: sa.add_site(self))
        self.add_action("Study", "Add &participant…", lambda: sa.add_participant(self), "Ctrl+Shift+P")
        self.add_action("Study", "Add &facilitator…", lambda: sa.add_facilitator(self))
        self.add_action("Study", "Add &session…", lambda: sa.add_session(self), "Ctrl+Shift+N")
        self.add_action("Study", "P&eople, sites and sessions…", lambda: open_people(self))
        self.menu("Study").addSeparator()
        self.add_action("Study", "Import topic &guide…", lambda: sa.import_guide(self))
        self.add_action("Study", "Import coding &frame…", lambda: sa.import_frame(self))
        protection.install(self)
        self.add_action("Session", "Session &details…", lambda: sa.edit_session(self), needs_session=True)

    def _finish_help_menu(self) -> None:
        from focusdesk.ui import help as help_menu

        help_menu.install(self)
        self.menu("Help").addSeparator()
        self.add_action("Help", "&Report a problem…", self.report_problem)
        about = self.add_action("Help", "&About focusdesk", self._about)
        about.setMenuRole(QAction.MenuRole.AboutRole)

    def _about(self) -> None:
        QMessageBox.about(
            self, "About focusdesk",
            f"<h3>focusdesk {__version__}</h3><p>Record, transcribe, code and export focus groups "
            "and interviews. Everything stays on this computer: transcription runs locally with "
            "Whisper, and focusdesk opens no network connection unless you ask for a model "
            f"download.</p><p>Study folder: {self.workspace.root}</p>")

    def report_problem(self) -> None:
        report_problem()
        self.status("Opened the log folder; version and system details are on the clipboard.", 10000)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in prefs.recent_workspaces():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.switch_workspace(Path(p)))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _new_or_open(self, new: bool) -> None:
        caption = "Choose an empty folder for the new study" if new else "Open a study folder"
        path = QFileDialog.getExistingDirectory(self, caption, str(self.workspace.root.parent))
        if path and (not new or protection.offer_protection(self, Path(path))):
            self.switch_workspace(Path(path), new=new)

    def switch_workspace(self, root: Path, new: bool = False) -> bool:
        if root.resolve() == self.workspace.root.resolve():
            return True
        try:
            ws = protection.open_study(self, root)  # a protected study asks for its passphrase
        except WorkspaceError as exc:
            QMessageBox.warning(self, "Cannot open study", str(exc))
            return False
        if ws is None:
            return False
        self.changes.discard()  # about the study being closed
        self.workspace.close()
        self.workspace = ws
        while self.tabs.count() > 1:
            widget = self.tabs.widget(1)
            self.tabs.removeTab(1)
            widget.deleteLater()
        prefs.add_recent_workspace(str(root))
        self.set_current_session(None)
        self.refresh()
        if new:
            from focusdesk.ui import study_actions as sa

            sa.edit_study(self)
        self.study_opened.emit()
        return True

    def _close_tab(self, index: int) -> None:
        if index == 0:
            return
        widget = self.tabs.widget(index)
        if isinstance(widget, ClosableView) and not widget.can_close():
            return
        self.tabs.removeTab(index)
        widget.deleteLater()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        """The one close path (File ▸ Quit calls close()): views may refuse (a recording), and
        a running job is stopped only when the user says so."""
        from focusdesk.ui.jobs_panel import jobs

        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, ClosableView) and not widget.can_close():
                event.ignore()
                return
        if not jobs(self).confirm_close():
            event.ignore()
            return
        prefs.set_value("window/geometry", self.saveGeometry())
        self.changes.close()
        self.workspace.close()
        super().closeEvent(event)
