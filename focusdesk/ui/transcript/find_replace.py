"""Find and replace in the transcript editor: the find bar's matches as word selections, one
replacement as an undoable text edit, all of them as one undo step. A mixin of
``TranscriptEditor`` (it uses the editor's model, view, find bar and undo stack)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

from focusdesk.core.word_align import word_spans
from focusdesk.ui.transcript import commands as cmd
from focusdesk.ui.transcript.findbar import FoundAt
from focusdesk.ui.transcript.view import TranscriptView


class EditorFind:
    """Find/replace for ``TranscriptEditor``."""

    def open_find(self) -> None:
        sel = self.model.selected_positions()
        text = ""
        if sel is not None and sel[0] == sel[1]:
            seg = self.model.segments[sel[0][0]]
            spans = word_spans(seg.text)
            if sel[0][1] < len(spans) and len(spans) == len(seg.words or spans):
                text = seg.text[slice(*spans[sel[0][1]])].strip(".,;:!?\"'")
        self.find_bar.open_bar(text)
        self._refind()

    def _refind(self) -> None:
        seg_id = self.current_segment_id()
        order = self.model.seg_order.get(seg_id, 0) if seg_id is not None else 0
        self.find_bar.search([s.text for s in self.model.segments], order)

    def _positions_for(self, found: FoundAt) -> tuple[tuple[int, int], tuple[int, int]]:
        seg = self.model.segments[found.order]
        spans = word_spans(seg.text)
        first = next((i for i, (s, e) in enumerate(spans) if e > found.start), 0)
        last = next((i for i, (s, e) in reversed(list(enumerate(spans))) if s < found.end), first)
        n = max(1, len(seg.words) if seg.words else len(spans))
        first, last = min(first, n - 1), min(last, n - 1)
        return (found.order, first), (found.order, last)

    def _go_to_match(self, found: FoundAt) -> None:
        a, b = self._positions_for(found)
        self.view.set_selection(a, b)
        index = self.model.index(self.model.seg_row[found.order])
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index, TranscriptView.ScrollHint.EnsureVisible)

    def _replace_one(self, found: FoundAt, replacement: str) -> None:
        seg = self.model.segments[found.order]
        text = seg.text[:found.start] + replacement + seg.text[found.end:]
        if self.edit_text(seg.id, text):
            self._refind()
            order = self.model.seg_order.get(seg.id, found.order)
            self.find_bar.go_after(order, found.start + len(replacement))

    def replace_all(self, find: str, replacement: str, case_sensitive: bool = False,
                    whole_word: bool = False) -> int:
        command = cmd.ReplaceAllCommand(self, self.session_id, find, replacement, case_sensitive, whole_word)
        try:
            command.apply()
        except (ValueError, LookupError) as exc:
            self._warn(str(exc))
            return 0
        if not command.before:  # nothing matched: no empty step on the undo stack
            self.info_label.setText("Nothing to replace.")
            return 0
        self.undo_stack.push(command)
        self.info_label.setText(f"Replaced in {len(command.before)} turn(s).")
        return len(command.before)
