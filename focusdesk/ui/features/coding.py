"""Code and Analysis menus: the coding frame editor, the coding panel beside the transcript
editor (type-ahead, Ctrl+1…9 pinned codes, context menu), auto-coding, retrieval, the code
matrix, the framework matrix, topic coverage and talk time.

Ctrl+1…9 is shared with the transcript editor (which gives the turn to speaker 1…9): with words
selected, a number that has a pinned code applies that code; otherwise the key reaches the editor.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from focusdesk.core.changes import Change, Changes, Entity
from focusdesk.store import frame_ops as fo
from focusdesk.ui.coding.autocode_dialog import AutoCodeDialog
from focusdesk.ui.coding.frame_editor import FrameEditor
from focusdesk.ui.coding.framework_view import FrameworkView
from focusdesk.ui.coding.matrix_view import MatrixView
from focusdesk.ui.coding.panel import CodingPanel
from focusdesk.ui.coding.reports_view import CoverageView, TalkTimeView
from focusdesk.ui.coding.retrieval_view import RetrievalView
from focusdesk.ui.features.transcript_editor import view_key as editor_key
from focusdesk.ui.interfaces import CodableEditor

FRAME_KEY = "coding:frame"
RETRIEVAL_KEY = "coding:retrieval"
MATRIX_KEY = "analysis:matrix"
FRAMEWORK_KEY = "analysis:framework"
COVERAGE_KEY = "analysis:coverage"
TALK_KEY = "analysis:talk-time"
VIEW_KEYS = (FRAME_KEY, RETRIEVAL_KEY, MATRIX_KEY, FRAMEWORK_KEY, COVERAGE_KEY, TALK_KEY)
# What the analysis views (and the frame editor's counts) are computed from.
ANALYSIS = (Entity.CODES, Entity.CODINGS, Entity.SEGMENTS, Entity.SPEAKERS, Entity.PARTICIPANTS,
            Entity.SITES, Entity.SESSIONS, Entity.MARKERS, Entity.GUIDE)
# What the coding panel's "coded here" list shows.
PANEL = (Entity.CODES, Entity.CODINGS, Entity.SEGMENTS, Entity.SPEAKERS, Entity.PARTICIPANTS)


class PinnedKeys(QObject):
    """Ctrl+1…9 on a transcript editor: apply the pinned code when words are selected."""

    def __init__(self, panel: CodingPanel):
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key, mods = event.key(), event.modifiers()
            if (mods & Qt.KeyboardModifier.ControlModifier and Qt.Key.Key_1 <= key <= Qt.Key.Key_9
                    and not mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
                    and self.panel.selection() is not None):
                slot = key - Qt.Key.Key_0
                if slot in fo.pinned_codes(self.panel.db):
                    if event.type() == QEvent.Type.KeyPress:
                        self.panel.apply_pinned(slot)
                    event.accept()
                    return True
        return False


class CodingFeature:
    def __init__(self, window):
        self.window = window
        self.panel = CodingPanel(lambda: window.workspace.db)
        self.keys = PinnedKeys(self.panel)
        self._filtered: set[int] = set()
        self.dock = QDockWidget("Coding", window)
        self.dock.setObjectName("codingDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self._user_hid = False
        self.dock.visibilityChanged.connect(self._visibility)
        self.panel.codings_changed.connect(
            lambda sid: window.changes.notify(Change(Entity.CODINGS, sid, origin=id(self.panel))))
        self._timer = QTimer(window, singleShot=True, interval=400)
        self._timer.timeout.connect(self.refresh_views)
        self._skip_frame = False  # the pending refresh is only for the frame editor's own edits
        window.changes.changed.connect(self._on_changes)
        window.session_changed.connect(lambda _sid: QTimer.singleShot(0, self.follow_editor))
        window.tabs.currentChanged.connect(lambda _i: self.follow_editor())

        w = window
        w.add_action("Code", "Coding &frame…", self.open_frame_editor, "Ctrl+Shift+K")
        toggle = self.dock.toggleViewAction()
        toggle.setText("Coding &panel")
        w.menu("Code").addAction(toggle)
        w.add_action("Code", "Find a &code to apply…", self.focus_search, "Ctrl+K")
        w.add_action("Code", "Code whole &turn with the selected code", self.panel.code_turn_selected)
        w.add_action("Code", "&Auto-code…", self.auto_code)
        w.menu("Code").addSeparator()
        w.add_action("Code", "&Retrieve coded passages", self.open_retrieval, "Ctrl+Shift+R")
        w.add_action("Analysis", "Code &matrix", self.open_matrix, "Ctrl+Shift+M")
        w.add_action("Analysis", "&Framework matrix", self.open_framework)
        w.add_action("Analysis", "&Topic coverage and sections", self.open_coverage)
        w.add_action("Analysis", "Talk &time per speaker", self.open_talk_time)

    # --- the transcript editor -----------------------------------------------------------------

    def current_editor(self) -> CodableEditor | None:
        """The editor in the current tab, else the current session's editor."""
        widget = self.window.tabs.currentWidget()
        if isinstance(widget, CodableEditor):
            return widget
        sid = self.window.current_session_id()
        found = self.window.find_view(editor_key(sid)) if sid is not None else None
        return found if isinstance(found, CodableEditor) else None

    def follow_editor(self) -> None:
        editor = self.current_editor()
        self.panel.attach(editor)
        if editor is not None:
            for w in {id(editor): editor, id(editor.view): editor.view}.values():
                if id(w) not in self._filtered:
                    w.installEventFilter(self.keys)
                    self._filtered.add(id(w))
                    w.destroyed.connect(lambda *_a, i=id(w): self._filtered.discard(i))
            if not self._user_hid and not self.dock.isVisible():
                self.dock.show()

    def _visibility(self, visible: bool) -> None:
        if not visible and self.current_editor() is not None and self.window.isVisible():
            self._user_hid = True
        elif visible:
            self._user_hid = False

    def focus_search(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.search.setFocus()
        self.panel.search.selectAll()

    # --- views ---------------------------------------------------------------------------------

    def _db(self):
        return self.window.workspace.db

    def _open(self, key: str, title: str, factory):
        view = self.window.find_view(key)
        if view is None:
            view = factory()
            self.window.open_view(title, view, key=key)
        else:
            self.window.open_view(title, view, key=key)
            view.reload()
        return view

    def open_frame_editor(self) -> FrameEditor:
        def make():
            editor = FrameEditor(self._db)
            editor.changed.connect(lambda: self.window.changes.notify(  # merges and deletes move codings
                Change(Entity.CODES, origin=id(editor)), Change(Entity.CODINGS, origin=id(editor))))
            return editor
        return self._open(FRAME_KEY, "Coding frame", make)

    def open_retrieval(self, key=None, participant_id=None) -> RetrievalView:
        def make():
            view = RetrievalView(self._db)
            view.play_passage.connect(self.play)
            return view
        view = self._open(RETRIEVAL_KEY, "Coded passages", make)
        view.fill_choices()
        if key is not None:
            view.show_code(key, participant_id)
        return view

    def open_matrix(self) -> MatrixView:
        def make():
            view = MatrixView(self._db)
            view.open_passages.connect(lambda key, pid: self.open_retrieval(key, pid))
            return view
        return self._open(MATRIX_KEY, "Code matrix", make)

    def open_framework(self) -> FrameworkView:
        return self._open(FRAMEWORK_KEY, "Framework matrix", lambda: FrameworkView(self._db))

    def open_coverage(self) -> CoverageView:
        return self._open(COVERAGE_KEY, "Topic coverage", lambda: CoverageView(self._db))

    def open_talk_time(self) -> TalkTimeView:
        return self._open(TALK_KEY, "Talk time", lambda: TalkTimeView(self._db))

    def auto_code(self) -> None:
        dialog = AutoCodeDialog(self._db(), self.window.current_session_id(), self.window)
        dialog.exec()
        if dialog.added:
            self.window.changes.notify(Change(Entity.CODINGS))

    def play(self, passage) -> None:
        """Open the passage's session in the transcript editor and play the passage."""
        key = editor_key(passage.session_id)
        editor = self.window.find_view(key)
        if not isinstance(editor, CodableEditor):
            self.window.set_current_session(passage.session_id)  # the editor opens on this
            editor = self.window.find_view(key)
        if not isinstance(editor, CodableEditor):
            self.window.status("Open the session's transcript to play the passage.")
            return
        editor.seek(passage.start_ms)
        editor.play_range(passage.start_ms, passage.end_ms)
        self.window.status(f"Playing {passage.attribution()}")

    # --- keeping things fresh ------------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        """Transcript editors refresh themselves; here the panel and the analysis views."""
        if changes.touches(Entity.CODES):
            self.panel.reload_codes()
        if changes.touches(*PANEL):
            self.panel.update_selection()
        relevant = changes.concerning(*ANALYSIS)
        if relevant:
            frame = self.window.find_view(FRAME_KEY)
            own = frame is not None and all(c.origin == id(frame) for c in relevant)
            self._skip_frame = own and (self._skip_frame or not self._timer.isActive())
            self._views_stale()

    def _views_stale(self) -> None:
        self._timer.start()

    def refresh_views(self) -> None:
        """Reload the open analysis views (the frame editor not for its own edits); nothing once
        the window has closed its study (a refresh may still be pending then)."""
        skip_frame, self._skip_frame = self._skip_frame, False
        if self.window.changes.closed:
            return
        for key in VIEW_KEYS:
            view = self.window.find_view(key)
            if view is None or (key == FRAME_KEY and skip_frame):
                continue
            if key == RETRIEVAL_KEY:
                view.fill_choices()
            view.reload()


def install(window) -> None:
    window.coding = CodingFeature(window)
