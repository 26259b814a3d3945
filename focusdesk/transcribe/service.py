"""Transcribe a session's recordings into the study, resumably. Used by the CLI and the window.

The parent side of the job (a :class:`focusdesk.jobs.SessionJob`): :meth:`SessionTranscription.params`
plans one task per recording (or per channel) starting after the last stored Whisper segment of
that recording, and :meth:`SessionTranscription.handle` stores each message as it arrives (it must
run in the thread that owns the database: the CLI's thread, or the UI thread). A killed job
therefore loses at most the segment being decoded; running it again resumes there.

Starting again from the beginning (``restart``) keeps the old transcript until the new one is
complete: a restart's segments are held (``Task.staged``) and replace a recording's Whisper
segments in one transaction when the worker finishes that recording, as a diarization replaces a
recording's turns in one step when its result arrives. A restart killed, cancelled or failing at
any point leaves the old transcript as it was (and starts from the beginning next time).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from focusdesk.core.model import Recording, Segment, Word
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobSpec, Progress, run_session_job
from focusdesk.store import sessions, speech_regions, study, transcripts, withdrawal
from focusdesk.store import transcription_runs as runs
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace
from focusdesk.transcribe.job import WORKER
from focusdesk.transcribe.types import LOW_CONFIDENCE, Settings

VOCABULARY_KEY = "transcription_vocabulary"  # study.settings: names and jargon, as spelled
DONE_SLACK_MS = 1000


def low_confidence_words(segment: Segment, threshold: float = LOW_CONFIDENCE) -> list[Word]:
    """Words a person should check (derived from Word.probability; nothing extra is stored)."""
    return [w for w in segment.words if w.probability is not None and w.probability < threshold]


def study_vocabulary(ws: Workspace) -> list[str]:
    """The study's vocabulary (names, programmes, jargon) for the prompt; opt-in, because with
    small models a prompt of words that are not spoken can make Whisper skip speech (measured
    with tiny.en: 20 s of a call lost). Site names join once the user has started a list."""
    st = study.get_study(ws.db)
    words = list((st.settings.get(VOCABULARY_KEY) or []) if st else [])
    return words + [s.name for s in study.list_sites(ws.db)] if words else []


def resume_point_ms(ws: Workspace, rec: Recording, channel: int | None) -> int:
    """Milliseconds into the file after the last stored Whisper segment (0: nothing yet)."""
    end = runs.whisper_end_ms(ws.db, rec.id, channel)
    return max(0, end - rec.offset_ms) if end is not None else 0


def is_done(ws: Workspace, rec: Recording, channel: int | None) -> bool:
    return runs.is_done(ws.db, rec.id, channel)


def list_runs(ws: Workspace, session_id: int) -> list[dict]:
    return runs.list_runs(ws.db, session_id)


@dataclass
class Task:
    recording: Recording
    channel: int | None
    start_ms: int
    run_id: int | None = None
    segments: int = 0
    staged: list[Segment] = field(default_factory=list)  # a restart's segments, not stored yet
    staged_speech: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SessionTranscription:
    """One transcription of a session: plan, then feed every job message to :meth:`handle`."""

    worker: ClassVar[str] = WORKER

    ws: Workspace
    session_id: int
    settings: Settings
    restart: bool = False
    tasks: list[Task] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    engine_info: dict = field(default_factory=dict)
    stored: int = 0
    low_confidence: int = 0  # words of the stored segments a person should check
    on_segment: Callable[[Segment], None] | None = None
    title: str = ""

    def __post_init__(self) -> None:
        self._plan()

    @classmethod
    def from_spec(cls, ws: Workspace, spec: JobSpec) -> SessionTranscription:
        options = dict(spec.settings)
        restart = bool(options.pop("restart", False))
        return cls(ws, spec.session_id, Settings.from_dict(options), restart=restart, title=spec.title)

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind.TRANSCRIBE, self.session_id, self.title,
                       {**self.settings.to_dict(), "restart": self.restart})

    def _plan(self) -> None:
        db = self.ws.db
        if not self.title:
            session = sessions.get_session(db, self.session_id)
            self.title = f"Transcribing {session.name if session else self.session_id}"
        recordings = transcripts.list_recordings(db, self.session_id)
        if not recordings:
            raise LookupError("This session has no recording yet. Record it, or import its audio "
                              "('focusdesk import-audio FILE --session NAME').")
        if self.restart:
            session = sessions.get_session(db, self.session_id)
            withdrawal.refuse_new_pass(db, self.session_id, session.name if session else
                                       str(self.session_id), "transcribe")
        for rec in recordings:
            path = self.ws.resolve(rec.path)
            if rec.status == "recording":
                self.skipped.append(f"{path.name}: still being recorded")
                continue
            if not path.is_file():
                self.skipped.append(f"{rec.path}: the file is missing")
                continue
            channels = (list(range(rec.channels)) if self.settings.per_channel and rec.channels > 1
                        else [None])
            for ch in channels:
                if self.restart:  # replaced when its task starts (see _start_run)
                    self.tasks.append(Task(rec, ch, 0))
                    continue
                if is_done(self.ws, rec, ch):
                    self.skipped.append(f"{path.name}{_ch(ch)}: already transcribed")
                    continue
                start = resume_point_ms(self.ws, rec, ch)
                if start >= rec.duration_ms - DONE_SLACK_MS and start > 0:
                    self.skipped.append(f"{path.name}{_ch(ch)}: already transcribed")
                    continue
                self.tasks.append(Task(rec, ch, start))

    @property
    def resumed(self) -> bool:
        return any(t.start_ms > 0 for t in self.tasks)

    def params(self) -> dict:
        s = Settings.from_dict(self.settings.to_dict())
        s.vocabulary = list(dict.fromkeys(s.vocabulary + study_vocabulary(self.ws)))
        return {"settings": s.to_dict(), "tasks": [
            {"path": str(self.ws.resolve(t.recording.path)), "channel": t.channel,
             "start_s": t.start_ms / 1000, "duration_s": t.recording.duration_ms / 1000}
            for t in self.tasks]}

    # --- messages from the job -------------------------------------------------------------

    def handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "engine":
            self.engine_info = message
        elif kind == "task":
            self._start_run(self.tasks[message["task"]])
        elif kind == "segment":
            self._store(self.tasks[message["task"]], message)
        elif kind == "speech":
            self._store_speech(self.tasks[message["task"]], message["regions"])
        elif kind == "language":
            task = self.tasks[message["task"]]
            runs.update_run(self.ws.db, task.run_id, language=message["language"])
        elif kind == "task_done":
            task = self.tasks[message["task"]]
            with transaction(self.ws.db):
                if self.restart:
                    self._replace_with_staged(task)
                runs.mark_done(self.ws.db, task.run_id,
                               end_ms=task.recording.offset_ms + task.recording.duration_ms,
                               settings=json.dumps({**self._settings_record(),
                                                    "stats": message.get("stats", {})}))
            if self.restart and self.on_segment:
                for seg in task.staged:
                    self.on_segment(seg)
            task.staged, task.staged_speech = [], []

    def progress_note(self) -> str:
        return f"{self.stored} segment(s) stored" if self.stored else ""

    def _settings_record(self) -> dict:
        keep = ("device", "compute_type", "beam_size", "model_path")
        return {"settings": self.engine_info.get("settings", self.settings.to_dict()),
                **{k: self.engine_info[k] for k in keep if k in self.engine_info}}

    def _replace_with_staged(self, task: Task) -> None:
        """The restart's pass is complete: the old one goes and the new one comes in (called
        inside one transaction, so a kill leaves one or the other)."""
        rec = task.recording
        runs.replace_pass(self.ws.db, rec.id, task.channel)
        transcripts.add_segments(self.ws.db, task.staged)
        speech_regions.add_regions(self.ws.db, self.session_id, rec.id, task.channel,
                                   task.staged_speech)
        runs.update_run(self.ws.db, task.run_id, segments=len(task.staged),
                        end_ms=max((s.end_ms for s in task.staged), default=None))

    def _start_run(self, task: Task) -> None:
        rec = task.recording
        with transaction(self.ws.db):
            run_id = runs.start_run(
                self.ws.db, session_id=self.session_id, recording_id=rec.id, channel=task.channel,
                engine=self.engine_info.get("engine", self.settings.engine),
                model=self.engine_info.get("model", self.settings.model),
                language=self.settings.language, settings=json.dumps(self._settings_record()),
                start_ms=rec.offset_ms + task.start_ms)
            # this task detects speech again from its start: what a killed run stored after
            # that point goes (a restart keeps the old pass's until it replaces the whole pass)
            if not self.restart:
                speech_regions.clear_from(self.ws.db, rec.id, task.channel,
                                          rec.offset_ms + task.start_ms)
        task.run_id = run_id  # only once committed (a full disk fails the commit)

    def _store_speech(self, task: Task, regions: list) -> None:
        off = task.recording.offset_ms
        if self.restart:
            task.staged_speech += [(off + round(a * 1000), off + round(b * 1000)) for a, b in regions]
            return
        with transaction(self.ws.db):
            speech_regions.add_regions(self.ws.db, self.session_id, task.recording.id, task.channel,
                                       [(off + round(a * 1000), off + round(b * 1000))
                                        for a, b in regions])

    def _store(self, task: Task, m: dict) -> None:
        rec = task.recording
        off = rec.offset_ms

        def ms(seconds: float) -> int:
            return off + int(round(seconds * 1000))

        speaker_id = None
        if task.channel is not None:
            speaker_id = transcripts.ensure_speaker(self.ws.db, self.session_id,
                                                    f"S{task.channel + 1}").id
        words = [Word(ms(s), max(ms(s), ms(e)), text, prob) for s, e, text, prob in m["words"]]
        seg = Segment(session_id=self.session_id, start_ms=ms(m["start"]),
                      end_ms=max(ms(m["start"]), ms(m["end"])), text=m["text"], speaker_id=speaker_id,
                      recording_id=rec.id, channel=task.channel, source="whisper", words=words)
        if self.restart:  # stored with the rest when the pass is complete
            task.staged.append(seg)
            task.segments += 1
            self.stored += 1
            self.low_confidence += len(low_confidence_words(seg))
            return
        with transaction(self.ws.db):
            transcripts.add_segment(self.ws.db, seg)
            task.segments += 1
            runs.update_run(self.ws.db, task.run_id, segments=task.segments, end_ms=seg.end_ms)
        self.stored += 1
        self.low_confidence += len(low_confidence_words(seg))
        if self.on_segment:
            self.on_segment(seg)

    def finish(self, outcome: JobOutcome = JobOutcome.DONE, error: BaseException | None = None) -> str:
        """Close the runs that did not reach ``done`` (they resume next time); say what happened."""
        status = {JobOutcome.DONE: "done", JobOutcome.CANCELLED: "cancelled"}.get(outcome, "failed")
        for task in self.tasks:
            if task.run_id is not None:
                runs.close_run(self.ws.db, task.run_id, status,
                               None if outcome is JobOutcome.DONE else str(error or outcome.value))
        if outcome is JobOutcome.DONE:  # speakers found before the words: give the new segments theirs
            from focusdesk.store.diarization import merge_into_transcript

            merge_into_transcript(self.ws.db, self.session_id)
            low = (f", {self.low_confidence} low-confidence word(s) to review"
                   if self.low_confidence else "")
            return f"Done: {self.stored} segment(s) stored{low}."
        if self.restart:
            kept = ("Recordings the new pass finished have their new transcript; the others "
                    "keep the one they had." if any(t.segments and not t.staged for t in self.tasks)
                    else "The transcript is as it was.")
        else:
            kept = "What was transcribed is kept; start again to continue where it stopped."
        if outcome is JobOutcome.CANCELLED:
            return f"Cancelled. {kept}"
        if outcome is JobOutcome.INTERRUPTED:
            return f"{error} {kept}"
        return f"Transcription failed: {error} {kept}"


def _ch(channel: int | None) -> str:
    return "" if channel is None else f" (channel {channel + 1})"


def transcribe_session(ws: Workspace, session_id: int, settings: Settings, *, restart: bool = False,
                       on_message: Callable[[dict], None] | None = None,
                       on_progress: Callable[[Progress], None] | None = None,
                       cancel: threading.Event | None = None) -> SessionTranscription:
    """Run the whole transcription here (blocking); messages are stored as they arrive. Raises
    the job's error unless it is done (what was stored stays)."""
    job = SessionTranscription(ws, session_id, settings, restart=restart)
    if not job.tasks:
        return job
    result = run_session_job(job, on_progress, cancel, on_message)
    if result.error is not None:
        raise result.error
    return job
