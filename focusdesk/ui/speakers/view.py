"""The Speakers view of a session: find the voices, hear each, say who it is.

One row per voice (S1, S2, ...): total talk time and share, a short sample from its longest
turn to play, a combo to map it to a participant (shown by pseudonym from then on) or a
facilitator, and "Enrol voice" to keep the mapped person's voice so later sessions recognise
them. Mapping calls ``store.speaker_ops.assign_speaker`` and announces ``changed`` (relayed to
the window's change hub as this session's speakers), so the transcript editor and exports show the pseudonym at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.hints import for_window
from focusdesk.core.timefmt import format_ms
from focusdesk.diarize import service
from focusdesk.diarize.taps import map_voices_from_taps
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobResult
from focusdesk.store import diarization, sessions, speaker_ops, study, transcripts
from focusdesk.store.workspace import Workspace
from focusdesk.ui.jobs_panel import JobHandle, WindowJobs
from focusdesk.ui.speakers.taps_dialog import SeatTapsDialog
from focusdesk.ui.transcript.menus import facilitator_text

SAMPLE_MS = 6000  # the sample played: the start of the voice's longest turn
COLUMNS = ["Voice", "Talk time", "Share", "Sample", "Who is it?", "Voice print"]
COL_VOICE, COL_TIME, COL_SHARE, COL_SAMPLE, COL_PERSON, COL_ENROL = range(6)


class FindSpeakersDialog(QDialog):
    """Options for a run: how many voices (or estimate), channel mode where it applies."""

    def __init__(self, workspace: Workspace, session_id: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Find speakers")
        session = sessions.get_session(workspace.db, session_id)
        recs = transcripts.list_recordings(workspace.db, session_id)
        hint = service.speaker_hint(session) if session else None
        form = QFormLayout(self)
        self.count = QSpinBox()
        self.count.setRange(0, 20)
        self.count.setSpecialValueText("Estimate")
        self.count.setToolTip("Leave at 'Estimate' unless you know how many people spoke.")
        form.addRow("Number of voices:", self.count)
        note = (f"Estimated, at most {hint}: the participants and facilitators listed for this session "
                "(a facilitator is counted when none is listed)."
                if hint else "Estimated from the recording (no participants are listed for this session).")
        self.hint = QLabel(note)
        self.hint.setWordWrap(True)
        form.addRow("", self.hint)
        self.channels = QCheckBox("One speaker per channel (a microphone per person; no voice model)")
        stereo = bool(recs) and all(r.channels >= 2 for r in recs)
        self.channels.setEnabled(stereo)
        if not stereo:
            self.channels.setToolTip("Needs a recording with two or more channels.")
        self.channels.toggled.connect(lambda on: self.count.setEnabled(not on))
        form.addRow("", self.channels)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Find speakers")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> tuple[int | None, bool]:
        channels = self.channels.isEnabled() and self.channels.isChecked()
        return (None if channels or self.count.value() == 0 else self.count.value()), channels


class SpeakersView(QWidget):
    changed = Signal()  # a mapping or a run changed the study
    status = Signal(str)

    def __init__(self, workspace: Workspace, session_id: int, parent=None,
                 jobs: WindowJobs | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.session_id = session_id
        self.jobs = jobs  # the window's jobs, which run and show the speaker search
        self.job: JobHandle | None = None
        self._player = None
        self._summary: list[diarization.SpeakerSummary] = []
        self._key: tuple | None = None
        self._reload_pending = False
        self._shut = False

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.find_button = QPushButton("Find speakers…")
        self.find_button.setToolTip("Find who spoke when in this session's recordings, offline")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.taps_button = QPushButton("Seat taps…")
        self.taps_button.setToolTip("Review the “this is … speaking” taps of this session, delete "
                                    "wrong ones and name the voices from the rest")
        self.taps_button.clicked.connect(self.open_taps)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.taps_button)
        top.addWidget(self.find_button)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PERSON, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.tap_notes = QLabel()  # what the seat taps named, and what they leave to confirm
        self.tap_notes.setWordWrap(True)
        self.tap_notes.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.tap_notes)
        layout.addWidget(self.empty, 1)
        self.reload()

    # --- data --------------------------------------------------------------------------------

    def _people(self) -> list[tuple[str, tuple[int | None, int | None]]]:
        """Combo entries: nobody, this session's participants, the others, then facilitators."""
        db = self.workspace.db
        session = sessions.get_session(db, self.session_id)
        here = set(session.participant_ids) if session else set()
        parts = study.list_participants(db)
        ordered = [p for p in parts if p.id in here] + [p for p in parts if p.id not in here]
        out: list[tuple[str, tuple[int | None, int | None]]] = [("— not mapped —", (None, None))]
        for p in ordered:
            where = "" if p.id in here else ", not listed for this session"
            out.append((f"{p.code} (participant{where})", (p.id, None)))
        runs = set(session.facilitator_ids) if session else set()
        for f in sorted(study.list_facilitators(db), key=lambda f: f.id not in runs):
            out.append((facilitator_text(f), (None, f.id)))
        return out

    def reload(self) -> None:
        db = self.workspace.db
        session = sessions.get_session(db, self.session_id)
        if session is None:
            self.title.setText("This session no longer exists.")
            self.find_button.setEnabled(False)
            return
        runs = diarization.last_runs(db, self.session_id)
        how = ""
        if runs:
            last = runs[-1]
            how = (f" — voices found {last['created_at'][:16].replace('T', ' ')} "
                   f"({'one per channel' if last['mode'] == 'channels' else 'voice model'})")
        self.title.setText(f"Speakers of {session.name}{how}")
        self._summary = diarization.summarise(db, self.session_id)
        people = self._people()
        with_voice = speaker_ops.speakers_with_voice(db, self.session_id)
        key = ([s.speaker.id for s in self._summary], [text for text, _ in people])
        if key != self._key:  # new voices or people: new widgets; otherwise update in place
            self._key = key
            self._build_rows(people)
        for row, s in enumerate(self._summary):
            self.table.item(row, COL_VOICE).setText(s.speaker.label)
            self.table.item(row, COL_TIME).setText(format_ms(s.talk_ms))
            self.table.item(row, COL_SHARE).setText(f"{s.share * 100:.0f}%")
            self.table.cellWidget(row, COL_SAMPLE).setEnabled(s.sample is not None)
            combo = self.combo(row)
            current = (s.speaker.participant_id, s.speaker.facilitator_id)
            index = next((i for i, (_, ids) in enumerate(people) if ids == current), 0)
            if combo.currentIndex() != index:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
            self.table.cellWidget(row, COL_ENROL).setEnabled(bool(s.person) and s.speaker.id in with_voice)
        self.table.setVisible(bool(self._summary))
        self.tap_notes.setText(self._tap_text() if self._summary else "")
        self.tap_notes.setVisible(bool(self.tap_notes.text()))
        self.empty.setVisible(not self._summary)
        has_recording = bool(transcripts.list_recordings(db, self.session_id))
        self.empty.setText("No speakers yet. Click “Find speakers…” to find the voices in the recording."
                           if has_recording else
                           "This session has no recording yet: record it or import its audio "
                           "(File ▸ Import ▸ Audio into this session…), then find the speakers.")
        self.find_button.setEnabled(self.job is None and has_recording)

    def _tap_text(self) -> str:
        """The seat taps' verdict, not applied: named voices and what the user should confirm."""
        mapping = map_voices_from_taps(self.workspace.db, self.session_id, apply=False)
        if not (mapping.assigned or mapping.conflicts):
            return ""
        lines = []
        if mapping.assigned:
            lines.append("Named from the seat taps: " + "; ".join(n.text for n in mapping.assigned) + ".")
        lines += ["Please confirm: " + (f"{n.label}: " if n.label else "") + n.text
                  for n in mapping.conflicts + mapping.untapped]
        return "\n".join(lines)

    def _build_rows(self, people) -> None:
        self.table.setRowCount(len(self._summary))
        for row in range(len(self._summary)):
            for col in (COL_VOICE, COL_TIME, COL_SHARE):
                self.table.setItem(row, col, QTableWidgetItem())
            play = QPushButton("▶ Play")
            play.setToolTip("Play a few seconds of this voice's longest turn")
            play.clicked.connect(lambda _=False, r=row: self.play_sample(r))
            self.table.setCellWidget(row, COL_SAMPLE, play)
            combo = QComboBox()
            for text, ids in people:
                combo.addItem(text, ids)
            combo.currentIndexChanged.connect(lambda _i, r=row, c=combo: self.assign(r, c.currentData()))
            self.table.setCellWidget(row, COL_PERSON, combo)
            enrol = QPushButton("Enrol voice")
            enrol.setToolTip("Keep this as the mapped person's voice, so later sessions recognise "
                             "them (for the facilitator, who is in every session)")
            enrol.clicked.connect(lambda _=False, r=row: self.enrol(r))
            self.table.setCellWidget(row, COL_ENROL, enrol)

    def schedule_reload(self) -> None:
        """Reload after the current event (the window's change batch may come from a combo of
        this very view, which a rebuild would delete while it is still emitting)."""
        if not self._reload_pending:
            self._reload_pending = True
            QTimer.singleShot(0, self._deferred_reload)

    def _deferred_reload(self) -> None:
        self._reload_pending = False
        if not self._shut:  # the window closed (and its study) since the reload was asked for
            self.reload()

    def row_of(self, label: str) -> int:
        return next(i for i, s in enumerate(self._summary) if s.speaker.label == label)

    def combo(self, row: int) -> QComboBox:
        return self.table.cellWidget(row, COL_PERSON)

    # --- mapping -----------------------------------------------------------------------------

    def taps_dialog(self) -> SeatTapsDialog:
        dialog = SeatTapsDialog(self.workspace, self.session_id, self)
        dialog.changed.connect(self.reload)
        dialog.changed.connect(self.changed.emit)
        return dialog

    def open_taps(self) -> None:
        self.taps_dialog().exec()

    def assign(self, row: int, ids) -> None:
        ids = tuple(ids) if ids else (None, None)
        sp = self._summary[row].speaker
        speaker_ops.assign_speaker(self.workspace.db, self.session_id, sp.id,
                                   participant_id=ids[0], facilitator_id=ids[1])
        name = transcripts.speaker_names(self.workspace.db, self.session_id).get(sp.id, sp.label)
        self.status.emit(f"{sp.label} is now {name} in the transcript and exports."
                         if ids != (None, None) else f"{sp.label} is no longer mapped.")
        self.changed.emit()

    def enrol(self, row: int) -> None:
        sp = transcripts.get_speaker(self.workspace.db, self._summary[row].speaker.id)
        diarization.enrol_voice(self.workspace.db, sp.id, facilitator_id=sp.facilitator_id,
                                participant_id=sp.participant_id)
        name = transcripts.speaker_names(self.workspace.db, self.session_id).get(sp.id, sp.label)
        self.message.setText(f"Enrolled {name}'s voice: later sessions will recognise it when you "
                             "find their speakers.")
        self.status.emit(f"Enrolled {name}'s voice.")

    # --- sample ------------------------------------------------------------------------------

    def player(self):
        """The SessionPlayer over this session's recordings (made on first use)."""
        if self._player is None:
            from focusdesk.ui.transcript.player import SessionPlayer, Track

            recs = transcripts.list_recordings(self.workspace.db, self.session_id)
            self._player = SessionPlayer([Track(self.workspace.resolve(r.path), r.offset_ms, r.duration_ms)
                                          for r in recs], self)
            self._player.error.connect(lambda msg: self.message.setText(f"Cannot play the sample: {msg}"))
        return self._player

    def play_sample(self, row: int) -> tuple[int, int] | None:
        """Play the start of the voice's longest turn; returns the (session) range played."""
        s = self._summary[row]
        if s.sample is None:
            return None
        rec = transcripts.get_recording(self.workspace.db, s.sample[0])
        if rec is None or not self.workspace.resolve(rec.path).is_file():
            self.message.setText("The recording of this sample is missing from the study folder.")
            return None
        start = rec.offset_ms + s.sample[1]
        end = min(rec.offset_ms + s.sample[2], start + SAMPLE_MS)
        self.player().play_range(start, end)
        return start, end

    # --- the job -----------------------------------------------------------------------------

    def ask_and_start(self) -> bool:
        dialog = FindSpeakersDialog(self.workspace, self.session_id, self)
        if not dialog.exec():
            return False
        num, channels = dialog.options()
        return self.start(num_speakers=num, channels=channels)

    def start(self, num_speakers: int | None = None, channels: bool = False) -> bool:
        """Run diarization as a job of the window (progress and Cancel in its jobs panel); results
        are stored as each recording finishes."""
        if self.job is not None:
            return False
        try:
            job = service.SessionDiarization(self.workspace, self.session_id,
                                             num_speakers=num_speakers, channels=channels)
        except (LookupError, ValueError) as exc:
            self.message.setText(for_window(str(exc)))
            return False
        refused = self.jobs.refuse(JobKind.DIARIZE) if self.jobs is not None else "No job panel."
        if refused:
            self.message.setText(refused)
            return False
        self.job = self.jobs.start(job)
        self.job.message.connect(self._on_message)
        self.job.ended.connect(self._on_ended)
        self.destroyed.connect(self.job.cancel)  # the tab went away with the study: stop the child
        self.find_button.setEnabled(False)
        self.message.setText("Finding speakers… (progress and Cancel in the Jobs panel)")
        return True

    def is_running(self) -> bool:
        return self.job is not None

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.message.setText("Cancelling…")

    def _on_message(self, msg: dict) -> None:
        if msg.get("type") == "diarization":
            self.changed.emit()  # the transcript shows the speakers of each recording as it lands

    def _on_ended(self, result: JobResult) -> None:
        handle, self.job = self.job, None
        text = for_window(result.message)
        report = handle.job.report if handle is not None else None
        if result.outcome is JobOutcome.DONE and report is not None:
            text += (" Play each sample and choose who it is." if report.speakers else
                     " Nobody speaks in this recording (or it is too quiet).")
        self.message.setText(text)
        self.reload()
        if result.outcome is JobOutcome.DONE:
            self.status.emit(text)
            self.changed.emit()

    def shutdown(self) -> None:
        """Stop a running job and the player (the tab closes or the window quits)."""
        self._shut = True
        if self.job is not None:
            job, self.job = self.job, None
            job.cancel()
            job.wait(10000)
        if self._player is not None:
            self._player.stop()

    def can_close(self) -> bool:
        self.shutdown()
        return True
