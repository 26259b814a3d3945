"""``focusdesk process`` (run the processing queue) and ``focusdesk queue`` (look at and steer it).

:func:`make_job` is the queue's one place that turns a task into a job (transcription, a fill of
untranscribed speech or diarization, the same parent sides the ``transcribe`` and ``diarize``
commands run); the window uses it too.
"""

from __future__ import annotations

import argparse
import sys
import time

from focusdesk.commands._common import print_table
from focusdesk.core.timefmt import format_ms


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("process", help="transcribe, fill gaps in and diarize every session that "
                       "lacks it, as a queue kept in the study (resumes after an interruption)",
                       description="Queue the missing steps (transcript, then untranscribed speech "
                       "transcribed again, then speakers) of every "
                       "session, or of the sessions named, and run the queue. The queue is kept in "
                       "the study: after Ctrl+C, a crash or a kill, run the command again and it "
                       "carries on where it stopped.")
    p.add_argument("sessions", nargs="*", metavar="SESSION", help="session names (or ids)")
    p.add_argument("--all", action="store_true", help="every session of the study")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="jobs at once (default 1; each uses several CPU cores)")
    p.add_argument("--model", default=None, help="Whisper model for transcription (default: the "
                   "bundled tiny.en; see: focusdesk models list)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run the jobs on the Dask cluster of this scheduler (tcp://HOST:8786, or "
                   "tls://... for a protected study): each recording is sent to one of its workers, "
                   "which need focusdesk installed; the results come back here. Default: this computer")
    p.set_defaults(func=process_cmd)

    p = sub.add_parser("queue", help="the study's processing queue: list, pause, resume, cancel, move")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s.add_parser("list", help="the queue's tasks in order").set_defaults(func=queue_list)
    for name, text in (("pause", "hold waiting tasks (all, or one by id); a running one finishes"),
                       ("resume", "queue paused tasks again (all, or one by id; also a failed one)")):
        a = s.add_parser(name, help=text)
        a.add_argument("id", type=int, nargs="?", help="task id (see: focusdesk queue list)")
        a.set_defaults(func=queue_pause if name == "pause" else queue_resume)
    a = s.add_parser("cancel", help="drop a task; a running one stops, keeping what it stored")
    a.add_argument("id", type=int)
    a.set_defaults(func=queue_cancel)
    a = s.add_parser("move", help="put a waiting task at a place in the queue (1 = next)")
    a.add_argument("id", type=int)
    a.add_argument("position", type=int)
    a.set_defaults(func=queue_move)
    s.add_parser("clear", help="remove done and cancelled tasks from the list").set_defaults(
        func=queue_clear)


def make_job(ws, task):
    """The job that runs ``task``: the same parent sides as ``transcribe`` (``--fill-gaps`` for
    a fill) and ``diarize``. Raises :class:`queue.NothingToDo` for a fill with no gaps left."""
    from focusdesk.store import queue
    from focusdesk.store.queue import Step

    if task.step is Step.FILL:
        from focusdesk.transcribe.fill_service import StretchFill
        from focusdesk.transcribe.types import Settings

        stretches = queue.fill_stretches(ws.db, task.session_id)
        if not stretches:
            raise queue.NothingToDo("No untranscribed speech to fill.")
        settings = {k: v for k, v in task.settings.items() if k != "stretches"}
        # kept on the task: once it is done, these stretches are not planned again
        queue.set_work(ws.db, task.id, {**settings, "stretches": [[s.start_ms, s.end_ms]
                                                                   for s in stretches]},
                       sum(s.duration_ms for s in stretches))
        return StretchFill(ws, task.session_id, stretches, Settings.from_dict(settings))
    if task.step is Step.TRANSCRIBE:
        from focusdesk.transcribe.service import SessionTranscription
        from focusdesk.transcribe.types import Settings

        return SessionTranscription(ws, task.session_id, Settings.from_dict(task.settings))
    if task.step is Step.DIARIZE:
        from focusdesk.diarize.service import SessionDiarization

        o = task.settings
        # resume: a session with several recordings keeps those a killed run finished
        resume = _diarized_some(ws, task.session_id)
        return SessionDiarization(ws, task.session_id, num_speakers=o.get("num_speakers"),
                                  setting=o.get("setting"), resume=resume)
    raise ValueError(f"The queue cannot run the step {task.step.value!r} yet.")


def _diarized_some(ws, session_id: int) -> bool:
    from focusdesk.store import diarization

    return any(r["mode"] == "model" for r in diarization.last_runs(ws.db, session_id))


def _eta(seconds: float | None) -> str:
    return "--:--" if seconds is None else format_ms(int(seconds * 1000))


class _Printer:
    """One line per change of task, and its progress every few seconds (a log, not a bar: the
    queue runs for hours and is often redirected to a file)."""

    def __init__(self, names: dict[int, str], stream=None, every_s: float = 5.0):
        self.names, self.stream, self.every_s = names, stream or sys.stdout, every_s
        self._last: dict[int, float] = {}

    def __call__(self, ev) -> None:
        name = self.names.get(ev.task.session_id, str(ev.task.session_id))
        head = f"[{ev.task.id}] {ev.task.step.value} {name}"
        etas = f"session ETA {_eta(ev.session_eta_s)}, queue ETA {_eta(ev.total_eta_s)}"
        if ev.kind == "started":
            line = f"{head}: started ({etas})"
        elif ev.kind == "ended":
            line = f"{head}: {ev.state}" + (f" — {ev.message}" if ev.message else "")
        else:
            now = time.monotonic()
            if now - self._last.get(ev.task.id, 0.0) < self.every_s:
                return
            self._last[ev.task.id] = now
            line = f"{head}: {ev.progress.fraction:4.0%} ({etas})"
        print(line, file=self.stream, flush=True)


def process_cmd(args, ctx) -> int:
    from focusdesk.jobs.queue_runner import QueueRunner
    from focusdesk.store import queue, sessions

    if not args.all and not args.sessions:
        raise ValueError("Name the sessions to process, or give --all.")
    if args.jobs < 1:
        raise ValueError("--jobs must be 1 or more.")
    ws = ctx.open()
    ids = None
    if not args.all:
        ids = [_session_id(ws.db, ref) for ref in args.sessions]
    model = {"model": args.model}
    settings = {queue.Step.TRANSCRIBE: model, queue.Step.FILL: model} if args.model else None
    queue.plan_all(ws.db, ids, settings)
    names = dict(sessions.session_names(ws.db))
    todo = [t for t in queue.list_tasks(ws.db, ("queued", "running"))
            if ids is None or t.session_id in ids]
    if not todo:
        print("Nothing to process: every session has its transcript and speakers, and no "
              "untranscribed speech left to try (paused tasks wait for 'focusdesk queue resume').")
        return 0
    cluster = _cluster(ws, args.scheduler) if args.scheduler else None
    try:
        workers = cluster.threads if cluster else args.jobs
        runner = QueueRunner(ws, make_job, workers=workers, on_event=_Printer(names),
                             session_ids=None if ids is None else set(ids),
                             launch=cluster.launch if cluster else None)
        where = f" on the Dask cluster at {cluster.address}" if cluster else ""
        print(f"{len(todo)} task(s) to run{where}, {workers} at a time.")
        try:
            report = runner.run()
        except KeyboardInterrupt:
            print("focusdesk: interrupted; the running task(s) go back to the queue. Run the same "
                  "command again to carry on.", file=sys.stderr)
            return 130
    finally:
        if cluster is not None:
            cluster.close()
    hours = report.audio_ms / 3_600_000
    print(f"Done {len(report.done)}, failed {len(report.failed)}, cancelled "
          f"{len(report.cancelled)} in {format_ms(int(report.wall_s * 1000))}"
          + (f" ({hours / (report.wall_s / 3600):.1f} audio hours per hour)."
             if report.wall_s > 0 and report.audio_ms else "."))
    if report.recovered:
        print(f"Resumed {len(report.recovered)} task(s) an earlier run left unfinished.")
    for tid in report.failed:
        t = queue.get_task(ws.db, tid)
        print(f"failed: [{tid}] {t.step.value} {t.session_name}: {t.message}", file=sys.stderr)
    return 1 if report.failed else 0


def _cluster(ws, address: str):
    """Connect to the scheduler the user named; a protected study's audio crosses only TLS."""
    from focusdesk.core.errors import UserError
    from focusdesk.jobs import remote

    if ws.protected and not address.startswith("tls://"):
        raise UserError("This study is protected: its recordings would cross the network "
                        "unencrypted. Use a tls:// scheduler address (Dask's TLS settings, see the "
                        "README), or process on this computer without --scheduler.")
    print(f"Connecting to the Dask scheduler at {address}…", flush=True)
    return remote.connect(address)


def _session_id(db, ref: str) -> int:
    from focusdesk.store import sessions

    if ref.isdigit() and sessions.get_session(db, int(ref)) is not None:
        return int(ref)
    return sessions.session_by_name(db, ref).id


def queue_list(args, ctx) -> int:
    from focusdesk.store import queue

    tasks = queue.list_tasks(ctx.open().db)
    if not tasks:
        print("The queue is empty. Add the missing steps of every session: focusdesk process --all")
        return 0
    rows = [[t.id, i, t.session_name, t.step.value, t.state, format_ms(t.audio_ms), t.attempts,
             "" if t.elapsed_s is None else f"{t.elapsed_s:.0f} s"]
            for i, t in enumerate(tasks, start=1)]
    print_table(rows, ["id", "#", "session", "step", "state", "audio", "tries", "took"])
    return 0


def queue_pause(args, ctx) -> int:
    from focusdesk.store import queue

    n = queue.pause(ctx.open().db, args.id)
    print(f"Paused {n} task(s).")
    return 0


def queue_resume(args, ctx) -> int:
    from focusdesk.store import queue

    n = queue.resume(ctx.open().db, args.id)
    print(f"Queued {n} task(s) again; run them: focusdesk process --all")
    return 0


def queue_cancel(args, ctx) -> int:
    from focusdesk.store import queue

    queue.cancel(ctx.open().db, args.id)
    print(f"Cancelled task {args.id}.")
    return 0


def queue_move(args, ctx) -> int:
    from focusdesk.store import queue

    queue.move(ctx.open().db, args.id, args.position)
    print(f"Moved task {args.id} to place {args.position}.")
    return 0


def queue_clear(args, ctx) -> int:
    from focusdesk.store import queue

    print(f"Removed {queue.clear_finished(ctx.open().db)} finished task(s).")
    return 0
