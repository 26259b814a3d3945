"""The coding side panel for the transcript editor.

Select words in the transcript, then type a few letters of a code and press Enter (or pick
several codes and click Apply), press Ctrl+1…9 for a pinned code, or use the editor's context
menu. The coding is stored against media time and speaker; the editor redraws it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.timefmt import format_ms
from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.store.transcripts import segment_span, speaker_names
from focusdesk.ui.coding.common import colour_icon
from focusdesk.ui.fit import elide_middle
from focusdesk.ui.interfaces import CodableEditor

log = logging.getLogger(__name__)
CODE_ID = Qt.ItemDataRole.UserRole
CODING_ID = Qt.ItemDataRole.UserRole + 1


def matches(path: str, query: str) -> bool:
    """Type-ahead: every typed word occurs somewhere in the code's path, in any order."""
    hay = path.casefold()
    return all(part in hay for part in query.casefold().split())


class CodingPanel(QWidget):
    codings_changed = Signal(int)  # session id

    def __init__(self, db_source, parent: QWidget | None = None):
        """``db_source`` returns the current sqlite-utils Database (the window's may change)."""
        super().__init__(parent)
        self._db_source = db_source
        self.editor: CodableEditor | None = None
        self._providers_added: set[int] = set()
        self.setObjectName("codingPanel")
        self.selection_label = QLabel("Select words in a transcript to code them.")
        self.selection_label.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type to find a code, Enter to apply")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self.apply_current)
        self.search.installEventFilter(self)
        self.codes = QListWidget()
        self.codes.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.codes.itemActivated.connect(lambda _item: self.apply_selected())
        elide_middle(self.codes)  # long code paths: "Added burden/A very … theme", tooltip in full
        self.memo = QLineEdit()
        self.memo.setPlaceholderText("Memo for the new coding (optional)")
        apply_btn = QPushButton("&Apply")
        apply_btn.setToolTip("Code the selected words with the selected code(s)")
        apply_btn.clicked.connect(self.apply_selected)
        turn_btn = QPushButton("Code whole &turn")
        turn_btn.setToolTip("Code the whole turn under the cursor with the selected code(s)")
        turn_btn.clicked.connect(self.code_turn_selected)
        self.here = QListWidget()
        self.here.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.here.customContextMenuRequested.connect(self._here_menu)
        self.here.itemActivated.connect(lambda item: self._play_coding(item.data(CODING_ID)))
        elide_middle(self.here)
        remove_btn = QPushButton("&Remove")
        remove_btn.clicked.connect(self.remove_selected_coding)
        memo_btn = QPushButton("&Memo…")
        memo_btn.clicked.connect(self.edit_selected_memo)

        layout = QVBoxLayout(self)
        layout.addWidget(self.selection_label)
        layout.addWidget(self.search)
        layout.addWidget(self.codes, 3)
        layout.addWidget(self.memo)
        row = QHBoxLayout()
        row.addWidget(apply_btn)
        row.addWidget(turn_btn)
        layout.addLayout(row)
        layout.addWidget(QLabel("Codings here:"))
        layout.addWidget(self.here, 2)
        row = QHBoxLayout()
        row.addWidget(remove_btn)
        row.addWidget(memo_btn)
        layout.addLayout(row)
        self.reload_codes()

    # --- wiring --------------------------------------------------------------------------------

    @property
    def db(self):
        return self._db_source()

    def session_id(self) -> int | None:
        return self.editor.session_id if self.editor is not None else None

    def attach(self, editor: CodableEditor | None) -> None:
        """Follow a transcript editor (or None)."""
        if editor is self.editor:
            return
        if self.editor is not None:
            try:
                self.editor.selection_changed.disconnect(self.update_selection)
            except (RuntimeError, TypeError):
                pass
        self.editor = editor
        if editor is not None:
            editor.selection_changed.connect(self.update_selection)
            if id(editor) not in self._providers_added:
                editor.add_context_menu_provider(self.fill_context_menu)
                self._providers_added.add(id(editor))
        self.update_selection()

    def selection(self) -> tuple[int, int, int | None] | None:
        sel = self.editor.selection_range() if self.editor is not None else None
        if not sel:
            return None
        start, end, *rest = sel
        return int(start), int(end), (rest[0] if rest else None)

    # --- codes list ----------------------------------------------------------------------------

    def reload_codes(self) -> None:
        keep = {i.data(CODE_ID) for i in self.codes.selectedItems()}
        self.codes.clear()
        for c in fo.list_frame(self.db):
            label = c.path + (f"   Ctrl+{c.pin}" if c.pin else "")
            item = QListWidgetItem(colour_icon(c.colour), label)
            item.setData(CODE_ID, c.id)
            item.setToolTip("\n".join(t for t in (c.path, c.description,  # the full name: it may be elided
                                                  f"Include: {c.inclusion}" if c.inclusion else "",
                                                  f"Exclude: {c.exclusion}" if c.exclusion else "") if t))
            self.codes.addItem(item)
            item.setSelected(c.id in keep)
        self._filter(self.search.text())

    def _filter(self, text: str) -> None:
        first = None
        for i in range(self.codes.count()):
            item = self.codes.item(i)
            visible = matches(item.text(), text)
            item.setHidden(not visible)
            if visible and first is None:
                first = item
        if text and first is not None:
            self.codes.setCurrentItem(first)
            first.setSelected(True)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if obj is self.search and event.type() == event.Type.KeyPress and event.key() in (
                Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.codes.setFocus()
            return False
        return super().eventFilter(obj, event)

    def selected_code_ids(self) -> list[int]:
        return [i.data(CODE_ID) for i in self.codes.selectedItems() if not i.isHidden()]

    def current_code_id(self) -> int | None:
        item = self.codes.currentItem()
        if item is None or item.isHidden():
            visible = [self.codes.item(i) for i in range(self.codes.count()) if not self.codes.item(i).isHidden()]
            item = visible[0] if len(visible) == 1 else None
        return item.data(CODE_ID) if item is not None else None

    # --- coding --------------------------------------------------------------------------------

    def apply_codes(self, code_ids: list[int], memo: str | None = None) -> list:
        """Code the editor's selection; returns the codings (empty, with a hint, if nothing to do)."""
        sid, sel = self.session_id(), self.selection()
        if sid is None or sel is None or not code_ids:
            self._hint("Select words in the transcript first, then choose a code.")
            return []
        start, end, speaker = sel
        memo = self.memo.text().strip() if memo is None else memo
        try:
            made = co.apply_codes(self.db, sid, code_ids, start, end, speaker, memo)
        except (ValueError, LookupError) as exc:
            self._hint(str(exc))
            return []
        self.memo.clear()
        self._changed(sid)
        return made

    def apply_current(self) -> list:
        code = self.current_code_id()
        return self.apply_codes([code]) if code is not None else []

    def apply_selected(self) -> list:
        return self.apply_codes(self.selected_code_ids() or ([self.current_code_id()] if self.current_code_id() else []))

    def apply_pinned(self, slot: int) -> list:
        code = fo.pinned_codes(self.db).get(slot)
        if code is None:
            self._hint(f"No code is pinned to Ctrl+{slot}. Pin one in the coding frame editor.")
            return []
        return self.apply_codes([code])

    def code_turn(self, code_ids: list[int]) -> list:
        seg = self.editor.current_segment_id() if self.editor is not None else None
        if seg is None or not code_ids:
            self._hint("Put the cursor in a turn and choose a code to code the whole turn.")
            return []
        made = [co.code_turn(self.db, seg, cid, self.memo.text().strip()) for cid in code_ids]
        self.memo.clear()
        self._changed(made[0].session_id)
        return made

    def code_turn_selected(self) -> list:
        ids = self.selected_code_ids() or ([self.current_code_id()] if self.current_code_id() else [])
        return self.code_turn(ids)

    def remove_coding(self, coding_id: int) -> None:
        c = co.remove_coding(self.db, coding_id)
        self._changed(c.session_id)

    def remove_selected_coding(self) -> None:
        item = self.here.currentItem()
        if item is not None:
            self.remove_coding(item.data(CODING_ID))

    def edit_selected_memo(self) -> None:
        item = self.here.currentItem()
        if item is None:
            return
        cid = item.data(CODING_ID)
        text, ok = QInputDialog.getMultiLineText(self, "Memo", "Memo for this coding:",
                                                 co.get_coding(self.db, cid).memo)
        if ok:
            co.set_memo(self.db, cid, text)
            self._changed(co.get_coding(self.db, cid).session_id)

    def _play_coding(self, coding_id: int) -> None:
        c = co.get_coding(self.db, coding_id)
        if self.editor is not None:
            self.editor.play_range(c.start_ms, c.end_ms)

    def _changed(self, session_id: int) -> None:
        if self.editor is not None:
            self.editor.refresh_annotations()
        self.update_selection()
        self.codings_changed.emit(session_id)

    def _hint(self, text: str) -> None:
        self.selection_label.setText(text)
        self.selection_label.setStyleSheet("color: #b00020")

    # --- what is selected, and what is coded there ---------------------------------------------

    def update_selection(self, *_args) -> None:
        self.selection_label.setStyleSheet("")
        sid, sel = self.session_id(), self.selection()
        self.here.clear()
        if sid is None:
            self.selection_label.setText("Open a transcript to code it.")
            return
        if sel is None:
            self.selection_label.setText("Select words in the transcript to code them.")
            seg = self.editor.current_segment_id()
            span = segment_span(self.db, seg) if seg else None
            if span is None:
                return
            start, end = span
        else:
            start, end, speaker = sel
            who = speaker_names(self.db, sid).get(speaker, "") if speaker else ""
            self.selection_label.setText(f"Selection: {format_ms(start)}–{format_ms(end)}"
                                         + (f" ({who})" if who else ""))
        frame = {c.id: c for c in fo.list_frame(self.db)}
        names = speaker_names(self.db, sid)
        for c in co.codings_at(self.db, sid, start, end):
            code = frame.get(c.code_id)
            if code is None:
                continue
            text = f"{code.path}  {format_ms(c.start_ms)}–{format_ms(c.end_ms)}"
            if c.speaker_id:
                text += f"  {names.get(c.speaker_id, '')}"
            if c.memo:
                text += f"  — {c.memo}"
            item = QListWidgetItem(colour_icon(code.colour), text)
            item.setToolTip(text)
            item.setData(CODING_ID, c.id)
            self.here.addItem(item)

    def _here_menu(self, pos) -> None:
        item = self.here.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        cid = item.data(CODING_ID)
        menu.addAction("Play", lambda: self._play_coding(cid))
        menu.addAction("Edit memo…", self.edit_selected_memo)
        menu.addAction("Remove coding", lambda: self.remove_coding(cid))
        menu.exec(self.here.mapToGlobal(pos))

    # --- the editor's context menu ---------------------------------------------------------------

    def fill_context_menu(self, menu: QMenu, selection=None) -> None:
        """Add "Code selection with", "Code whole turn with" and "Remove coding" to a menu."""
        frame = fo.list_frame(self.db)
        if not frame:
            return
        menu.addSeparator()
        pins = {c.pin: c for c in frame if c.pin}
        code_menu = menu.addMenu("Code selection with")
        for slot in sorted(pins):
            c = pins[slot]
            code_menu.addAction(colour_icon(c.colour), f"{c.path}\tCtrl+{slot}",
                                lambda cid=c.id: self.apply_codes([cid]))
        if pins:
            code_menu.addSeparator()
        for c in frame:
            code_menu.addAction(colour_icon(c.colour), c.path, lambda cid=c.id: self.apply_codes([cid]))
        code_menu.setEnabled(self.selection() is not None)
        turn_menu = menu.addMenu("Code whole turn with")
        for c in frame:
            turn_menu.addAction(colour_icon(c.colour), c.path, lambda cid=c.id: self.code_turn([cid]))
        sid, sel = self.session_id(), self.selection()
        if sid is not None and sel is not None:
            paths = {c.id: c.path for c in frame}
            here = co.codings_at(self.db, sid, sel[0], sel[1])
            if here:
                rm = menu.addMenu("Remove coding")
                for c in here:
                    rm.addAction(f"{paths.get(c.code_id, '?')}  {format_ms(c.start_ms)}–{format_ms(c.end_ms)}",
                                 lambda cid=c.id: self.remove_coding(cid))
