"""The window's change hub: collects what changed and tells the views once per event-loop turn.

A feature that wrote to the study calls ``window.changes.notify(Change(...), ...)``; every
change notified in the same turn of the event loop (an edit, a transcription's batch of
segments, an import) arrives as one :class:`~focusdesk.core.changes.Changes` on ``changed``.
Views subscribe and re-read only when a change concerns what they show.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from focusdesk.core.changes import Change, Changes


class ChangeHub(QObject):
    changed = Signal(object)  # Changes

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pending: set[Change] = set()
        self._closed = False

    def notify(self, *changes: Change) -> None:
        if not changes or self._closed:
            return
        if not self._pending:
            QTimer.singleShot(0, self, self.flush)
        self._pending.update(changes)

    def flush(self) -> None:
        """Deliver what is pending now (the timer does it; a test may call it)."""
        if not self._pending:
            return
        batch, self._pending = Changes.of(self._pending), set()
        self.changed.emit(batch)

    def discard(self) -> None:
        """Drop what is pending: the study it was about is being closed."""
        self._pending.clear()

    def close(self) -> None:
        """Deliver nothing more (the window is closing and its study with it)."""
        self.discard()
        self._closed = True

    @property
    def closed(self) -> bool:
        """The window closed its study: a view's deferred re-read must not run."""
        return self._closed
