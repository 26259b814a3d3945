"""Build the demo study: the people and sessions of ``store/demo.py``, a synthesized recording per
session, and then the real pipeline over it (transcription, speaker finding, speakers named from
seat taps), live markers, codings by hand and by auto-coding, memos and framework summaries.

The demo lives in its own folder (:func:`demo_folder`), never in the user's study. It is built in
a sibling ``.building`` folder and renamed into place when complete, so a half-built demo is never
opened; building again starts afresh.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from focusdesk.analysis import autocode, framework
from focusdesk.audio.media import import_audio_file
from focusdesk.core.errors import UserError
from focusdesk.core.model import Marker, Memo
from focusdesk.core.tempfiles import private_folder
from focusdesk.demo.script import SCRIPTS, STUDY_MEMO, SUMMARIES, SessionScript
from focusdesk.demo.synth import Recording, synthesize
from focusdesk.diarize.service import SessionDiarization
from focusdesk.jobs.session_job import JobOutcome, Progress, SessionJob, run_session_job
from focusdesk.store import annotations, codes, coding_ops, diarization, seats, sessions, study
from focusdesk.store.demo import create_demo_study
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace, open_workspace
from focusdesk.transcribe.service import SessionTranscription
from focusdesk.transcribe.types import Settings

OnProgress = Callable[[float, str], None]
TAP_AFTER_MS = 1200  # a seat is tapped a moment after the person starts talking, as in the console
# The one-voice-per-window engine: synthetic voices overlap little, and on them it found and named
# every voice of the three focus groups where the overlap-aware model merged two, in half the time.
DIARIZE_SETTING = "windows"


@dataclass
class DemoReport:
    folder: Path
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # step -> seconds
    audio_ms: int = 0


def demo_folder() -> Path:
    """``$FOCUSDESK_DEMO``, else ``demo`` in the user's data folder (beside the default study)."""
    env = os.environ.get("FOCUSDESK_DEMO")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("focusdesk", appauthor=False)) / "demo"


MARK = ".focusdesk-demo"  # in a demo's folder: only such a folder (or an empty one) is ever replaced


def demo_ready(folder: Path) -> bool:
    return (folder / MARK).is_file() and (folder / "focusdesk.sqlite").is_file()


def _replaceable(folder: Path) -> bool:
    return not folder.exists() or (folder / MARK).is_file() or (folder.is_dir() and not any(folder.iterdir()))


class DemoFailed(RuntimeError):
    """A pipeline step of the demo did not finish."""


def build_demo(folder: Path | None = None, on_progress: OnProgress | None = None,
               cancel: threading.Event | None = None, only: Sequence[str] | None = None) -> DemoReport:
    """Build the demo study in ``folder`` (default :func:`demo_folder`), replacing one there.

    ``only`` names the sessions to record and run through the pipeline (all four by default; a
    quicker check needs just one); ``cancel`` stops it between and inside the jobs."""
    folder = Path(folder) if folder else demo_folder()
    scripts = [s for s in SCRIPTS if only is None or s.name in only]
    if not scripts:
        raise ValueError(f"The demo has no session named {', '.join(only or [])!r}; its sessions are "
                         + ", ".join(s.name for s in SCRIPTS) + ".")
    say = on_progress or (lambda fraction, text: None)
    report = DemoReport(folder)
    began = time.monotonic()
    staging = folder.with_name(folder.name + ".building")
    for path in (folder, staging):
        if not _replaceable(path):
            raise UserError(f"{path} holds something other than a demo study; choose an empty or new "
                            "folder for the demo (it never goes into a study of yours).")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        (staging / MARK).write_text("The focusdesk demo study; building it again replaces this folder.\n")
        ws = open_workspace(staging, create=True)
        try:
            _build(ws, scripts, report, say, cancel)
        finally:
            ws.close()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    report.seconds = time.monotonic() - began
    say(1.0, "The demo study is ready")
    return report


def _build(ws: Workspace, scripts: list[SessionScript], report: DemoReport, say: OnProgress,
           cancel: threading.Event | None) -> None:
    db = ws.db
    create_demo_study(ws)
    with transaction(db):
        annotations.add_memo(db, Memo(title="About this demo", body=STUDY_MEMO))
    t = time.monotonic()
    say(0.01, "Speaking the script")
    with private_folder("demo") as tmp:
        recordings = [synthesize(script, Path(tmp)) for script in scripts]
        ids = [sessions.session_by_name(db, s.name).id for s in scripts]
        for sid, rec in zip(ids, recordings):
            import_audio_file(ws, sid, rec.path)
    report.steps["speech synthesis"] = time.monotonic() - t
    report.audio_ms = sum(r.duration_ms for r in recordings)
    for script, sid, rec in zip(scripts, ids, recordings):
        _live_notes(db, sid, script, rec)
    done_ms = 0
    for script, sid, rec in zip(scripts, ids, recordings):
        base = 0.05 + 0.85 * done_ms / report.audio_ms
        share = 0.85 * rec.duration_ms / report.audio_ms

        def part(lo: float, hi: float, base=base, share=share) -> Callable[[Progress], None]:
            return lambda p: say(base + share * (lo + (hi - lo) * p.fraction), p.text)

        t = time.monotonic()
        say(base, f"Transcribing {script.name}")
        job = SessionTranscription(ws, sid, Settings(language="en", per_channel=script.telephone))
        _run(job, part(0.0, 0.6), cancel)
        report.steps["transcription"] = report.steps.get("transcription", 0) + time.monotonic() - t
        t = time.monotonic()
        say(base + share * 0.6, f"Finding the speakers in {script.name}")
        people = {line.who for line in script.lines}
        _run(SessionDiarization(ws, sid, num_speakers=len(people), channels=script.telephone,
                                setting=DIARIZE_SETTING),
             part(0.6, 1.0), cancel)
        report.steps["speaker finding"] = report.steps.get("speaker finding", 0) + time.monotonic() - t
        done_ms += rec.duration_ms
    t = time.monotonic()
    say(0.92, "Coding")
    for script, sid, rec in zip(scripts, ids, recordings):
        _code(db, sid, script, rec)
    _summaries(db, {s.name for s in scripts})
    report.steps["coding"] = time.monotonic() - t


def _run(job: SessionJob, on_progress: Callable[[Progress], None], cancel) -> None:
    result = run_session_job(job, on_progress, cancel)
    if result.outcome is not JobOutcome.DONE:
        raise DemoFailed(f"Building the demo study stopped: {result.message}") from result.error


def _person(db, session_id: int, who: str) -> seats.Person:
    return seats.resolve(db, session_id, "Facilitator" if who == "F" else who)


def _live_notes(db, session_id: int, script: SessionScript, rec: Recording) -> None:
    """What the facilitator's colleague did in the live console: guide markers as each question
    is asked, quick tags, and a seat tap for each person soon after they start a longer turn."""
    with transaction(db):
        for item in rec.lines:
            line = item.line
            if line.guide:
                annotations.add_marker(db, Marker(session_id, item.start_ms + 300, guide_item_key=line.guide))
            if line.tag:
                annotations.add_marker(db, Marker(session_id, item.start_ms + 1500, tag=line.tag))
            if item.end_ms - item.start_ms >= 2 * TAP_AFTER_MS:
                seats.add_tap(db, session_id, _person(db, session_id, line.who), item.start_ms + TAP_AFTER_MS)


def _code(db, session_id: int, script: SessionScript, rec: Recording) -> None:
    """Codings by hand on the scripted passages (with their memos and, once the voice is named, the
    speaker), then the script's auto-codes."""
    voices = {(s.speaker.participant_id, s.speaker.facilitator_id): s.speaker.id
              for s in diarization.summarise(db, session_id) if s.person}
    with transaction(db):
        for item in rec.lines:
            person = _person(db, session_id, item.line.who)
            key = (person.id, None) if person.kind == "participant" else (None, person.id)
            for path in item.line.codes:
                code = codes.code_by_path(db, path)
                coding_ops.apply_code(db, session_id, code.id, item.start_ms, item.end_ms,
                                      voices.get(key), memo=item.line.memo)
    for query, path in script.auto_codes:
        autocode.auto_code(db, query, codes.code_by_path(db, path).id, session_id,
                           memo="auto-coded: " + query)


def _summaries(db, recorded: set[str]) -> None:
    """The framework matrix's summaries of the participants who were recorded, and a code memo."""
    present = {pid for name in recorded for pid in sessions.session_by_name(db, name).participant_ids}
    with transaction(db):
        for code, theme, text in SUMMARIES:
            pid = study.participant_by_code(db, code).id
            if pid in present:
                framework.set_summary(db, pid, codes.code_by_path(db, theme).id, text)
        coding_ops.set_code_memo(db, codes.code_by_path(db, "Added burden/Time-consuming").id,
                                 "Set-up, logins and double documentation; strongest at site B.")
