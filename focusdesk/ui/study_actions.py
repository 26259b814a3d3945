"""What the Study and File menus do: show a dialog, call the store, tell the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from focusdesk.audio.probe import AudioFileError
from focusdesk.core.outline import OutlineError, load_frame_file, load_guide_file
from focusdesk.store import codes, guide, sessions, study
from focusdesk.store.media import import_audio_file
from focusdesk.store.study import AlreadyExists
from focusdesk.ui.dialogs import ParticipantDialog, SessionDialog, SiteDialog, StudyDialog


def edit_study(window) -> bool:
    db = window.workspace.db
    current = study.get_study(db)
    dialog = StudyDialog(current, window)
    if not dialog.exec():
        return False
    study.save_study(db, dialog.value(current))
    window.data_changed.emit()
    return True


def _retry_on_duplicate(window, dialog, save) -> bool:
    while dialog.exec():
        try:
            save(dialog.value())
        except AlreadyExists as exc:
            dialog.show_error(str(exc))
            continue
        window.data_changed.emit()
        return True
    return False


def add_site(window) -> bool:
    return _retry_on_duplicate(window, SiteDialog(window), lambda s: study.add_site(window.workspace.db, s))


def next_participant_code(existing: list[str]) -> str:
    n = 1
    while f"P{n:02d}" in existing:
        n += 1
    return f"P{n:02d}"


def add_participant(window) -> bool:
    db = window.workspace.db
    code = next_participant_code([p.code for p in study.list_participants(db)])
    dialog = ParticipantDialog(study.list_sites(db), code, window)
    return _retry_on_duplicate(window, dialog, lambda p: study.add_participant(db, p))


def add_session(window) -> bool:
    db = window.workspace.db
    dialog = SessionDialog(study.list_sites(db), study.list_participants(db), parent=window)
    created = []
    ok = _retry_on_duplicate(window, dialog, lambda s: created.append(sessions.add_session(db, s)))
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
    return _retry_on_duplicate(window, dialog, lambda _v: sessions.update_session(db, dialog.value(session)))


def import_guide(window, path: str | None = None) -> bool:
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import topic guide", "",
                                              "Topic guides (*.md *.yaml *.yml *.txt *.docx)")
    if not path:
        return False
    try:
        if Path(path).suffix.lower() == ".docx":
            from focusdesk.exchange.guide_docx import load_guide_docx

            g = load_guide_docx(Path(path))
        else:
            g = load_guide_file(Path(path))
    except (OutlineError, ValueError) as exc:
        QMessageBox.warning(window, "Cannot import topic guide", str(exc))
        return False
    guide.save_guide(window.workspace.db, g)
    window.data_changed.emit()
    window.status(f"Imported topic guide {g.title!r}: {len(g.sections)} sections")
    return True


def import_frame(window, path: str | None = None) -> bool:
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import coding frame", "",
                                              "Coding frames (*.yaml *.yml *.md *.txt *.qdc)")
    if not path:
        return False
    try:
        if Path(path).suffix.lower() == ".qdc":
            from focusdesk.exchange.qdc import read_qdc

            added = read_qdc(window.workspace.db, Path(path))
        else:
            added = codes.import_frame(window.workspace.db, load_frame_file(Path(path)))
    except (OutlineError, ValueError) as exc:
        QMessageBox.warning(window, "Cannot import coding frame", str(exc))
        return False
    window.data_changed.emit()
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
    window.data_changed.emit()
    window.status(f"Imported {Path(path).name}")
    return True
