"""Session ▸ Transcribe session…: settings, then a job in the window's jobs panel, segments
streaming into the editor.

The work is a :class:`focusdesk.transcribe.service.SessionTranscription` run by the window's jobs
(:mod:`focusdesk.ui.jobs_panel`) in a child process (a crash or an out-of-memory kill never takes
the window down); the UI thread stores each segment as it arrives (the study's database belongs
to that thread). The session's segments are announced to the window's change hub at
most twice a second while they come in, and that session's open transcript editor reloads. A job that was cancelled, crashed or killed resumes after its
last stored segment when it is started again.

``start_transcription(window, session_id)`` is the entry point for other features (the live
console calls it after a recording stops); it uses the last settings chosen in the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.changes import Entity, session_changes
from focusdesk.core.hints import for_window
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobResult
from focusdesk.store import sessions, study
from focusdesk.transcribe.service import VOCABULARY_KEY, SessionTranscription
from focusdesk.transcribe.types import DEFAULT_MODEL, ENGINES, Settings
from focusdesk.ui import settings as prefs
from focusdesk.ui.features import transcript_editor
from focusdesk.ui.jobs_panel import JobHandle, jobs

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


class TranscriptionController(QObject):
    """The window's transcriptions: plan, start through the window's jobs (one at a time), tell
    the views as segments arrive, and say how it ended."""

    finished = Signal(object)  # JobOutcome

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.jobs = jobs(window)
        self.handle: JobHandle | None = None
        self.last_result: JobResult | None = None
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(lambda: self._announce(self.job))

    @property
    def job(self) -> SessionTranscription | None:
        return self.handle.job if self.handle is not None else None

    def is_running(self) -> bool:
        return self.handle is not None

    def start(self, session_id: int, settings: Settings, restart: bool = False) -> bool:
        """Plan and start; False (with the reason in the jobs panel and status bar) when it cannot."""
        refused = self.jobs.refuse(JobKind.TRANSCRIBE)
        if refused:
            self.jobs.say(refused)
            return False
        ws = self.window.workspace
        session = sessions.get_session(ws.db, session_id)
        if session is None:
            return False
        try:
            job = SessionTranscription(ws, session_id, settings, restart=restart)
        except (LookupError, ValueError) as exc:
            self.jobs.say(str(exc))
            return False
        if not job.tasks:
            notes = "; ".join(job.skipped)
            self.jobs.say(f"Nothing to transcribe in {session.name}" + (f" ({notes})." if notes else ".")
                          + " Tick “Start again from the beginning” to transcribe it again.")
            return False
        job.on_segment = self._on_segment
        self.handle = self.jobs.start(job)
        if job.resumed:
            self.jobs.panel.row_for(self.handle).detail.setText(
                "Resuming after the last stored segment.")
        self.handle.ended.connect(self._on_ended)
        self._open_editor(session_id)
        self.window.status(f"Transcribing {session.name}…")
        return True

    def cancel(self) -> None:
        if self.handle is not None:
            row = self.jobs.panel.row_for(self.handle)
            if row is not None:
                row.cancel()
            else:
                self.handle.cancel()

    def wait(self, timeout_ms: int = 10000) -> bool:
        return self.handle.wait(timeout_ms) if self.handle is not None else True

    # --- in the UI thread ----------------------------------------------------------------------

    def _on_segment(self, segment) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def _on_ended(self, result: JobResult) -> None:
        handle, self.handle = self.handle, None
        self._refresh.stop()
        self.last_result = result
        row = self.jobs.panel.row_for(handle)
        if row is not None and result.outcome is JobOutcome.DONE and handle.job.low_confidence:
            row.detail.setText(f"{for_window(result.message)} F7 in the transcript goes from one to the next.")
        self._announce(handle.job)
        self.finished.emit(result.outcome)

    def _announce(self, job: SessionTranscription | None) -> None:
        """Tell the views that the job's session has new turns (and maybe new voices)."""
        if job is not None:
            self.window.changes.notify(*session_changes(job.session_id, Entity.SEGMENTS, Entity.SPEAKERS))

    def _open_editor(self, session_id: int) -> None:
        transcript_editor.open_editor(self.window, session_id)


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

    Returns False, with the reason in the status bar and the jobs panel, when it cannot start
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
        jobs(window).say(str(exc))
        return False
    save_settings(settings)
    study.update_settings(window.workspace.db, **{VOCABULARY_KEY: dialog.vocabulary_terms()})
    return start_transcription(window, session_id, settings, restart=dialog.restart.isChecked())


def install(window) -> None:
    controller(window)
    window.add_action("Session", "&Transcribe session…", lambda: transcribe_action(window),
                      "Ctrl+Shift+T", needs_session=True)
