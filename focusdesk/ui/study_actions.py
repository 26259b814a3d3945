"""What the Study and File menus do: show a dialog, call the store, tell the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from focusdesk.audio.media import import_audio_file
from focusdesk.audio.probe import AudioFileError
from focusdesk.core.changes import Change, Entity
from focusdesk.exchange.outline_import import (
    FRAME_SUFFIXES,
    GUIDE_SUFFIXES,
    import_frame_file,
    import_guide_file,
)
from focusdesk.store import sessions, study
from focusdesk.store.study import AlreadyExists
from focusdesk.ui.dialogs import ParticipantDialog, SessionDialog, SiteDialog, StudyDialog


def edit_study(window) -> bool:
    db = window.workspace.db
    current = study.get_study(db)
    dialog = StudyDialog(current, window)
    if not dialog.exec():
        return False
    study.save_study(db, dialog.value(current))
    window.changes.notify(Change(Entity.STUDY))
    return True


def _retry_on_duplicate(window, dialog, save, change: Change) -> bool:
    while dialog.exec():
        try:
            save(dialog.value())
        except AlreadyExists as exc:
            dialog.show_error(str(exc))
            continue
        window.changes.notify(change)
        return True
    return False


def add_site(window) -> bool:
    return _retry_on_duplicate(window, SiteDialog(window), lambda s: study.add_site(window.workspace.db, s),
                               Change(Entity.SITES))


def next_participant_code(existing: list[str]) -> str:
    n = 1
    while f"P{n:02d}" in existing:
        n += 1
    return f"P{n:02d}"


def add_participant(window) -> bool:
    db = window.workspace.db
    code = next_participant_code([p.code for p in study.list_participants(db)])
    dialog = ParticipantDialog(study.list_sites(db), code, window)
    return _retry_on_duplicate(window, dialog, lambda p: study.add_participant(db, p),
                               Change(Entity.PARTICIPANTS))


def add_session(window) -> bool:
    db = window.workspace.db
    dialog = SessionDialog(study.list_sites(db), study.list_participants(db), parent=window)
    created = []
    ok = _retry_on_duplicate(window, dialog, lambda s: created.append(sessions.add_session(db, s)),
                             Change(Entity.SESSIONS))
    if ok and created:
        window.set_current_session(created[0].id)
    return ok


def edit_session(window) -> bool:
    db = window.workspace.db
    session = sessions.get_session(db, window.current_session_id())
    if session is None:
        return False
    dialog = SessionDialog(study.list_sites(db), study.list_participants(db), session, window)
    # a taken name keeps the dialog open with the reason, as when adding a session
    return _retry_on_duplicate(window, dialog, lambda _v: sessions.update_session(db, dialog.value(session)),
                               Change(Entity.SESSIONS, session.id))


def _filter(label: str, suffixes: tuple[str, ...]) -> str:
    return f"{label} ({' '.join('*' + s for s in suffixes)})"


def import_guide(window, path: str | None = None) -> bool:
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import topic guide", "",
                                              _filter("Topic guides", GUIDE_SUFFIXES))
    if not path:
        return False
    try:
        g = import_guide_file(window.workspace.db, path)
    except ValueError as exc:  # what the file says is wrong; an OSError goes to ui/errors.guarded
        QMessageBox.warning(window, "Cannot import topic guide", str(exc))
        return False
    window.changes.notify(Change(Entity.GUIDE))
    window.status(f"Imported topic guide {g.title!r}: {len(g.sections)} sections")
    return True


def import_frame(window, path: str | None = None) -> bool:
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import coding frame", "",
                                              _filter("Coding frames", FRAME_SUFFIXES))
    if not path:
        return False
    try:
        added = import_frame_file(window.workspace.db, path)
    except ValueError as exc:  # what the file says is wrong; an OSError goes to ui/errors.guarded
        QMessageBox.warning(window, "Cannot import coding frame", str(exc))
        return False
    window.changes.notify(Change(Entity.CODES))
    window.status(f"Imported coding frame: {added} new codes")
    return True


def import_audio(window, path: str | None = None) -> bool:
    session_id = window.current_session_id()
    if session_id is None:
        QMessageBox.information(window, "Import audio", "Choose a session in the sidebar first.")
        return False
    if path is None:
        path, _ = QFileDialog.getOpenFileName(
            window, "Import audio", "",
            "Audio and video (*.wav *.flac *.mp3 *.m4a *.aac *.ogg *.opus *.webm *.mp4 *.mov *.mkv);;"
            "All files (*)")
    if not path:
        return False
    try:
        import_audio_file(window.workspace, session_id, Path(path))
    except AudioFileError as exc:
        QMessageBox.warning(window, "Cannot import audio", str(exc))
        return False
    window.changes.notify(Change(Entity.RECORDINGS, session_id))
    window.status(f"Imported {Path(path).name}")
    return True
