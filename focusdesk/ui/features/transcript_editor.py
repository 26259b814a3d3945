"""Transcript menu: the transcript editor (one tab per session) and study-wide search.

The editor opens when a session is activated and via Transcript ▸ Open transcript editor, as
a tab keyed ``transcript:<session id>``. Each open editor hears the window's change batches and
re-reads only what concerns its session or the coding frame (``TranscriptEditor.on_changes``);
every edit made in an editor is handed to the window's hub as the changes it made.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from focusdesk.core.changes import Changes
from focusdesk.store import sessions
from focusdesk.store.search import SearchHit
from focusdesk.ui.transcript import seat_taps
from focusdesk.ui.transcript.editor import TranscriptEditor
from focusdesk.ui.transcript.keys import KeysDialog
from focusdesk.ui.transcript.search_panel import SearchPanel

SEARCH_KEY = "search"


def view_key(session_id: int) -> str:
    return f"transcript:{session_id}"


def install(window) -> None:
    window.add_action("Transcript", "&Open transcript editor", lambda: open_editor(window),
                      "Ctrl+Shift+E", needs_session=True)
    window.add_action("Transcript", "&Search the study…", lambda: open_search(window), "Ctrl+Shift+F")
    window.menu("Transcript").addSeparator()
    window.add_action("Transcript", "Transcriber &keys and playback…", lambda: edit_keys(window))
    window.session_changed.connect(lambda sid: _on_session(window, sid))
    window.changes.changed.connect(lambda changes: _tell_editors(window, changes))


def _on_session(window, session_id) -> None:
    if session_id is not None:
        open_editor(window, session_id)


def _editors(window) -> list[TranscriptEditor]:
    return window.views(TranscriptEditor)


def _tell_editors(window, changes: Changes) -> None:
    for editor in _editors(window):
        if editor.workspace is window.workspace:
            editor.on_changes(changes)


def open_editor(window, session_id: int | None = None) -> TranscriptEditor | None:
    session_id = session_id if session_id is not None else window.current_session_id()
    if session_id is None:
        return None
    key = view_key(session_id)
    existing = window.find_view(key)
    if isinstance(existing, TranscriptEditor) and existing.workspace is window.workspace:
        window.open_view(existing.property("title") or "Transcript", existing, key=key)
        return existing  # up to date: it hears every change
    session = sessions.get_session(window.workspace.db, session_id)
    if session is None:
        return None
    editor = TranscriptEditor(window.workspace, session_id)
    editor.changed.connect(lambda changes: window.changes.notify(*changes))
    editor.player.error.connect(lambda text: window.status(text, 10000))  # e.g. no sound output
    seat_taps.install(editor)  # "This is … speaking" at the playhead
    title = f"Transcript — {session.name}"
    editor.setProperty("title", title)
    window.open_view(title, editor, key=key)
    return editor


def open_search(window) -> SearchPanel:
    existing = window.find_view(SEARCH_KEY)
    if isinstance(existing, SearchPanel) and existing.db is window.workspace.db:
        window.open_view("Search", existing, key=SEARCH_KEY)
        existing.query.setFocus()
        return existing
    panel = SearchPanel(window.workspace.db)
    panel.open_hit.connect(lambda hit, play: open_hit(window, hit, play))
    window.open_view("Search", panel, key=SEARCH_KEY)
    panel.query.setFocus()
    return panel


def open_hit(window, hit: SearchHit, play: bool = False) -> TranscriptEditor | None:
    """Open the hit's session in the editor at the matching word; play from there if asked."""
    if window.current_session_id() != hit.session_id:
        window.set_current_session(hit.session_id)  # opens the editor through session_changed
    editor = open_editor(window, hit.session_id)
    if editor is None:
        return None
    editor.go_to_time(hit.ms, segment_id=hit.segment_id)
    if play:
        QTimer.singleShot(0, lambda: editor.player.play(rewind=False))
    return editor


def edit_keys(window) -> None:
    dialog = KeysDialog(window)
    if dialog.exec():
        dialog.save()
        for editor in _editors(window):
            editor.install_keys()
