"""The editor's "This is … speaking" action: a tap at the playhead, made while listening
afterwards, the same as a seat tapped in the live console (``ui/console/seats.py``). Added
through the editor's context-menu providers, so the editor itself does not change."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from focusdesk.core.changes import Entity, session_changes
from focusdesk.core.timefmt import format_ms
from focusdesk.store import seats
from focusdesk.store.seats import Person, Tap


def tap_at_playhead(editor, person: Person) -> Tap:
    tap = seats.add_tap(editor.db, editor.session_id, person, max(0, int(editor.player.position())),
                        source="editor")
    editor.changed.emit(session_changes(editor.session_id, Entity.TAPS, origin=id(editor)))
    return tap


def fill_menu(editor, menu: QMenu, _selection=None) -> None:
    people = seats.session_people(editor.db, editor.session_id)
    if not people:
        return
    at = format_ms(editor.player.position())
    sub = menu.addMenu(f"This is … speaking (at {at})")
    sub.setToolTip("Say who speaks at the playhead; the next diarization (or 'focusdesk taps "
                   "apply') names the voice after them.")
    for person in people:
        role = " (facilitator)" if person.kind == "facilitator" else ""
        sub.addAction(f"{person.name}{role}", lambda p=person: tap_at_playhead(editor, p))


def install(editor) -> None:
    editor.add_context_menu_provider(lambda menu, selection: fill_menu(editor, menu, selection))
