"""The list view of speaker turns: word hit-testing, word selection, click-to-seek, edit keys."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QToolTip

from focusdesk.ui.transcript.delegate import TranscriptDelegate
from focusdesk.ui.transcript.model import TranscriptModel, WordPos


class TranscriptView(QListView):
    word_clicked = Signal(int, int)  # segment order, word index
    selection_moved = Signal()
    split_requested = Signal()
    speaker_key = Signal(int)  # Ctrl+1..9 -> 0..8
    context_requested = Signal(QPoint, object)  # global pos, WordPos | None

    def __init__(self, model: TranscriptModel, parent=None):
        super().__init__(parent)
        self.tmodel = model
        self.delegate = TranscriptDelegate(model, self)
        self.setModel(model)
        self.setItemDelegate(self.delegate)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSpacing(0)
        self.setMouseTracking(False)
        self._anchor: WordPos | None = None
        self._dragged = False

    # --- geometry --------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802
        self.delegate.set_width(self.viewport().width())
        super().resizeEvent(event)

    def word_pos_at(self, point: QPoint, nearest: bool = False) -> WordPos | None:
        """The word under ``point``; with ``nearest`` (dragging) the closest word of that turn,
        or of the last turn when the mouse is below the text."""
        index = self.indexAt(point)
        if not index.isValid():
            if not nearest or not self.tmodel.segments or point.y() < 0:
                return None
            last = len(self.tmodel.segments) - 1
            return (last, max(0, len(self.delegate.layout(last).xs) - 1))
        row = self.tmodel.rows[index.row()]
        if row.kind != "segment":
            return None
        rect = self.visualRect(index)
        word = self.delegate.word_at(index.row(), point - rect.topLeft(), nearest=nearest)
        return None if word is None else (row.seg, word)

    def word_rect(self, pos: WordPos):
        row = self.tmodel.seg_row[pos[0]]
        rect = self.delegate.word_rect(row, pos[1])
        return rect.translated(self.visualRect(self.tmodel.index(row)).topLeft())

    def update_segment(self, order: int) -> None:
        if 0 <= order < len(self.tmodel.seg_row):
            self.update(self.tmodel.index(self.tmodel.seg_row[order]))

    # --- mouse -----------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = self.word_pos_at(event.position().toPoint())
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            self.setCurrentIndex(index)
        if pos is None:
            self._anchor = None
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self.tmodel.selection:
            self.set_selection(self.tmodel.selection[0], pos)
            self._anchor = None
            return
        self._anchor = pos
        self._dragged = False
        self.set_selection(pos, pos)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._anchor is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        self._drag_to(event.position().toPoint())

    def _drag_to(self, point: QPoint) -> None:
        """Extend the selection from the pressed word to the word nearest the mouse (between
        words, past a line's end or over the speaker column it still follows)."""
        pos = self.word_pos_at(point, nearest=True)
        if pos is not None and self.tmodel.selection is not None and pos != self.tmodel.selection[1]:
            self._dragged = True
            self.set_selection(self._anchor, pos)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._anchor is not None:
            self._drag_to(event.position().toPoint())  # a release elsewhere ends a drag there
            if not self._dragged:
                self.word_clicked.emit(*self._anchor)
        self._anchor = None

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        index = self.indexAt(event.position().toPoint())
        if not index.isValid() or self.tmodel.rows[index.row()].kind != "segment":
            return
        pos = self.word_pos_at(event.position().toPoint())
        self.edit_row(index.row(), pos[1] if pos else None)

    def viewportEvent(self, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip:
            pos = self.word_pos_at(event.pos())
            if pos is not None:
                QToolTip.showText(event.globalPos(), self.tmodel.word_tooltip(pos), self.viewport())
                return True
        return super().viewportEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        pos = self.word_pos_at(event.pos())
        index = self.indexAt(event.pos())
        if index.isValid():
            self.setCurrentIndex(index)
        if pos is not None:
            sel = self.tmodel.selected_positions()
            if sel is None or not sel[0] <= pos <= sel[1]:
                self.set_selection(pos, pos)
        self.context_requested.emit(event.globalPos(), pos)

    # --- selection and editing -------------------------------------------------------------

    def set_selection(self, a: WordPos | None, b: WordPos | None = None) -> None:
        old = self.tmodel.selected_positions()
        self.tmodel.selection = None if a is None else (a, b if b is not None else a)
        new = self.tmodel.selected_positions()
        if old == new:
            return
        orders = set()
        for sel in (old, new):
            if sel is not None:
                orders.update(range(sel[0][0], sel[1][0] + 1))
        if len(orders) > 40:
            self.viewport().update()
        else:
            for o in orders:
                self.update_segment(o)
        self.selection_moved.emit()

    def edit_row(self, row: int, word: int | None = None) -> None:
        index = self.tmodel.index(row)
        seg = self.tmodel.segment_at_row(row)
        if seg is None:
            return
        self.setCurrentIndex(index)
        cursor_at = None
        if word is not None:
            from focusdesk.core.word_align import word_spans

            spans = word_spans(seg.text)
            if word < len(spans):
                cursor_at = spans[word][0]
        self.delegate.pending_cursor = cursor_at
        self.edit(index)
        editor = self.indexWidget(index) or self.focusWidget()
        if editor is not None and cursor_at is not None and hasattr(editor, "textCursor"):
            cur = editor.textCursor()
            cur.setPosition(min(cursor_at, len(editor.toPlainText())))
            editor.setTextCursor(cur)

    def is_editing(self) -> bool:
        return self.state() == QAbstractItemView.State.EditingState

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.is_editing():
            if ctrl:
                self.split_requested.emit()
            elif self.currentIndex().isValid():
                self.edit_row(self.currentIndex().row())
            return
        if ctrl and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.speaker_key.emit(key - Qt.Key.Key_1)
            return
        super().keyPressEvent(event)
