"""The bar that offers back typing a crash interrupted (see focusdesk.store.drafts)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from focusdesk.store import drafts
from focusdesk.store.protect.db import sqlite_errors


class DraftsBar(QFrame):
    """Shown above the transcript when a session has unsaved typing from last time."""

    def __init__(self, editor):
        super().__init__(editor)
        self.editor = editor
        self.setStyleSheet("DraftsBar { background: #fff3cd; border-bottom: 1px solid #e0c060; }")
        self.label = QLabel()
        self.restore_button = QPushButton("Restore")
        self.discard_button = QPushButton("Discard")
        self.restore_button.clicked.connect(self.restore)
        self.discard_button.clicked.connect(self.discard)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.restore_button)
        lay.addWidget(self.discard_button)
        self.pending: list[drafts.Draft] = []
        self.refresh()

    def refresh(self) -> None:
        self.pending = drafts.list_drafts(self.editor.db, self.editor.session_id)
        n = len(self.pending)
        self.label.setText(f"Typing in {n} turn{'s' if n != 1 else ''} was not saved when focusdesk "
                           "last closed. Restore it (undoable) or discard it?")
        self.setVisible(bool(n))

    def restore(self) -> None:
        for d in self.pending:
            self.editor.edit_text(d.segment_id, d.text)
            drafts.clear_draft(self.editor.db, d.segment_id)
        self.refresh()

    def discard(self) -> None:
        for d in self.pending:
            drafts.clear_draft(self.editor.db, d.segment_id)
        self.refresh()


def draft_callbacks(db):
    """(save, clear) for the delegate; they hold the database, not the editor widget, because
    clear runs while an inline editor is being destroyed, possibly with its tab."""

    def save(segment_id: int, text: str) -> None:
        try:
            drafts.save_draft(db, segment_id, text)
        except sqlite_errors():  # a closed or read-only study: the edit itself still commits
            pass

    def clear(segment_id: int) -> None:
        try:
            drafts.clear_draft(db, segment_id)
        except sqlite_errors():
            pass

    return save, clear
