"""The console's live transcript: a live transcription job beside the recorder, its captions in
the console's caption panel, and what happens once it is complete after Stop.

The job (:class:`focusdesk.transcribe.live_service.LiveTranscription`) runs in the job runner's
child process; its messages are stored on the UI thread by a timer (``BackgroundJob.pump``),
so the study's database stays with that thread. The recorder tells the job about takes through
``RecorderPanel.take_listener``; nothing here runs on the audio path.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer

from focusdesk.core.changes import Entity, session_changes
from focusdesk.jobs.session_job import BackgroundJob, JobOutcome, JobResult
from focusdesk.store import study
from focusdesk.transcribe.live_service import (
    LIVE_KEY,
    SPEED_KEY,
    Caption,
    LiveTranscription,
    SpeedCheck,
    catching_up,
    live_enabled,
)
from focusdesk.ui import settings as prefs
from focusdesk.ui.interfaces import TranscriptReady

log = logging.getLogger(__name__)

PUMP_MS = 250
ANNOUNCE_S = 1.0  # segment changes told to the window at most once a second


def _transcription_settings():
    """The settings last chosen for offline transcription (model and engine as there)."""
    from focusdesk.transcribe.types import DEFAULT_MODEL, Settings

    try:
        return Settings(engine=str(prefs.value("transcription/engine", "auto")),
                        model=str(prefs.value("transcription/model", DEFAULT_MODEL) or DEFAULT_MODEL),
                        language=str(prefs.value("transcription/language", "") or "") or None)
    except (TypeError, ValueError):
        return Settings()


class LiveTranscriptDriver(QObject):
    def __init__(self, console, transcript_ready: TranscriptReady | None = None):
        super().__init__(console)
        self.console = console
        self.transcript_ready = transcript_ready
        self.panel = console.captions
        self.job: LiveTranscription | None = None
        self.runner: BackgroundJob | None = None
        self.result: JobResult | None = None
        self.speed: BackgroundJob | None = None  # the speed check of the microphone test
        self._announced = 0.0
        self._pending = False
        st = study.get_study(console.ws.db)
        self.panel.enabled_box.setChecked(live_enabled(st.settings if st else {}))
        self.panel.enabled_box.toggled.connect(self._toggled)
        self.panel.find_speakers.setEnabled(transcript_ready is not None)
        self.panel.find_speakers.setChecked(bool(prefs.value("recording/find_speakers", False,
                                                             type_=bool)))
        self.panel.find_speakers.toggled.connect(
            lambda on: prefs.set_value("recording/find_speakers", on))
        self.panel.quote_requested.connect(console.mark_quote_at)
        self.panel.note_requested.connect(console.note_at)
        self.panel.status.setText("" if self.panel.enabled_box.isChecked()
                                  else "Captions are off for this study.")
        console.recorder.starting.connect(self.start)
        console.recorder.test_button.clicked.connect(self.measure)
        # a recorder that could not start: no take will come (one that failed later stops as
        # usual, and the tail of what it kept is transcribed)
        console.recorder.failed.connect(lambda _m: self.cancel() if console.recorder.recorder is None
                                        else None)
        self.timer = QTimer(self)
        self.timer.setInterval(PUMP_MS)
        self.timer.timeout.connect(self.pump)
        self.speed_timer = QTimer(self)
        self.speed_timer.setInterval(PUMP_MS)
        self.speed_timer.timeout.connect(self._pump_speed)

    def _toggled(self, on: bool) -> None:
        study.update_settings(self.console.ws.db, **{LIVE_KEY: on})
        self.panel.status.setText("" if on else "Captions are off for this study.")

    def is_running(self) -> bool:
        return self.runner is not None and self.result is None

    # --- does this computer keep up? (measured during the microphone test) --------------------

    def measure(self) -> None:
        if self.speed is not None or self.is_running():
            return
        check = SpeedCheck(self.console.session_id, _transcription_settings())
        self.speed = BackgroundJob(check).start()
        self.speed_timer.start()

    def _pump_speed(self) -> None:
        result = self.speed.pump() if self.speed is not None else None
        if result is None:
            return
        self.speed_timer.stop()
        check, self.speed = self.speed.run.job, None
        if check.factor is None:
            return
        settings = study.update_settings(self.console.ws.db, **{SPEED_KEY: check.factor})
        if settings.get(LIVE_KEY) is None:  # not chosen yet: the measurement decides
            self.panel.enabled_box.blockSignals(True)
            self.panel.enabled_box.setChecked(live_enabled(settings))
            self.panel.enabled_box.blockSignals(False)
        self.panel.status.setText(result.message)

    # --- start, pump, stop ---------------------------------------------------------------------

    def start(self) -> bool:
        """Called as the recorder is about to start: the job is told about every take."""
        self.console.recorder.take_listener = None
        if self.is_running():
            if not self.job.stopped:  # a resume: the same job goes on
                self.console.recorder.take_listener = self.job
                return False
            self.cancel()  # still finishing the last run's tail: the new job resumes it
        if not self.panel.enabled_box.isChecked():
            return False
        try:
            job = LiveTranscription(self.console.ws, self.console.session_id, _transcription_settings())
        except (LookupError, ValueError) as exc:
            self.panel.status.setText(f"No captions: {exc}")
            return False
        job.on_caption = self._caption
        self.job, self.result = job, None
        self.runner = BackgroundJob(job).start()
        self.console.recorder.take_listener = job
        self.panel.status.setText("Captions: loading the model…")
        self.timer.start()
        return True

    def pump(self) -> None:
        if self.runner is None:
            return
        try:
            result = self.runner.pump()
        except Exception as exc:  # noqa: BLE001 (storing failed, e.g. a full disk: the recording goes on)
            log.warning("live transcript stopped: %s", type(exc).__name__)
            result = self.runner.run.result
            self.panel.status.setText(f"Captions stopped: {exc}")
        self._announce()
        if result is not None:
            self._ended(result)
            return
        rec = self.console.recorder
        now = rec.position_ms() if rec.is_recording() else None
        behind = self.job.behind_ms(now) / 1000
        if self.job.engine_info:
            note = catching_up(behind)
            if rec.is_recording():
                self.panel.status.setText(f"Captions: {note}" if note else "Captions: live")
            else:
                self.panel.status.setText(f"Finishing the transcript ({behind:.0f} s of audio left)…")

    def _caption(self, caption: Caption) -> None:
        if caption.provisional:
            self.panel.set_tail(caption.start_ms, caption.text)
            return
        item = self.console.live.item_at(caption.start_ms)
        self.panel.add_caption(caption.start_ms, caption.text, item.key if item else "")
        self._pending = True

    def _announce(self, force: bool = False) -> None:
        window = self.console.window_
        if not self._pending or window is None:
            return
        if force or time.monotonic() - self._announced >= ANNOUNCE_S:
            self._announced, self._pending = time.monotonic(), False
            window.changes.notify(*session_changes(self.console.session_id, Entity.SEGMENTS))

    def finish_after_stop(self) -> bool:
        """After Stop: the job transcribes the tail and ends; False when there is no live job."""
        if not self.is_running():
            return False
        self.job.stop()
        self.panel.status.setText("Finishing the transcript…")
        return True

    def cancel(self) -> None:
        if self.speed is not None:
            self.speed.cancel()
            self.speed = None
            self.speed_timer.stop()
        if self.is_running():
            self.job.stop()
            result = self.runner.cancel()
            self._ended(result or self.runner.run.result)

    def _ended(self, result: JobResult | None) -> None:
        self.timer.stop()
        self.console.recorder.take_listener = None
        self.panel.clear_tail()
        self._announce(force=True)
        self.result = result
        if result is None:
            return
        if result.outcome is JobOutcome.DONE:
            self.panel.status.setText(f"Transcript complete: {self.job.stored} segment(s).")
            if self.transcript_ready is not None and not self.console.recorder.is_recording():
                self.transcript_ready(self.console.session_id, self.panel.find_speakers.isChecked())
            return
        self.panel.status.setText("Captions stopped; what was transcribed is kept.")
        if not self.console.recorder.is_recording() and result.outcome is not JobOutcome.CANCELLED:
            self.console.offer_transcription(self.console.recorder.recorder.takes
                                             if self.console.recorder.recorder else [])
