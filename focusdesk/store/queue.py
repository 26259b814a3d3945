"""The persistent processing queue: tasks "run step S on session N", in order.

A team with dozens of sessions wants them all transcribed and diarized overnight; the queue lives
in the study database (migration 018), so closing the window or a crash loses nothing. A task is
plain data (session, step, settings), so a runner on another machine could take one later; only
the process that owns the study writes states and results.

States: queued → running → done | failed | cancelled; paused tasks wait until resumed. A task
left running by a process that died is queued again by :func:`recover` (the jobs themselves
resume from what they stored, so nothing is done twice).

Steps of a session run in the order transcribe → fill → diarize. The fill (transcribe again the
untranscribed stretches, ``transcribe/fill_service.py``) needs the transcript and its detected
speech, and nothing from diarization; run before it, its words get their speakers from the
diarization's one merge, instead of a second merge over the whole transcript (which would undo
speaker corrections made since). "Coverage" is the editor's gap markers: stretches of detected
speech with no words (core/speech_cover.py, 1 s and longer). A session not yet transcribed gets a
FILL task too; its job looks for gaps when it starts, and with none the task is done at once
(:class:`NothingToDo`). A stretch a fill tried and left without words (nothing plausible heard,
a pause inside a region) is not planned again until the session is transcribed again
(:func:`fill_stretches`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import StrEnum

import sqlite_utils

from focusdesk.core.speech_cover import Stretch
from focusdesk.store import progress, speech_regions
from focusdesk.store.tx import now_iso, transaction


class Step(StrEnum):
    TRANSCRIBE = "transcribe"
    DIARIZE = "diarize"
    FILL = "fill"


OPEN_STATES = ("queued", "running", "paused")  # a task still to be done
# SQL for a step's place in a session's order (a template on the table alias).
_RANK = "(CASE {0}.step WHEN 'transcribe' THEN 0 WHEN 'fill' THEN 1 ELSE 2 END)"


class NothingToDo(Exception):  # noqa: N818 - not an error: the step finds its work already done
    """Raised by a job factory when the task's step has nothing left to do (a fill with no gaps):
    the runner marks the task done without starting a job."""


@dataclass(frozen=True)
class Task:
    id: int
    session_id: int
    step: Step
    position: int
    state: str
    settings: dict = field(default_factory=dict)
    attempts: int = 0
    pid: int | None = None
    audio_ms: int = 0
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    elapsed_s: float | None = None
    session_name: str = ""


_COLUMNS = ("t.id, t.session_id, t.step, t.position, t.state, t.settings, t.attempts, t.pid, "
            "t.audio_ms, t.message, t.started_at, t.finished_at, t.elapsed_s, s.name")


def _task(row: tuple) -> Task:
    return Task(id=row[0], session_id=row[1], step=Step(row[2]), position=row[3], state=row[4],
                settings=json.loads(row[5] or "{}"), attempts=row[6], pid=row[7], audio_ms=row[8],
                message=row[9], started_at=row[10], finished_at=row[11], elapsed_s=row[12],
                session_name=row[13])


def list_tasks(db: sqlite_utils.Database, states: tuple[str, ...] | None = None) -> list[Task]:
    """Tasks in queue order (finished ones too unless ``states`` narrows it)."""
    sql = f"SELECT {_COLUMNS} FROM queue_tasks t JOIN sessions s ON s.id = t.session_id"
    args: list = []
    if states:
        sql += f" WHERE t.state IN ({','.join('?' * len(states))})"
        args = list(states)
    return [_task(r) for r in db.execute(sql + " ORDER BY t.position, t.id", args).fetchall()]


def get_task(db: sqlite_utils.Database, task_id: int) -> Task:
    row = db.execute(f"SELECT {_COLUMNS} FROM queue_tasks t JOIN sessions s ON s.id = t.session_id "
                     "WHERE t.id = ?", [task_id]).fetchone()
    if row is None:
        raise LookupError(f"No queued task with id {task_id}.")
    return _task(row)


def _audio_ms(db: sqlite_utils.Database, session_id: int) -> int:
    row = db.execute("SELECT COALESCE(SUM(duration_ms), 0) FROM recordings WHERE session_id = ?",
                     [session_id]).fetchone()
    return int(row[0])


def add_task(db: sqlite_utils.Database, session_id: int, step: Step, settings: dict | None = None,
             audio_ms: int | None = None) -> Task:
    """Append a task at the end of the queue, or return the open one for the same session and step.
    ``audio_ms`` is the audio the step works on (for ETAs; default: the session's)."""
    with transaction(db):
        row = db.execute("SELECT id FROM queue_tasks WHERE session_id = ? AND step = ? AND state IN "
                         "('queued', 'running', 'paused')", [session_id, str(step)]).fetchone()
        if row is not None:
            return get_task(db, row[0])
        end = db.execute("SELECT COALESCE(MAX(position), 0) FROM queue_tasks").fetchone()[0]
        cur = db.execute(
            "INSERT INTO queue_tasks (session_id, step, position, settings, audio_ms, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [session_id, str(step), end + 1, json.dumps(settings or {}),
             _audio_ms(db, session_id) if audio_ms is None else audio_ms, now_iso()])
        task_id = cur.lastrowid
    return get_task(db, task_id)


def missing_steps(p: progress.SessionProgress, gaps: bool = False) -> list[Step]:
    """What a session still lacks, in order: a transcript, untranscribed speech filled (``gaps``:
    the transcript has stretches no fill has tried; for a session not transcribed yet, the fill
    looks when it runs), then speakers. No audio: nothing."""
    if not p.recordings:
        return []
    steps = []
    if not p.segments:
        steps += [Step.TRANSCRIBE, Step.FILL]
    elif gaps:
        steps.append(Step.FILL)
    if not p.speakers:
        steps.append(Step.DIARIZE)
    return steps


def fill_stretches(db: sqlite_utils.Database, session_id: int) -> list[Stretch]:
    """The session's untranscribed stretches that no fill from the queue has tried since the
    session was last transcribed (a tried stretch is one inside a done FILL task's stretches)."""
    stretches = speech_regions.session_coverage(db, session_id).stretches
    if not stretches:
        return []
    since = db.execute("SELECT MAX(started_at) FROM transcription_runs WHERE session_id = ?",
                       [session_id]).fetchone()[0] or ""
    tried = []
    for settings, started in db.execute(
            "SELECT settings, started_at FROM queue_tasks WHERE session_id = ? AND step = 'fill' "
            "AND state = 'done'", [session_id]).fetchall():
        if (started or "") >= since:
            tried += json.loads(settings or "{}").get("stretches", [])
    return [st for st in stretches
            if not any(a <= st.start_ms and st.end_ms <= b for a, b in tried)]


def set_work(db: sqlite_utils.Database, task_id: int, settings: dict, audio_ms: int) -> None:
    """Record what a task's job found to do when it started (a fill's stretches and their length)."""
    with transaction(db):
        db.execute("UPDATE queue_tasks SET settings = ?, audio_ms = ? WHERE id = ?",
                   [json.dumps(settings), int(audio_ms), task_id])


def plan_all(db: sqlite_utils.Database, session_ids: list[int] | None = None,
             settings: dict[Step, dict] | None = None) -> list[Task]:
    """Queue the missing steps of every session (or of ``session_ids``), in study order; a step
    already open in the queue is not added twice. Returns the tasks added or already open."""
    wanted = None if session_ids is None else set(session_ids)
    out = []
    for p in progress.session_progress(db):
        if wanted is not None and p.session_id not in wanted:
            continue
        gaps = []
        if p.segments and p.speech_covered is not None and p.speech_covered < 1.0:
            gaps = fill_stretches(db, p.session_id)
        for step in missing_steps(p, bool(gaps)):
            audio = sum(g.duration_ms for g in gaps) if step is Step.FILL else None
            out.append(add_task(db, p.session_id, step, (settings or {}).get(step), audio))
    return out


def next_task(db: sqlite_utils.Database, session_ids: set[int] | None = None) -> Task | None:
    """The first queued task in queue order whose session has no open task of an earlier step
    (a session is transcribed before it is diarized, however the queue was reordered), among
    ``session_ids``' tasks when given."""
    only = ""
    if session_ids is not None:
        only = f"AND t.session_id IN ({','.join(str(int(i)) for i in session_ids) or 'NULL'}) "
    row = db.execute(
        f"SELECT {_COLUMNS} FROM queue_tasks t JOIN sessions s ON s.id = t.session_id "
        "WHERE t.state = 'queued' AND NOT EXISTS (SELECT 1 FROM queue_tasks e WHERE "
        "e.session_id = t.session_id AND e.id != t.id AND e.state IN ('queued', 'running', 'paused') "
        f"AND ({_RANK.format('e')} < {_RANK.format('t')} OR ({_RANK.format('e')} = "
        f"{_RANK.format('t')} AND e.id < t.id))) "
        f"{only}ORDER BY t.position, t.id LIMIT 1").fetchone()
    return None if row is None else _task(row)


def claim(db: sqlite_utils.Database, task_id: int, pid: int | None = None) -> bool:
    """Mark a queued task running for this process; False when it is no longer queued."""
    with transaction(db):
        cur = db.execute("UPDATE queue_tasks SET state = 'running', pid = ?, attempts = attempts + 1, "
                         "started_at = ?, message = '' WHERE id = ? AND state = 'queued'",
                         [pid if pid is not None else os.getpid(), now_iso(), task_id])
    return cur.rowcount == 1


def finish(db: sqlite_utils.Database, task_id: int, state: str, message: str = "",
           elapsed_s: float | None = None) -> None:
    if state not in ("done", "failed", "cancelled", "queued"):
        raise ValueError(f"a running task cannot end as {state!r}")
    with transaction(db):
        db.execute("UPDATE queue_tasks SET state = ?, message = ?, finished_at = ?, elapsed_s = ?, "
                   "pid = NULL WHERE id = ?",
                   [state, message, now_iso() if state != "queued" else None, elapsed_s, task_id])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def recover(db: sqlite_utils.Database) -> list[int]:
    """Queue again the tasks left running by a process that is gone (killed, crashed, closed);
    returns their ids. A task this process or a live one holds is left alone."""
    stale = [tid for tid, pid in db.execute(
        "SELECT id, pid FROM queue_tasks WHERE state = 'running'").fetchall()
        if pid is None or (pid != os.getpid() and not _alive(pid))]
    if stale:
        with transaction(db):
            db.execute(f"UPDATE queue_tasks SET state = 'queued', pid = NULL WHERE id IN "
                       f"({','.join('?' * len(stale))})", stale)
    return stale


def pause(db: sqlite_utils.Database, task_id: int | None = None) -> int:
    """Hold queued tasks (one, or all); a running one finishes. Returns how many were paused."""
    return _set_state(db, task_id, "queued", "paused")


def resume(db: sqlite_utils.Database, task_id: int | None = None) -> int:
    """Queue paused tasks again (one, or all); failed ones too when named by id."""
    n = _set_state(db, task_id, "paused", "queued")
    if task_id is not None and n == 0:
        n = _set_state(db, task_id, "failed", "queued")
    return n


def cancel(db: sqlite_utils.Database, task_id: int) -> None:
    """Drop a task; a running one is stopped by its runner when it next looks (jobs/queue_runner),
    keeping what its job stored."""
    task = get_task(db, task_id)
    if task.state not in ("queued", "paused", "failed", "running"):
        raise ValueError(f"Task {task_id} is already {task.state}.")
    _set_state(db, task_id, task.state, "cancelled")


def _set_state(db: sqlite_utils.Database, task_id: int | None, old: str, new: str) -> int:
    with transaction(db):
        if task_id is None:
            cur = db.execute("UPDATE queue_tasks SET state = ? WHERE state = ?", [new, old])
        else:
            get_task(db, task_id)
            cur = db.execute("UPDATE queue_tasks SET state = ? WHERE id = ? AND state = ?",
                             [new, task_id, old])
    return cur.rowcount


def move(db: sqlite_utils.Database, task_id: int, position: int) -> None:
    """Put a waiting task at 1-based ``position`` among the waiting tasks; the others keep their
    order. (A session's steps still run in their order: a diarization moved before its session's
    transcription waits for it.)"""
    waiting = [t.id for t in list_tasks(db, ("queued", "paused"))]
    if task_id not in waiting:
        get_task(db, task_id)
        raise ValueError(f"Task {task_id} is not waiting; only a waiting task can be moved.")
    waiting.remove(task_id)
    waiting.insert(max(0, min(len(waiting), position - 1)), task_id)
    with transaction(db):
        base = db.execute("SELECT COALESCE(MAX(position), 0) FROM queue_tasks WHERE state NOT IN "
                          "('queued', 'paused')").fetchone()[0]
        for i, tid in enumerate(waiting, start=1):
            db.execute("UPDATE queue_tasks SET position = ? WHERE id = ?", [base + i, tid])


def clear_finished(db: sqlite_utils.Database) -> int:
    with transaction(db):
        cur = db.execute("DELETE FROM queue_tasks WHERE state IN ('done', 'cancelled')")
    return cur.rowcount
