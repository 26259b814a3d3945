"""What the Study and File menus do: show a dialog, call the store, tell the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from focusdesk.audio.media import AlreadyImportedError, import_audio_file
from focusdesk.audio.probe import AudioFileError
from focusdesk.core.changes import Change, Entity
from focusdesk.core.errors import UserError
from focusdesk.exchange.outline_import import (
    FRAME_SUFFIXES,
    GUIDE_SUFFIXES,
    TEMPLATE_FRAME,
    TEMPLATE_GUIDE,
    import_frame_file,
    import_guide_file,
)
from focusdesk.store import sessions, study
from focusdesk.ui.dialogs import FacilitatorDialog, ParticipantDialog, SessionDialog, SiteDialog, StudyDialog


def edit_study(window) -> bool:
    db = window.workspace.db
    current = study.get_study(db)
    dialog = StudyDialog(current, window)
    if not dialog.exec():
        return False
    study.save_study(db, dialog.value(current))
    window.changes.notify(Change(Entity.STUDY))
    return True


def retry_on_error(dialog, save) -> bool:
    """Run ``dialog`` until ``save()`` accepts what it holds: a taken name, a bad date or a
    missing field keeps the dialog open with the store's reason. False when cancelled."""
    while dialog.exec():
        try:
            save()
        except (UserError, ValueError, LookupError) as exc:
            dialog.show_error(str(exc.args[0]) if isinstance(exc, LookupError) and exc.args else str(exc))
            continue
        return True
    return False


def _retry_on_duplicate(window, dialog, save, change: Change) -> bool:
    if not retry_on_error(dialog, lambda: save(dialog.value())):
        return False
    window.changes.notify(change)
    return True


def add_site(window) -> bool:
    return _retry_on_duplicate(window, SiteDialog(window), lambda s: study.add_site(window.workspace.db, s),
                               Change(Entity.SITES))


def add_participant(window, site_id: int | None = None) -> bool:
    """Add a participant; the site is ``site_id`` or, by default, the last one added's site."""
    db = window.workspace.db
    if site_id is None:
        last = max(study.list_participants(db), key=lambda p: p.id, default=None)
        site_id = last.site_id if last else None
    dialog = ParticipantDialog(study.list_sites(db), study.next_participant_code(db), window, site_id=site_id)
    return _retry_on_duplicate(window, dialog, lambda p: study.add_participant(db, p),
                               Change(Entity.PARTICIPANTS))


def add_facilitator(window) -> bool:
    db = window.workspace.db
    dialog = FacilitatorDialog(study.next_facilitator_code(db), window)
    return _retry_on_duplicate(window, dialog, lambda f: study.add_facilitator(db, f), Change(Entity.FACILITATORS))


def add_session(window) -> bool:
    db = window.workspace.db
    dialog = SessionDialog(study.list_sites(db), study.list_participants(db), parent=window,
                           facilitators=study.list_facilitators(db))
    created = []
    ok = _retry_on_duplicate(window, dialog, lambda s: created.append(sessions.add_session(db, s)),
                             Change(Entity.SESSIONS))
    if ok and created:
        window.set_current_session(created[0].id)
    return ok


def edit_session(window, session_id: int | None = None) -> bool:
    """The session's details (the current session's unless ``session_id``)."""
    db = window.workspace.db
    sid = window.current_session_id() if session_id is None else session_id
    session = sessions.get_session(db, sid) if sid is not None else None
    if session is None:
        return False
    dialog = SessionDialog(study.list_sites(db), study.list_participants(db), session, window,
                           facilitators=study.list_facilitators(db))
    # a taken name keeps the dialog open with the reason, as when adding a session
    return _retry_on_duplicate(window, dialog, lambda _v: sessions.update_session(db, dialog.value(session)),
                               Change(Entity.SESSIONS, session.id))


def _filter(label: str, suffixes: tuple[str, ...]) -> str:
    return f"{label} ({' '.join('*' + s for s in suffixes)})"


def choose_outline(window, what: str, template: Path, file_filter: str) -> str:
    """"Use the template" (the bundled one) or "Choose a file…" (starting beside the templates)."""
    box = QMessageBox(QMessageBox.Icon.Question, f"Import {what}",
                      f"Start from the template {what} that comes with focusdesk, or import your own "
                      "file (YAML, Markdown, Word or a REFI-QDA codebook, as the file dialog lists).", parent=window)
    use = box.addButton(f"Use the template {what}", QMessageBox.ButtonRole.AcceptRole) if template.is_file() else None
    choose = box.addButton("Choose a file…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if use is not None and box.clickedButton() is use:
        return str(template)
    if box.clickedButton() is choose:
        path, _ = QFileDialog.getOpenFileName(window, f"Import {what}", str(template.parent), file_filter)
        return path
    return ""


def import_guide(window, path: str | None = None) -> bool:
    if path is None:
        path = choose_outline(window, "topic guide", TEMPLATE_GUIDE, _filter("Topic guides", GUIDE_SUFFIXES))
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
        path = choose_outline(window, "coding frame", TEMPLATE_FRAME, _filter("Coding frames", FRAME_SUFFIXES))
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
    warnings: list[str] = []  # a file shorter than its header says (added at its real length)
    try:
        try:
            import_audio_file(window.workspace, session_id, Path(path), warnings=warnings)
        except AlreadyImportedError as exc:
            text = str(exc).replace(" If you really want a second copy, import it again and confirm.", "")
            if QMessageBox.question(window, "Already imported", text + "\n\nImport a second copy anyway?",
                                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                    QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
                return False
            import_audio_file(window.workspace, session_id, Path(path), again=True,
                              warnings=warnings)
    except AudioFileError as exc:
        QMessageBox.warning(window, "Cannot import audio", str(exc))
        return False
    window.changes.notify(Change(Entity.RECORDINGS, session_id))
    window.status(f"Imported {Path(path).name}")
    if warnings:
        QMessageBox.warning(window, "Audio cut short", "\n\n".join(warnings))
    return True
