"""Fill untranscribed stretches of a session: the parent side of the fill job (CLI and window).

A :class:`StretchFill` is a :class:`focusdesk.jobs.SessionJob` like a transcription: the worker
(focusdesk.transcribe.fill) runs in a child process, so the window never blocks; each message is
stored here as it arrives. New words go into new segments (source ``whisper-fill``) and no other
segment is touched, so no other word moves. Every filled word is stored below LOW_CONFIDENCE, so
the editor's review marks (F7) find it: a fill is a guess a person should check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from focusdesk.core.model import Segment, Word
from focusdesk.core.speech_cover import Stretch
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobSpec
from focusdesk.store import sessions, speech_regions, transcripts
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace
from focusdesk.transcribe.fill import WORKER, fill_settings
from focusdesk.transcribe.types import Settings
from focusdesk.transcribe.vocabulary import REVIEW_PROBABILITY

SOURCE = "whisper-fill"


@dataclass
class FillTask:
    recording_id: int
    offset_ms: int
    path: str
    stretch: Stretch


@dataclass
class StretchFill:
    """Transcribe ``stretches`` (session ms) of a session again; see the module docstring."""

    worker: ClassVar[str] = WORKER

    ws: Workspace
    session_id: int
    stretches: list[Stretch]
    settings: Settings = field(default_factory=Settings)
    title: str = ""
    tasks: list[FillTask] = field(default_factory=list)
    filled: int = 0  # stretches that got words
    words: int = 0
    engine_info: dict = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)

    def __post_init__(self) -> None:
        session = sessions.get_session(self.ws.db, self.session_id)
        if session is None:
            raise LookupError(f"No session {self.session_id}.")
        self.title = self.title or f"Transcribing {len(self.stretches)} stretch(es) of {session.name} again"
        recordings = transcripts.list_recordings(self.ws.db, self.session_id)
        for st in self.stretches:
            rec = next((r for r in recordings
                        if r.offset_ms <= st.start_ms < r.offset_ms + r.duration_ms), None)
            if rec is None:
                raise LookupError(f"No recording of this session covers {st.start_ms / 1000:.1f} s.")
            path = self.ws.resolve(rec.path)
            if not path.is_file():
                raise LookupError(f"{rec.path}: the file is missing.")
            self.tasks.append(FillTask(rec.id, rec.offset_ms, str(path), st))

    @classmethod
    def from_spec(cls, ws: Workspace, spec: JobSpec) -> StretchFill:
        options = dict(spec.settings)
        stretches = [Stretch(int(s), int(e)) for s, e in options.pop("stretches", [])]
        return cls(ws, spec.session_id, stretches, Settings.from_dict(options), title=spec.title)

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind.FILL, self.session_id, self.title,
                       {**self.settings.to_dict(),
                        "stretches": [[s.start_ms, s.end_ms] for s in self.stretches]})

    def params(self) -> dict:
        return {"settings": fill_settings(self.settings).to_dict(), "tasks": [
            {"path": t.path, "channel": None, "start_s": (t.stretch.start_ms - t.offset_ms) / 1000,
             "end_s": (t.stretch.end_ms - t.offset_ms) / 1000} for t in self.tasks]}

    def handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "engine":
            self.engine_info = message
        elif kind == "segment":
            self._store(self.tasks[message["task"]], message)

    def _store(self, task: FillTask, m: dict) -> None:
        def ms(seconds: float) -> int:
            return task.offset_ms + int(round(seconds * 1000))

        words = [Word(ms(s), max(ms(s), ms(e)), text, min(float(p), REVIEW_PROBABILITY))
                 for s, e, text, p in m["words"]]
        seg = Segment(session_id=self.session_id, start_ms=words[0].start_ms,
                      end_ms=max(words[-1].end_ms, words[0].start_ms), text=m["text"],
                      recording_id=task.recording_id, source=SOURCE, words=words)
        with transaction(self.ws.db):
            transcripts.add_segment(self.ws.db, seg)
        self.filled += 1
        self.words += len(words)
        self.segments.append(seg)

    def progress_note(self) -> str:
        return f"{self.filled} filled" if self.filled else ""

    def finish(self, outcome: JobOutcome = JobOutcome.DONE, error: BaseException | None = None) -> str:
        if outcome is JobOutcome.DONE:
            from focusdesk.store.diarization import merge_into_transcript

            if self.filled:  # speakers found before: the new words get theirs
                merge_into_transcript(self.ws.db, self.session_id)
            model = self.engine_info.get("model", "")
            return (f"Done: {self.filled} of {len(self.tasks)} stretch(es) filled, {self.words} word(s) "
                    f"to review{f' (model {model})' if model else ''}.")
        kept = f"{self.filled} stretch(es) filled before it stopped are kept." if self.filled else ""
        if outcome is JobOutcome.CANCELLED:
            return f"Cancelled. {kept}".strip()
        return f"Transcribing the stretches again failed: {error} {kept}".strip()


def untranscribed(ws: Workspace, session_id: int) -> list[Stretch]:
    return speech_regions.session_coverage(ws.db, session_id).stretches

