"""The small typed seams between features, so one feature never reaches into another by name.

The coding panel and the coding feature work on any :class:`CodableEditor` (the transcript
editor is one; ``tests/test_feature_seams.py`` checks it still is, so a rename fails there and
not silently at run time). The live console starts a transcription through a
:class:`StartTranscription` handed to it by the window, not by importing a module by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget


@runtime_checkable
class CodableEditor(Protocol):
    """What coding needs from a transcript editor: a selection on the media timeline, the turn
    under the cursor, playback, a redraw of codings, a hook in its context menu, and the widget
    that takes its keys (for Ctrl+1…9)."""

    session_id: int
    selection_changed: SignalInstance
    view: QWidget

    def selection_range(self) -> tuple[int, int, int | None] | None: ...

    def current_segment_id(self) -> int | None: ...

    def refresh_annotations(self) -> None: ...

    def add_context_menu_provider(self, fn: Callable) -> None: ...

    def seek(self, ms: int) -> None: ...

    def play_range(self, start_ms: int, end_ms: int) -> None: ...


@runtime_checkable
class ClosableView(Protocol):
    """A tab that may refuse to close (unsaved typing, a recording running); it asks the user."""

    def can_close(self) -> bool: ...


class StartTranscription(Protocol):
    """Start transcribing a session in the background; False (with the reason shown) if not."""

    def __call__(self, session_id: int) -> bool: ...


class TranscriptReady(Protocol):
    """The live transcript of a session is complete after Stop: open it (and find speakers)."""

    def __call__(self, session_id: int, find_speakers: bool) -> None: ...
