"""Session ▸ Transcribe session…: settings, a progress panel, segments streaming into the editor.

The work runs through :func:`focusdesk.jobs.runner.run_job` in a child process (a crash or an
out-of-memory kill never takes the window down); a :class:`JobThread` waits on it off the UI
thread and hands every message back through a queued Qt signal, so the UI thread stores each
segment as it arrives (the study's database belongs to that thread). The session's segments are
announced to the window's change hub at most twice a second while they come in, and that
session's open transcript editor reloads (others do not). A job that
was cancelled, crashed or killed resumes after its last stored segment when it is started again.

``start_transcription(window, session_id)`` is the entry point for other features (the live
console calls it after a recording stops); it uses the last settings chosen in the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.changes import Entity, session_changes
from focusdesk.jobs.runner import JobCancelled
from focusdesk.store import sessions, study
from focusdesk.transcribe.job import WORKER
from focusdesk.transcribe.progressbar import format_eta
from focusdesk.transcribe.service import VOCABULARY_KEY, SessionTranscription, low_confidence_words
from focusdesk.transcribe.types import DEFAULT_MODEL, ENGINES, Settings
from focusdesk.ui import settings as prefs
from focusdesk.ui.features import transcript_editor
from focusdesk.ui.job_thread import JobThread

REFRESH_MS = 500  # segment changes announced at most twice a second while segments arrive
LANGUAGES = [("Detect", ""), ("English", "en"), ("German", "de"), ("French", "fr"),
             ("Spanish", "es"), ("Italian", "it"), ("Dutch", "nl"), ("Portuguese", "pt"),
             ("Polish", "pl"), ("Welsh", "cy")]
DECODING = [("Engine default (greedy for faster-whisper, beam of 5 for openai-whisper)", 0),
            ("Greedy: fastest", 1), ("Beam search of 5: slower, sometimes better on hard audio", 5)]


def saved_settings() -> Settings:
    """The settings last chosen in the dialog (defaults: auto engine, bundled model, detect)."""
    try:
        return Settings(engine=str(prefs.value("transcription/engine", "auto")),
                        model=str(prefs.value("transcription/model", DEFAULT_MODEL) or DEFAULT_MODEL),
                        language=str(prefs.value("transcription/language", "") or "") or None,
                        per_channel=prefs.value("transcription/per_channel", False, bool),
                        beam_size=int(prefs.value("transcription/beam_size", 0) or 0) or None)
    except (TypeError, ValueError):  # a stale or hand-edited preference
        return Settings()


def save_settings(s: Settings) -> None:
    prefs.set_value("transcription/engine", s.engine)
    prefs.set_value("transcription/model", s.model)
    prefs.set_value("transcription/language", s.language or "")
    prefs.set_value("transcription/per_channel", s.per_channel)
    prefs.set_value("transcription/beam_size", s.beam_size or 0)


class TranscriptionPanel(QWidget):
    """Percent, ETA, what is being done, segments stored, Cancel."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("No transcription running.")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.eta = QLabel(format_eta(None))
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.eta)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.detail)

    def running(self, title: str, note: str = "") -> None:
        self.title.setText(title)
        self.progress.setValue(0)
        self.eta.setText(format_eta(None))
        self.detail.setText(note or "Starting…")
        self.cancel_button.setEnabled(True)

    def show_progress(self, fraction: float, eta_s: float | None, text: str) -> None:
        self.progress.setValue(int(round(max(0.0, min(1.0, fraction)) * 100)))
        self.eta.setText(format_eta(eta_s))
        if text:
            self.detail.setText(text)

    def ended(self, text: str) -> None:
        self.cancel_button.setEnabled(False)
        self.detail.setText(text)


class TranscriptionController(QObject):
    """One transcription at a time per window: the job, its thread, the panel, storage."""

    finished = Signal(str)  # outcome kind

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: SessionTranscription | None = None
        self.thread: JobThread | None = None
        self.last_outcome = ""
        self.last_error = ""
        self.panel = TranscriptionPanel()
        self.panel.cancel_requested.connect(self.cancel)
        self.dock = QDockWidget("Transcription", window)
        self.dock.setObjectName("transcription-dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(lambda: self._announce(self.job))
        self._low = 0
        window.installEventFilter(self)

    def is_running(self) -> bool:
        return self.thread is not None

    def start(self, session_id: int, settings: Settings, restart: bool = False) -> bool:
        """Plan and start; False (with the reason in the panel and status bar) when it cannot."""
        if self.is_running():
            self._say("A transcription is already running; wait for it or cancel it first.")
            return False
        ws = self.window.workspace
        session = sessions.get_session(ws.db, session_id)
        if session is None:
            return False
        try:
            job = SessionTranscription(ws, session_id, settings, restart=restart)
        except (LookupError, ValueError) as exc:
            self._say(str(exc))
            return False
        if not job.tasks:
            notes = "; ".join(job.skipped)
            self._say(f"Nothing to transcribe in {session.name}" + (f" ({notes})." if notes else ".")
                      + " Tick “Start again from the beginning” to transcribe it again.")
            return False
        self.job, self._low = job, 0
        job.on_segment = self._on_segment
        note = "Resuming after the last stored segment." if job.resumed else ""
        self.panel.running(f"Transcribing {session.name}", note)
        self.dock.show()
        self._open_editor(session_id)
        self.thread = JobThread(WORKER, job.params(), self)
        self.thread.progress.connect(self._on_progress)
        self.thread.message.connect(self._on_message)
        self.thread.ended.connect(self._on_outcome)
        self.thread.start()
        self.window.status(f"Transcribing {session.name}…")
        return True

    def cancel(self) -> None:
        if self.thread is not None:
            self.panel.detail.setText("Cancelling…")
            self.thread.cancel()

    def wait(self, timeout_ms: int = 10000) -> bool:
        return self.thread.wait(timeout_ms) if self.thread is not None else True

    # --- in the UI thread ----------------------------------------------------------------------

    def _on_message(self, message: dict) -> None:
        if self.job is None:
            return
        try:
            self.job.handle(message)
        except Exception as exc:  # noqa: BLE001 - e.g. the study was closed: stop, say why
            self.last_error = f"Could not store the transcript: {exc}"
            self.cancel()

    def _on_progress(self, fraction: float, eta_s, text: str) -> None:
        if self.job is None:
            return
        if self.job.stored:
            text = f"{text} — {self.job.stored} segment(s) stored"
        self.panel.show_progress(fraction, eta_s, text)

    def _on_segment(self, segment) -> None:
        self._low += len(low_confidence_words(segment))
        if not self._refresh.isActive():
            self._refresh.start()

    def _on_outcome(self, kind: str, text: str) -> None:
        kept = "What was transcribed is kept; start again to continue where it stopped."
        if kind == "cancelled":
            text = f"Cancelled. {kept}"
        elif kind == "crashed":
            text = f"{text} {kept}"
        job, thread = self.job, self.thread
        thread.wait()
        self.thread = None
        self.job = None
        error = None if kind == "done" else (JobCancelled(text) if kind == "cancelled"
                                             else RuntimeError(text))
        try:
            job.finish(error)
        except Exception:  # noqa: BLE001 - the study may be closed already
            pass
        self._refresh.stop()
        if kind == "done":
            self.panel.show_progress(1.0, 0.0, "")
            text = (f"Done: {job.stored} segment(s) stored"
                    + (f", {self._low} low-confidence word(s) to review (F7 in the transcript "
                       "goes from one to the next)." if self._low else "."))
        if self.last_error and kind == "cancelled":
            kind, text = "failed", self.last_error
        self.last_error = ""
        self.last_outcome = kind
        self.panel.ended(text)
        self.window.status(text.splitlines()[0] if text else "", 10000)
        self._announce(job)
        thread.deleteLater()
        self.finished.emit(kind)

    def _announce(self, job: SessionTranscription | None) -> None:
        """Tell the views that the job's session has new turns (and maybe new voices)."""
        if job is not None:
            self.window.changes.notify(*session_changes(job.session_id, Entity.SEGMENTS, Entity.SPEAKERS))

    def _say(self, text: str) -> None:
        self.panel.ended(text)
        self.dock.show()
        self.window.status(text, 10000)

    def _open_editor(self, session_id: int) -> None:
        transcript_editor.open_editor(self.window, session_id)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if obj is self.window and event.type() == QEvent.Type.Close and self.is_running():
            answer = QMessageBox.question(
                self.window, "Transcription running",
                "A transcription is running. Stop it and close? What is transcribed so far is "
                "kept, and it continues from there next time.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return True
            self.cancel()
            self.wait()
            QCoreApplication.sendPostedEvents(self)  # store what came in, mark the run cancelled
        return super().eventFilter(obj, event)


class TranscribeDialog(QDialog):
    """Engine, model, language, per-channel, vocabulary, start again."""

    def __init__(self, window, session_name: str, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setWindowTitle(f"Transcribe {session_name}")
        s = saved_settings()
        self.engine = QComboBox()
        for name, label in zip(ENGINES, ["Automatic (faster-whisper for the bundled model)",
                                         "faster-whisper (CTranslate2, int8)",
                                         "openai-whisper (reference)"]):
            self.engine.addItem(label, name)
        self.engine.setCurrentIndex(max(0, ENGINES.index(s.engine)))
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setToolTip("A model name from “focusdesk models list”, a CTranslate2 folder or "
                              "an openai-whisper .pt file.")
        try:
            from focusdesk.transcribe.models import list_models

            names = list(dict.fromkeys(r.name for r in list_models()))
        except Exception:  # noqa: BLE001 - a broken cache must not stop the dialog
            names = []
        for name in names or [DEFAULT_MODEL]:
            self.model.addItem(name)
        self.model.setCurrentText(s.model)
        self.language = QComboBox()
        for label, code in LANGUAGES:
            self.language.addItem(label, code)
        index = self.language.findData(s.language or "")
        if index < 0:
            self.language.addItem(s.language or "", s.language or "")
            index = self.language.count() - 1
        self.language.setCurrentIndex(index)
        st = study.get_study(window.workspace.db)
        self.vocabulary = QLineEdit(", ".join((st.settings.get(VOCABULARY_KEY) or []) if st else []))
        self.vocabulary.setPlaceholderText("names and jargon, comma-separated (optional)")
        self.vocabulary.setToolTip("Words heard close to these are spelled this way in the transcript "
                                   "(“Sheila” → “Sheilagh”); near misses "
                                   "are flagged for review. Saved with the study.")
        self.decoding = QComboBox()
        for label, beam in DECODING:
            self.decoding.addItem(label, beam)
        self.decoding.setCurrentIndex(max(0, self.decoding.findData(s.beam_size or 0)))
        self.decoding.setToolTip("Greedy decoding was as accurate as a beam of 5 on the benchmark's "
                                 "speech with tiny.en, in about half the time.")
        self.per_channel = QCheckBox("One speaker per channel: transcribe each channel on its own")
        self.per_channel.setChecked(s.per_channel)
        self.restart = QCheckBox("Start again from the beginning (replaces this session's "
                                 "Whisper transcript)")
        form = QFormLayout()
        form.addRow("Engine", self.engine)
        form.addRow("Model", self.model)
        form.addRow("Language", self.language)
        form.addRow("Vocabulary", self.vocabulary)
        form.addRow("Decoding", self.decoding)
        form.addRow(self.per_channel)
        form.addRow(self.restart)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Transcribe")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Runs on this computer; nothing is sent anywhere."))
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        return Settings(engine=self.engine.currentData(), model=self.model.currentText().strip()
                        or DEFAULT_MODEL, language=self.language.currentData() or None,
                        per_channel=self.per_channel.isChecked(),
                        beam_size=self.decoding.currentData() or None)

    def vocabulary_terms(self) -> list[str]:
        return [t.strip() for t in self.vocabulary.text().split(",") if t.strip()]


def controller(window) -> TranscriptionController:
    existing = getattr(window, "_transcription_controller", None)
    if existing is None:
        existing = TranscriptionController(window)
        window._transcription_controller = existing
    return existing


def start_transcription(window, session_id: int, settings: Settings | None = None,
                        restart: bool = False) -> bool:
    """Start transcribing ``session_id`` in the background (last used settings by default).

    Returns False, with the reason in the status bar and the panel, when it cannot start
    (another transcription is running, no recording, nothing left to do).
    """
    return controller(window).start(session_id, settings or saved_settings(), restart=restart)


def transcribe_action(window) -> bool:
    session_id = window.current_session_id()
    if session_id is None:
        return False
    session = sessions.get_session(window.workspace.db, session_id)
    dialog = TranscribeDialog(window, session.name if session else "session")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    try:
        settings = dialog.settings()
    except ValueError as exc:
        controller(window)._say(str(exc))
        return False
    save_settings(settings)
    study.update_settings(window.workspace.db, **{VOCABULARY_KEY: dialog.vocabulary_terms()})
    return start_transcription(window, session_id, settings, restart=dialog.restart.isChecked())


def install(window) -> None:
    controller(window)
    window.add_action("Session", "&Transcribe session…", lambda: transcribe_action(window),
                      "Ctrl+Shift+T", needs_session=True)
