"""Edit and delete participants, facilitators, sites and sessions from the window.

Each action shows a dialog (or a confirmation that says what goes with a delete, counted by
``store/deletes.py``), calls the store and announces the change, so the sidebar, the Study tab,
open editors and the People dialog re-read. Adding lives in ``study_actions``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QMessageBox, QVBoxLayout

from focusdesk.core.changes import Change, Entity
from focusdesk.store import deletes, sessions, study
from focusdesk.store.deletes import Impact
from focusdesk.ui.dialogs import FacilitatorDialog, ParticipantDialog, SiteDialog
from focusdesk.ui.study_actions import retry_on_error

PEOPLE = (Entity.PARTICIPANTS, Entity.FACILITATORS, Entity.SPEAKERS)  # a name shown in transcripts


def confirm(window, impact: Impact) -> bool:
    """Ask before a delete, saying what goes with it; No is the default."""
    answer = QMessageBox.question(window, "Delete", impact.text(),
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def _notify(window, *entities: Entity, session_id: int | None = None) -> None:
    for entity in entities:
        window.changes.notify(Change(entity, session_id))


# --- participants ----------------------------------------------------------------------------

def edit_participant(window, participant_id: int) -> bool:
    db = window.workspace.db
    p = study.get_participant(db, participant_id)
    if p is None:
        return False
    dialog = ParticipantDialog(study.list_sites(db), parent=window, participant=p)
    if not retry_on_error(dialog, lambda: study.update_participant(db, dialog.value(p))):
        return False
    _notify(window, *PEOPLE, Entity.SESSIONS)
    window.status(f"Saved participant {p.code}")
    return True


def delete_participant(window, participant_id: int) -> bool:
    db = window.workspace.db
    if not confirm(window, deletes.participant_impact(db, participant_id)):
        return False
    code = study.get_participant(db, participant_id).code
    deletes.delete_participant(db, participant_id)
    _notify(window, *PEOPLE, Entity.SESSIONS, Entity.TAPS, Entity.MEMOS)
    window.status(f"Deleted participant {code}")
    return True


# --- facilitators ----------------------------------------------------------------------------

def edit_facilitator(window, facilitator_id: int) -> bool:
    db = window.workspace.db
    f = study.get_facilitator(db, facilitator_id)
    if f is None:
        return False
    dialog = FacilitatorDialog(parent=window, facilitator=f)
    if not retry_on_error(dialog, lambda: study.update_facilitator(db, dialog.value(f))):
        return False
    _notify(window, *PEOPLE, Entity.SESSIONS)
    window.status(f"Saved facilitator {f.name} ({f.code})")
    return True


def delete_facilitator(window, facilitator_id: int) -> bool:
    db = window.workspace.db
    if not confirm(window, deletes.facilitator_impact(db, facilitator_id)):
        return False
    deletes.delete_facilitator(db, facilitator_id)
    _notify(window, *PEOPLE, Entity.SESSIONS, Entity.TAPS)
    return True


# --- sites -----------------------------------------------------------------------------------

def edit_site(window, site_id: int) -> bool:
    db = window.workspace.db
    site = study.get_site(db, site_id)
    if site is None:
        return False
    dialog = SiteDialog(window, site)
    if not retry_on_error(dialog, lambda: study.update_site(db, dialog.value(site))):
        return False
    _notify(window, Entity.SITES, Entity.SESSIONS, Entity.PARTICIPANTS)
    return True


class SiteDeleteDialog(QDialog):
    """Confirm a site's delete; when it has people or sessions, choose where they go."""

    def __init__(self, window, site_id: int):
        super().__init__(window)
        self.setWindowTitle("Delete site")
        db = window.workspace.db
        self.db, self.site_id = db, site_id
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.move_to = QComboBox()
        self.move_to.addItem("(no site)", None)
        for s in study.list_sites(db):
            if s.id != site_id:
                self.move_to.addItem(f"Move them to {s.name}", s.id)
        counts = deletes.site_impact(db, site_id).counts
        self.move_to.setVisible(bool(counts["participants"] or counts["sessions"]))
        self.move_to.currentIndexChanged.connect(lambda _i: self._describe())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Delete site")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.move_to)
        layout.addWidget(buttons)
        self._describe()

    def _describe(self) -> None:
        self.text.setText(deletes.site_impact(self.db, self.site_id, self.move_to.currentData()).text())

    def value(self) -> int | None:
        return self.move_to.currentData()


def delete_site(window, site_id: int) -> bool:
    db = window.workspace.db
    dialog = SiteDeleteDialog(window, site_id)
    if not dialog.exec():
        return False
    deletes.delete_site(db, site_id, dialog.value())
    _notify(window, Entity.SITES, Entity.SESSIONS, Entity.PARTICIPANTS)
    return True


# --- sessions --------------------------------------------------------------------------------

def edit_session(window, session_id: int) -> bool:
    from focusdesk.ui.study_actions import edit_session as edit

    return edit(window, session_id)


def delete_session(window, session_id: int) -> bool:
    """Confirm with what goes, close the session's tabs (a recording or unsaved edit refuses),
    then delete its rows and media folder."""
    from focusdesk.ui.jobs_panel import jobs

    ws = window.workspace
    s = sessions.get_session(ws.db, session_id)
    if s is None:
        return False
    if any(h.spec.session_id == session_id for h in jobs(window).running()):
        QMessageBox.information(window, "Delete session", f"A job is running on {s.name}. Cancel it in the "
                                "Jobs panel or wait for it to finish, then delete the session.")
        return False
    if not confirm(window, deletes.session_impact(ws, session_id)):
        return False
    if not window.close_session_views(session_id):
        return False
    if window.current_session_id() == session_id:
        window.set_current_session(None)
    left = deletes.delete_session(ws, session_id)
    _notify(window, Entity.SESSIONS, Entity.RECORDINGS, Entity.SEGMENTS, Entity.SPEAKERS, Entity.CODINGS,
            Entity.MARKERS, session_id=session_id)
    if left:
        QMessageBox.warning(window, "Delete session", f"{s.name} is deleted, but {len(left)} file(s) in its "
                            f"folder could not be removed (open in another program?): {left[0]}")
    window.status(f"Deleted session {s.name}")
    return True
