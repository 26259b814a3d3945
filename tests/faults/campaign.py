"""The randomized kill -9 campaign (issue 15, item 4), shared by tests/faults/ (a short seeded
run in CI) and ``bench/faults.py --kills 200`` (the long run).

Each trial makes a fresh copy of a prepared study, starts one operation as the real CLI in a
child process (its own process group, so the job children die with it, as in a crash), kills the
whole group with SIGKILL at a random moment, then restarts and checks: the study opens,
``PRAGMA integrity_check`` is ok, no more than 1 s of recorded audio was lost, a resumed job has
no missing or duplicated segments (compared with an uninterrupted run), and no partial file looks
complete. Operations are rows of a table (:class:`Operation`); protect/unprotect are in
``protect_ops.py``. The null sink plays real speech in a loop, so a live transcription (``record
--live``) killed mid-session has words to lose.

Only the standard library and focusdesk's store are used here (no pytest), so a bench script can
import it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AUDIO = ROOT.parent / "shared" / "data" / "audio"
V1_DB = ROOT / "tests" / "fixtures" / "study-v1.sqlite"
OK, RECOVERED, LOST = "ok", "recovered", "lost data"

VTT_A = ("WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nP01: And so my fellow Americans\n\n"
         "00:00:04.500 --> 00:00:10.500\nask not what your country can do for you\n")
VTT_B = ("WEBVTT\n\n00:00:00.300 --> 00:00:02.000\nP01: And so\n\n00:00:02.000 --> 00:00:05.000\n"
         "my fellow Americans, ask not\n\n00:00:05.000 --> 00:00:10.900\nwhat your country can do\n")


# --- child processes -------------------------------------------------------------------------

def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FOCUSDESK_FORBID_NETWORK="1")
    env.pop("FOCUSDESK_WORKSPACE", None)
    env.update(extra or {})
    return env


def cli(study: Path, *args, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real CLI to completion."""
    return subprocess.run([sys.executable, "-m", "focusdesk", "--workspace", str(study),
                           *map(str, args)], env=_env(env), capture_output=True, text=True,
                          timeout=timeout)


class Child:
    """The operation under test: the real CLI in its own process group, its output lines
    time-stamped as they arrive (a record's progress says how much audio there was)."""

    def __init__(self, study: Path, args: list[str], env: dict | None = None):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "focusdesk", "--workspace", str(study), *map(str, args)],
            env=_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: list[tuple[float, str]] = []
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()
        self.killed_at: float | None = None

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def kill9(self) -> bool:
        """SIGKILL the whole group; False when the operation had already finished."""
        finished = self.proc.poll() is not None
        if not finished:
            self.killed_at = time.monotonic()
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(30)
        self._pump.join(5)
        _reap_group(self.proc.pid)
        return not finished

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)


def _reap_group(pgid: int) -> None:
    """Make sure nothing of the group outlives the kill (a job child, a resource tracker)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.05)


# --- what every trial checks -----------------------------------------------------------------

def db_check(study: Path) -> list[str]:
    """Problems with the database file itself: integrity and foreign keys."""
    db = study / "focusdesk.sqlite"
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key {r}" for r in conn.execute("PRAGMA foreign_key_check")]
    finally:
        conn.close()
    return problems


def query(study: Path, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(study / "focusdesk.sqlite")
    try:
        return list(conn.execute(sql, args))
    finally:
        conn.close()


def opens(study: Path) -> str | None:
    """None when the study opens for the CLI, else what it said."""
    r = cli(study, "session", "list", timeout=120)
    return None if r.returncode == 0 else (r.stderr or r.stdout).strip()[-300:]


def visible_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def hidden_parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part")) if folder.is_dir() else []


# --- the operations --------------------------------------------------------------------------

@dataclass
class Verdict:
    outcome: str  # OK | RECOVERED | LOST
    detail: str = ""


@dataclass
class Trial:
    campaign: Campaign
    op: str
    folder: Path  # the trial's own folder
    rng: random.Random
    study: Path = field(init=False)
    context: dict = field(default_factory=dict)
    child: Child | None = None
    killed: bool = False

    def __post_init__(self) -> None:
        self.study = self.folder / "study"


@dataclass
class Operation:
    """One kind of work to kill: ``prepare`` makes the trial's study, ``argv`` is the CLI
    command, killed ``kill_after`` (min, max) seconds after it starts; ``check`` restarts and
    judges. ``needs`` names a resource the campaign starts once (``"pulse"``); ``kill_when``,
    polled every 2 ms until the window's end, kills at once when it says so (a moment too short
    to hit by chance)."""

    name: str
    prepare: Callable[[Trial], None]
    argv: Callable[[Trial], list[str]]
    kill_after: tuple[float, float]
    check: Callable[[Trial], Verdict]
    needs: str | None = None
    env: Callable[[Trial], dict] | None = None
    kill_when: Callable[[Trial], bool] | None = None


def _copy_base(trial: Trial) -> None:
    shutil.copytree(trial.campaign.template(), trial.study)


def _segments(study: Path, session: str) -> list[tuple[int, int, str, int]]:
    return query(study, "SELECT s.start_ms, s.end_ms, s.text, s.recording_id FROM segments s "
                 "JOIN sessions n ON n.id = s.session_id WHERE n.name = ? ORDER BY s.start_ms",
                 (session,))


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def _compare_segments(got: list, ref: list) -> str | None:
    """Missing or duplicated segments, against an uninterrupted run (a resumed run may cut its
    segments elsewhere, so times and words are compared, not texts one by one)."""
    if not got:
        return "no segments"
    for a, b in zip(got, got[1:]):
        if a[3] == b[3] and b[0] < a[1] - 500:
            return f"segments overlap: {a[:2]} and {b[:2]}"
        if a[3] == b[3] and _norm(a[2]) and _norm(a[2]) == _norm(b[2]):
            return f"a segment twice: {a[2]!r}"
    for rec in {r[3] for r in ref}:
        mine = [s for s in got if s[3] == rec]
        theirs = [s for s in ref if s[3] == rec]
        if not mine:
            return f"recording {rec} has no segments"
        if abs(max(s[1] for s in mine) - max(s[1] for s in theirs)) > 2500:
            return f"recording {rec} ends at {max(s[1] for s in mine)} ms, not ~{max(s[1] for s in theirs)}"
        words, ref_words = (sum(len(_norm(s[2]).split()) for s in x) for x in (mine, theirs))
        if abs(words - ref_words) > max(3, ref_words * 0.2):
            return f"recording {rec}: {words} words, uninterrupted {ref_words}"
    return None


def check_transcribe(trial: Trial) -> Verdict:
    at_kill = len(_segments(trial.study, "T"))
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    r = cli(trial.study, "transcribe", "T")
    if r.returncode != 0:
        return Verdict(LOST, f"transcribe again failed: {r.stderr.strip()[-200:]}")
    problem = _compare_segments(_segments(trial.study, "T"), trial.campaign.reference("transcribe"))
    if problem:
        return Verdict(LOST, problem)
    if not trial.killed:
        return Verdict(OK, "finished before the kill")
    return Verdict(RECOVERED, f"resumed after {at_kill} stored segment(s)")


def prepare_restart(trial: Trial) -> None:
    trial.campaign.reference("transcribe")
    shutil.copytree(trial.campaign.workdir / "reference-transcribe" / "study", trial.study)


def check_restart(trial: Trial) -> Verdict:
    """A restart killed at any moment leaves the finished transcript or the new one, whole."""
    ref = trial.campaign.reference("transcribe")
    at_kill = _segments(trial.study, "T")
    if (problem := _compare_segments(at_kill, ref)):
        return Verdict(LOST, f"after the kill: {problem} ({len(at_kill)} of {len(ref)} segments)")
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    r = cli(trial.study, "transcribe", "T", "--restart")
    if r.returncode != 0 or (problem := _compare_segments(_segments(trial.study, "T"), ref)):
        return Verdict(LOST, f"restarting again: {problem or r.stderr[-200:]}")
    return Verdict(RECOVERED if trial.killed else OK,
                   f"{len(at_kill)} segments kept at the kill, all {len(ref)} after")


def _turns(study: Path) -> list[tuple]:
    return query(study, "SELECT t.start_ms, t.end_ms FROM speaker_turns t JOIN diarization_runs r "
                 "ON r.id = t.run_id JOIN sessions n ON n.id = r.session_id WHERE n.name = 'D' "
                 "ORDER BY t.start_ms")


def check_diarize(trial: Trial) -> Verdict:
    at_kill = _turns(trial.study)
    ref = trial.campaign.reference("diarize")
    if at_kill and at_kill != ref:
        return Verdict(LOST, f"half a result stored: {len(at_kill)} turns, whole {len(ref)}")
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    if not at_kill:
        r = cli(trial.study, "diarize", "D", "--speakers", "2")
        if r.returncode != 0:
            return Verdict(LOST, f"diarize again failed: {r.stderr.strip()[-200:]}")
    if _turns(trial.study) != ref:
        return Verdict(LOST, f"turns differ from an uninterrupted run ({len(_turns(trial.study))} "
                       f"vs {len(ref)})")
    return Verdict(OK if at_kill or not trial.killed else RECOVERED,
                   "stored whole before the kill" if at_kill else "run again")


def prepare_edit(trial: Trial) -> None:
    _copy_base(trial)
    (trial.folder / "b.vtt").write_text(VTT_B)


def check_edit(trial: Trial) -> Verdict:
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    texts = [s[2] for s in _segments(trial.study, "S")]
    old = ["P01: And so my fellow Americans", "ask not what your country can do for you"]
    old = [t.removeprefix("P01: ") for t in old]
    new = ["And so", "my fellow Americans, ask not", "what your country can do"]
    if texts == old:
        return Verdict(RECOVERED if trial.killed else OK, "the old transcript, whole")
    if texts == new:
        return Verdict(OK, "the new transcript, whole")
    return Verdict(LOST, f"a mix of the two transcripts: {texts}")


def prepare_export(trial: Trial) -> None:
    _copy_base(trial)
    (trial.folder / "out").mkdir()
    trial.context["fmt"] = trial.rng.choice(["qdpx", "docx", "xlsx"])


def _complete_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"{path.name} is not a whole zip ({type(exc).__name__})"
    if bad is not None:
        return f"{path.name}: {bad} is damaged"
    if path.suffix == ".qdpx" and "project.qde" not in names:
        return f"{path.name} has no project.qde"
    return None


def check_export(trial: Trial) -> Verdict:
    out, fmt = trial.folder / "out", trial.context["fmt"]
    target = out / f"S.{fmt}"
    visible = visible_files(out)
    if visible not in ([], [target.name]):
        return Verdict(LOST, f"unexpected files after the kill: {visible}")
    if target.exists() and (problem := _complete_zip(target)):
        return Verdict(LOST, f"a partial export looks complete: {problem}")
    left = hidden_parts(out)
    r = cli(trial.study, "export", "S", "-f", fmt, "-o", target)
    if r.returncode != 0:
        return Verdict(LOST, f"export again failed: {r.stderr.strip()[-200:]}")
    if (problem := _complete_zip(target)) or hidden_parts(out):
        return Verdict(LOST, problem or f"a .part file stays after the next export: {hidden_parts(out)}")
    if left:
        return Verdict(RECOVERED, f"{fmt}: a hidden .part was left, removed by the next export")
    return Verdict(OK, f"{fmt}: nothing partial left")


def prepare_import_qdpx(trial: Trial) -> None:
    trial.campaign.template()  # the project comes from the base study
    trial.study.mkdir(parents=True)


def _count(study: Path, table: str) -> int:
    if not (study / "focusdesk.sqlite").exists():
        return 0
    try:
        return query(study, f"SELECT COUNT(*) FROM {table}")[0][0]
    except sqlite3.OperationalError:  # killed before the schema was made
        return 0


def check_import_qdpx(trial: Trial) -> Verdict:
    whole = trial.campaign.reference("qdpx")
    at_kill = (_count(trial.study, "sessions"), _count(trial.study, "recordings"))
    if at_kill not in ((0, 0), whole):
        return Verdict(LOST, f"half a project imported: {at_kill}, whole {whole}")
    if (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    cli(trial.study, "recover")
    r = cli(trial.study, "import-qdpx", trial.campaign.project())
    expected_rc = 2 if at_kill == whole else 0
    if r.returncode != expected_rc:
        return Verdict(LOST, f"importing again gave {r.returncode}: {(r.stderr or r.stdout)[-200:]}")
    final = (_count(trial.study, "sessions"), _count(trial.study, "recordings"))
    if final != whole:
        return Verdict(LOST, f"after importing again: {final}, expected {whole}")
    registered = {row[0] for row in query(trial.study, "SELECT path FROM recordings")}
    media = trial.study / "sessions"
    live = {f"{int(sid):04d}" for (sid,) in query(trial.study, "SELECT id FROM sessions")}
    stray = [p.relative_to(trial.study).as_posix() for p in media.rglob("*") if p.is_file()
             and p.parent.name in live and p.relative_to(trial.study).as_posix() not in registered]
    if stray:
        return Verdict(LOST, f"unregistered copies beside the sessions' media: {stray}")
    if at_kill == whole:
        return Verdict(OK, "imported whole before the kill; the second import is refused")
    return Verdict(RECOVERED if trial.killed else OK, "rolled back; imported whole again")


def prepare_migration(trial: Trial) -> None:
    trial.study.mkdir(parents=True)
    shutil.copy(V1_DB, trial.study / "focusdesk.sqlite")


def check_migration(trial: Trial) -> Verdict:
    if (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"after the kill: {problem}")
    version_at_kill = query(trial.study, "PRAGMA user_version")[0][0]
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    from focusdesk.store.schema import LATEST

    tables = ("sessions", "participants", "segments", "words", "codings", "codes", "markers")
    counts = tuple(_count(trial.study, t) for t in tables)
    version = query(trial.study, "PRAGMA user_version")[0][0]
    if version != LATEST or counts != trial.campaign.reference("migration"):
        return Verdict(LOST, f"schema v{version}, rows {counts}")
    if not (trial.study / "focusdesk.sqlite.v1.bak").exists():
        return Verdict(LOST, "no backup of the old schema")
    if not trial.killed:
        return Verdict(OK, "finished before the kill")
    if version_at_kill in (1, LATEST):
        return Verdict(OK, f"killed at schema v{version_at_kill}")
    return Verdict(RECOVERED, f"killed between migrations (v{version_at_kill}); finished on reopening")


def prepare_import_audio(trial: Trial) -> None:
    _copy_base(trial)


def check_import_audio(trial: Trial) -> Verdict:
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    found = cli(trial.study, "recover").stdout.strip()
    r = cli(trial.study, "import-audio", AUDIO / "telephone-2spk.wav", "--session", "Empty")
    if r.returncode not in (0, 2) or (r.returncode == 2 and "already in" not in r.stderr):
        return Verdict(LOST, f"importing again: {(r.stderr or r.stdout)[-200:]}")
    recs = query(trial.study, "SELECT path FROM recordings r JOIN sessions s ON s.id = r.session_id "
                 "WHERE s.name = 'Empty'")
    folder = trial.study / "sessions" / "0002"
    files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    if len(recs) != 1 or files != [Path(recs[0][0]).name]:
        return Verdict(LOST, f"recordings {recs}, files {files}")
    if found and found != "No interrupted recordings.":
        return Verdict(RECOVERED, found.splitlines()[0][:120])
    if trial.killed and r.returncode == 0:
        return Verdict(RECOVERED, "nothing was added before the kill; imported again")
    return Verdict(OK, "imported whole before the kill; importing again is refused")


def prepare_record(trial: Trial) -> None:
    _copy_base(trial)


def _progress_s(line: str) -> float | None:
    m = re.match(r"recording (\d+(?:\.\d+)?) s", line)
    return float(m.group(1)) if m else None


def check_record(trial: Trial) -> Verdict:
    child = trial.child
    env = trial.campaign.pulse_env()
    if not trial.killed:
        return Verdict(LOST, "the recording ended by itself before the kill")
    started = next((t for t, line in child.lines if line.startswith("Recording ")), None)
    reports = [(t, _progress_s(line)) for t, line in child.lines if _progress_s(line) is not None]
    r = cli(trial.study, "recover", env=env)
    if r.returncode != 0:
        return Verdict(LOST, f"recover failed: {r.stderr[-200:]}")
    if (problem := opens(trial.study)) or (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"study: {problem}")
    rows = query(trial.study, "SELECT r.duration_ms, r.status FROM recordings r JOIN sessions s "
                 "ON s.id = r.session_id WHERE s.name = 'R'")
    if started is None:  # killed before the stream started: nothing was recorded
        return Verdict(OK, "killed before recording began") if all(
            d < 1000 for d, _ in rows) else Verdict(LOST, f"unexpected {rows}")
    if reports:
        at, seconds = reports[-1]
        audio_ms = (seconds + (child.killed_at - at)) * 1000
    else:
        audio_ms = max(0.0, (child.killed_at - started) * 1000 - 1000)  # the stream's start-up
    kept = sum(d for d, _ in rows)
    lost = audio_ms - kept
    if any(status == "recording" for _, status in rows):
        return Verdict(LOST, "a take is still marked as being recorded after recover")
    if lost > 1000:
        return Verdict(LOST, f"{lost / 1000:.2f} s of audio lost ({kept} ms kept of ~{audio_ms:.0f})")
    return Verdict(RECOVERED, f"{max(lost, 0) / 1000:.2f} s lost of {audio_ms / 1000:.1f} s")


def _speech_loop(path: Path, seconds: float) -> Path:
    """Real speech (JFK, then a LibriSpeech reader, a second apart) looped to ``seconds``."""
    import numpy as np
    import soundfile as sf

    from focusdesk.audio.decode import SAMPLE_RATE, decode_audio

    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    one = np.concatenate([decode_audio(AUDIO / "jfk.flac"), gap,
                          decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"), gap])
    sf.write(path, np.tile(one, int(seconds * SAMPLE_RATE / len(one)) + 1), SAMPLE_RATE,
             subtype="PCM_16")
    return path


def check_live(trial: Trial) -> Verdict:
    """A live session killed: the take is recovered (at most 1 s lost, as for ``record``), the
    captions stored before the kill stay, ``transcribe`` fills the rest from the last stored
    segment with nothing twice, and a second ``transcribe`` finds nothing missing."""
    verdict = check_record(trial)
    if verdict.outcome == LOST:
        return verdict
    before = _segments(trial.study, "R")
    r = cli(trial.study, "transcribe", "R")
    if r.returncode != 0:
        return Verdict(LOST, f"transcribe after the kill failed: {r.stderr[-200:]}")
    after = _segments(trial.study, "R")
    if not set(before) <= set(after):
        return Verdict(LOST, f"{len(set(before) - set(after))} live segments gone after transcribe")
    by_recording: dict[int, list] = {}
    for start, end, text, rec in after:
        by_recording.setdefault(rec, []).append((start, end, text))
    for segs in by_recording.values():
        for (_, a_end, a), (b_start, _, b) in zip(segs, segs[1:], strict=False):
            # Whisper's last end time may run a little into the pause where the resumed pass
            # begins (100 ms seen): that is two stretches meeting, not one transcribed twice. Twice
            # is a real overlap, or the words at the join said again.
            tail, head = _norm(a).split()[-2:], _norm(b).split()[:2]
            if b_start < a_end - 500 or (len(tail) == 2 and tail == head):
                return Verdict(LOST, f"segments overlap (a stretch transcribed twice): {a!r} / {b!r}")
    again = cli(trial.study, "transcribe", "R")
    if again.returncode != 0 or "already transcribed" not in again.stdout + again.stderr:
        return Verdict(LOST, "a second transcribe still found work: "
                       f"{(again.stdout + again.stderr)[-200:]}")
    return Verdict(RECOVERED, f"{verdict.detail}; {len(before)} live segments kept, "
                   f"{len(after) - len(before)} added by transcribe")


OPERATIONS: dict[str, Operation] = {op.name: op for op in [
    Operation("record", prepare_record, lambda t: ["record", "--session", "R", "--duration", "60"],
              (2.0, 6.0), check_record, needs="pulse", env=lambda t: t.campaign.pulse_env()),
    Operation("live", prepare_record,
              lambda t: ["record", "--session", "R", "--duration", "60", "--live"], (6.0, 22.0),
              check_live, needs="pulse", env=lambda t: t.campaign.pulse_env()),
    Operation("transcribe", _copy_base, lambda t: ["transcribe", "T"], (2.0, 8.0), check_transcribe),
    Operation("restart", prepare_restart, lambda t: ["transcribe", "T", "--restart"], (1.0, 7.0),
              check_restart),
    Operation("diarize", _copy_base, lambda t: ["diarize", "D", "--speakers", "2"], (1.0, 6.0),
              check_diarize),
    Operation("edit", prepare_edit, lambda t: ["import-transcript", t.folder / "b.vtt", "--session",
                                               "S", "--replace"], (0.2, 0.9), check_edit),
    Operation("export", prepare_export, lambda t: ["export", "S", "-f", t.context["fmt"], "-o",
                                                   t.folder / "out" / f"S.{t.context['fmt']}"],
              (0.3, 1.4), check_export),
    Operation("import-qdpx", prepare_import_qdpx,
              lambda t: ["import-qdpx", t.campaign.project()], (0.3, 1.5), check_import_qdpx),
    Operation("import-audio", prepare_import_audio,
              lambda t: ["import-audio", AUDIO / "telephone-2spk.wav", "--session", "Empty"],
              (0.2, 1.0), check_import_audio),
    Operation("migration", prepare_migration, lambda t: ["session", "list"], (0.15, 0.9),
              check_migration),
]}

from protect_ops import OPERATIONS as _PROTECT  # noqa: E402 - it uses the helpers above

OPERATIONS.update({op.name: op for op in _PROTECT})


# --- the campaign ----------------------------------------------------------------------------

@dataclass
class Result:
    op: str
    outcome: str
    detail: str
    killed_after_s: float | None


class Campaign:
    """Templates and reference runs are made once, on first use; each trial works on a copy."""

    def __init__(self, workdir: Path, seed: int, operations: dict[str, Operation] | None = None,
                 say: Callable[[str], None] = print):
        self.workdir, self.seed = Path(workdir), seed
        self.rng = random.Random(seed)
        self.operations = operations or OPERATIONS
        self.say = say
        self._template: Path | None = None
        self._references: dict[str, object] = {}
        self._pulse = None
        self._player = None
        self._n = 0

    # templates and references
    def template(self) -> Path:
        """The base study: a participant; S (interview, 11 s, a two-cue transcript, a coding),
        T (two recordings to transcribe), D (two voices to diarize), R (to record into), Empty."""
        if self._template is None:
            root = self.workdir / "template" / "study"
            vtt = self.workdir / "template" / "a.vtt"
            root.parent.mkdir(parents=True)
            vtt.write_text(VTT_A)
            steps = [["study", "init", "--title", "Fault campaign"],
                     ["participant", "add", "P01"],
                     ["session", "add", "S", "--kind", "interview", "--participants", "P01"],
                     ["session", "add", "Empty", "--kind", "focus-group"],
                     ["session", "add", "T", "--kind", "interview"],
                     ["session", "add", "D", "--kind", "interview"],
                     ["session", "add", "R", "--kind", "focus-group"],
                     ["import-audio", AUDIO / "jfk.flac", "--session", "S"],
                     ["import-transcript", vtt, "--session", "S"],
                     ["code", "add", "--session", "S", "--code", "Hope", "--create", "--from", "1",
                      "--to", "4"],
                     ["import-audio", AUDIO / "jfk.flac", "--session", "T"],
                     ["import-audio", AUDIO / "librispeech-2412-153948-0000.flac", "--session", "T"],
                     ["import-audio", AUDIO / "stereo-2spk.wav", "--session", "D"]]
            for step in steps:
                r = cli(root, *step)
                if r.returncode != 0:
                    raise RuntimeError(f"template step {step} failed: {r.stderr}")
            self._template = root
        return self._template

    def project(self) -> Path:
        """A REFI-QDA project of the base study's S (with its audio)."""
        path = self.workdir / "template" / "S.qdpx"
        if not path.exists():
            r = cli(self.template(), "export", "S", "-f", "qdpx", "-o", path)
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
        return path

    def reference(self, kind: str):
        """What an uninterrupted run gives, measured once on a copy."""
        if kind not in self._references:
            folder = self.workdir / f"reference-{kind}"
            study = folder / "study"
            began = time.monotonic()
            if kind == "transcribe":
                shutil.copytree(self.template(), study)
                cli(study, "transcribe", "T").check_returncode()
                value: object = _segments(study, "T")
            elif kind == "diarize":
                shutil.copytree(self.template(), study)
                cli(study, "diarize", "D", "--speakers", "2").check_returncode()
                value = _turns(study)
            elif kind == "qdpx":
                study.mkdir(parents=True)
                cli(study, "import-qdpx", self.project()).check_returncode()
                value = (_count(study, "sessions"), _count(study, "recordings"))
            elif kind == "migration":
                prepare_migration(Trial(self, kind, folder, self.rng))
                cli(study, "session", "list").check_returncode()
                value = tuple(_count(study, t) for t in ("sessions", "participants", "segments",
                                                         "words", "codings", "codes", "markers"))
            else:
                raise KeyError(kind)
            self._references[kind] = value
            self.say(f"reference {kind}: {time.monotonic() - began:.1f} s")
        return self._references[kind]

    def cached(self, name: str, make: Callable[[], object]):
        """Something an operation makes once per campaign (a template, a reference)."""
        if name not in self._references:
            began = time.monotonic()
            self._references[name] = make()
            self.say(f"{name}: {time.monotonic() - began:.1f} s")
        return self._references[name]

    def pulse_env(self) -> dict:
        if self._pulse is None:
            sys.path.insert(0, str(ROOT / "tests"))
            from pulse import PulseServer

            self._pulse = PulseServer().start()
            self._player = self._pulse.play(_speech_loop(self.workdir / "speech.wav", 600.0))
        return self._pulse.env

    def close(self) -> None:
        if self._player is not None:
            self._player.terminate()
            self._player.wait(10)
        if self._pulse is not None:
            self._pulse.stop()

    # trials
    def trial(self, name: str) -> Result:
        op = self.operations[name]
        self._n += 1
        rng = random.Random(self.rng.random())
        trial = Trial(self, name, self.workdir / f"trial-{self._n:04d}-{name}", rng)
        trial.folder.mkdir(parents=True)
        if op.needs == "pulse":
            self.pulse_env()
        op.prepare(trial)
        delay = rng.uniform(*op.kill_after)
        env = op.env(trial) if op.env else None
        trial.child = Child(trial.study, [str(a) for a in op.argv(trial)], env)
        deadline = trial.child.started + delay
        while time.monotonic() < deadline and trial.child.proc.poll() is None:
            if op.kill_when is not None and op.kill_when(trial):
                break
            time.sleep(0.002 if op.kill_when else 0.01)
        trial.killed = trial.child.kill9()
        try:
            verdict = op.check(trial)
        except Exception as exc:  # noqa: BLE001 - a check that crashes is a finding, not a stop
            verdict = Verdict(LOST, f"the check failed: {type(exc).__name__}: {exc}")
        if verdict.outcome != LOST:
            shutil.rmtree(trial.folder, ignore_errors=True)  # keep only what needs looking at
        killed_after = (trial.child.killed_at or 0) - trial.child.started
        return Result(name, verdict.outcome, verdict.detail, killed_after if trial.killed else None)

    def run(self, kills: int | None = None, budget_s: float | None = None,
            only: list[str] | None = None) -> list[Result]:
        """``kills`` trials (round-robin over the operations in a seeded random order), or as
        many as fit in ``budget_s`` seconds, every operation at least once."""
        names = list(only or self.operations)
        began = time.monotonic()
        results: list[Result] = []
        order: list[str] = []
        while kills is None or len(results) < kills:
            if not order:
                order = names[:]
                self.rng.shuffle(order)
            name = order.pop()
            if budget_s is not None and len(results) >= len(names) and \
                    time.monotonic() - began > budget_s:
                break
            result = self.trial(name)
            results.append(result)
            when = f"killed at {result.killed_after_s:.2f} s" if result.killed_after_s else "not killed"
            self.say(f"[{len(results):3d}] {name:12} {when:18} {result.outcome}: {result.detail}")
        return results


def table(results: list[Result]) -> str:
    """Count per operation and what happened."""
    names = list(dict.fromkeys(r.op for r in results))
    counts = {n: Counter(r.outcome for r in results if r.op == n) for n in names}
    rows = [["operation", "trials", OK, RECOVERED, LOST]]
    rows += [[n, str(sum(c.values())), str(c[OK]), str(c[RECOVERED]), str(c[LOST])]
             for n, c in counts.items()]
    total = Counter(r.outcome for r in results)
    rows.append(["all", str(len(results)), str(total[OK]), str(total[RECOVERED]), str(total[LOST])])
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lost = [f"  {r.op}: {r.detail}" for r in results if r.outcome == LOST]
    return "\n".join(lines + (["lost data:"] + lost if lost else []))
