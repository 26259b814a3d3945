"""Session menu: "Find speakers…" (diarization as a job of the window's jobs panel, with
progress and cancel) and "Speakers and who they are" (the mapping view), one tab per session keyed
``speakers:<session id>``. The view's changes go to the window's change hub as speakers and segments of its session, so the
transcript editor and exports show a mapped voice's pseudonym at once.
"""

from __future__ import annotations

from focusdesk.core.changes import Changes, Entity, session_changes
from focusdesk.store import sessions
from focusdesk.ui.jobs_panel import jobs
from focusdesk.ui.speakers.view import SpeakersView


def view_key(session_id: int) -> str:
    return f"speakers:{session_id}"


def install(window) -> None:
    window.menu("Session").addSeparator()
    window.add_action("Session", "Find &speakers…", lambda: find_speakers(window), "Ctrl+Shift+D",
                      needs_session=True)
    window.add_action("Session", "Speakers and &who they are", lambda: open_speakers(window),
                      needs_session=True)
    window.changes.changed.connect(lambda changes: _reload_all(window, changes))


def _views(window) -> list[SpeakersView]:
    return window.views(SpeakersView)


# What a Speakers view shows: voices, their talk time and samples, the people to map them to,
# and what the seat taps say.
SHOWN = (Entity.SPEAKERS, Entity.SEGMENTS, Entity.RECORDINGS, Entity.PARTICIPANTS, Entity.FACILITATORS,
         Entity.SESSIONS, Entity.TAPS)


def _reload_all(window, changes: Changes) -> None:
    for view in _views(window):
        if view.workspace is window.workspace and changes.touches(*SHOWN, session_id=view.session_id):
            view.schedule_reload()


def open_speakers(window, session_id: int | None = None) -> SpeakersView | None:
    session_id = session_id if session_id is not None else window.current_session_id()
    if session_id is None:
        return None
    key = view_key(session_id)
    existing = window.find_view(key)
    if isinstance(existing, SpeakersView) and existing.workspace is window.workspace:
        window.open_view(existing.property("title"), existing, key=key)
        existing.reload()
        return existing
    session = sessions.get_session(window.workspace.db, session_id)
    if session is None:
        return None
    view = SpeakersView(window.workspace, session_id, jobs=jobs(window))
    view.changed.connect(lambda: window.changes.notify(
        *session_changes(session_id, Entity.SPEAKERS, Entity.SEGMENTS, Entity.CODINGS)))
    view.status.connect(window.status)
    view.find_button.clicked.connect(lambda: view.ask_and_start())
    title = f"Speakers — {session.name}"
    view.setProperty("title", title)
    window.open_view(title, view, key=key)
    return view


def find_speakers(window, session_id: int | None = None) -> SpeakersView | None:
    """Open the session's Speakers view and ask how to run (count, channel mode), then start."""
    view = open_speakers(window, session_id)
    if view is not None and not view.is_running():
        view.ask_and_start()
    return view
