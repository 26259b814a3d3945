"""Session ▸ Live console, Study ▸ Quick tags and consent script, and crash recovery at start."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
)

from focusdesk.core.changes import Change, Entity
from focusdesk.core.live import DEFAULT_QUICK_TAGS, consent_script, parse_quick_tags, quick_tags
from focusdesk.store import study
from focusdesk.ui.features.transcription import start_transcription

VIEW_KEY = "live-console"


def install(window) -> None:
    window.add_action("Session", "&Live console (record and tag)…", lambda: open_console(window),
                      "Ctrl+R", needs_session=True)
    window.add_action("Study", "&Quick tags and consent script…", lambda: edit_live_settings(window))
    QTimer.singleShot(0, lambda: recover_at_start(window))


def open_console(window, session_id: int | None = None):
    from focusdesk.ui.console.console_view import LiveConsole

    session_id = session_id or window.current_session_id()
    if session_id is None:
        return None
    existing = window.find_view(f"{VIEW_KEY}-{session_id}")
    if existing is not None:
        return window.open_view(existing.windowTitle(), existing, key=f"{VIEW_KEY}-{session_id}")
    for i in range(window.tabs.count()):  # one recorder at a time
        view = window.tabs.widget(i)
        if str(view.property("view_key") or "").startswith(VIEW_KEY) and view.recorder.is_recording():
            window.status("Another session is being recorded; stop it first.")
            window.tabs.setCurrentIndex(i)
            return view
    console = LiveConsole(window.workspace, session_id, window=window,
                          start_transcription=lambda sid: start_transcription(window, sid),
                          transcript_ready=lambda sid, find: transcript_ready(window, sid, find))
    title = f"Live: {console.session.name}" if console.session else "Live console"
    console.setWindowTitle(title)
    return window.open_view(title, console, key=f"{VIEW_KEY}-{session_id}")


def transcript_ready(window, session_id: int, find_speakers: bool) -> None:
    """The live transcript is complete after Stop: the editor opens on it; speaker finding starts
    at once if asked (its progress line is in the Jobs panel)."""
    from focusdesk.ui.features.diarization import open_speakers
    from focusdesk.ui.features.transcript_editor import open_editor

    if find_speakers:
        view = open_speakers(window, session_id)
        if view is not None and not view.is_running():
            view.start()
    open_editor(window, session_id)


def recover_at_start(window) -> list:
    """Repair recordings a crash interrupted, and tell the user which ones."""
    from focusdesk.audio.recovery import recover_interrupted

    try:
        found = recover_interrupted(window.workspace)
    except Exception as exc:  # noqa: BLE001 (never keep the window from opening)
        window.status(f"Checking for interrupted recordings failed: {exc}")
        return []
    if found:
        window.changes.notify(Change(Entity.RECORDINGS), Change(Entity.MARKERS))
        box = QMessageBox(QMessageBox.Icon.Information, "Recording recovered",
                          "focusdesk found recording(s) interrupted by a crash and put them back "
                          "into their sessions:\n\n" + "\n".join(f.describe() for f in found),
                          parent=window)
        box.setObjectName("recovery-message")
        box.open()  # not modal-blocking: the window stays usable
    return found


class LiveSettingsDialog(QDialog):
    def __init__(self, settings: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Quick tags and consent script")
        self.tags = QPlainTextEdit("\n".join(quick_tags(settings)))
        self.tags.setToolTip("One tag per line; the first twelve are on F1–F12 in the live console.")
        self.consent = QPlainTextEdit(consent_script(settings))
        self.consent.setPlaceholderText("Shown at the start of each session; a button marks the "
                                        "moment consent is given. Leave empty for none.")
        form = QFormLayout()
        form.addRow("Quick tags (F1–F12)", self.tags)
        form.addRow("Consent script", self.consent)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"Defaults: {', '.join(DEFAULT_QUICK_TAGS)}."))
        layout.addWidget(buttons)

    def values(self) -> dict:
        return {"quick_tags": parse_quick_tags(self.tags.toPlainText()),
                "consent_script": self.consent.toPlainText().strip()}


def edit_live_settings(window) -> None:
    st = study.get_study(window.workspace.db)
    dialog = LiveSettingsDialog(st.settings if st else {}, window)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        study.update_settings(window.workspace.db, **dialog.values())
        window.status("Quick tags and consent script saved; they apply to consoles opened from now.")
