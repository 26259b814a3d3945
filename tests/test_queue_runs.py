"""The processing queue while it runs: the fill step on a real clip with a gap, a running task
cancelled from another process and from this one, and ``process --jobs 2`` running two tasks at
once (jobs in real child processes: tests/queue_fakes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from conftest import AUDIO, ROOT
from queue_fakes import FakeJob, Seen

from focusdesk.cli import main
from focusdesk.commands import process
from focusdesk.core.model import Segment, Session, SessionKind, Word
from focusdesk.jobs.queue_runner import QueueRunner
from focusdesk.store import open_workspace, queue, sessions, speech_regions, transcription_runs, transcripts
from focusdesk.store.queue import Step
from focusdesk.transcribe.fill_service import SOURCE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_a_gap_gets_a_fill_task_that_runs_and_closes_it(workspace):
    """JFK's 11 s with words for its first 3 s only and speech detected throughout (as a pass that
    lost the rest would leave it): the queue fills the gap with tiny.en, once."""
    from focusdesk.audio.media import import_audio_file

    ws = workspace
    db = ws.db
    sid = sessions.add_session(db, Session("Gap", SessionKind.INTERVIEW)).id
    import_audio_file(ws, sid, AUDIO / "jfk.flac")
    rec_id = transcripts.list_recordings(db, sid)[0].id
    transcripts.add_segment(db, Segment(session_id=sid, start_ms=300, end_ms=2_900,
                                        text=" And so my fellow Americans", recording_id=rec_id,
                                        words=[Word(300, 2_900, " And so my fellow Americans", 0.9)]))
    speech_regions.add_regions(db, sid, rec_id, None, [(300, 10_500)])
    speaker = db["speakers"].insert({"session_id": sid, "label": "S1"}).last_pk
    db.execute("UPDATE segments SET speaker_id = ?", [speaker])  # diarized: only the fill is missing
    gap = speech_regions.session_coverage(db, sid).stretches
    assert gap and gap[0].start_ms == 3_100 and gap[0].duration_ms > 7_000

    planned = queue.plan_all(db)
    assert [(t.step, t.audio_ms) for t in planned] == [(Step.FILL, gap[0].duration_ms)]
    report = QueueRunner(ws, process.make_job).run()
    assert report.done == [planned[0].id] and not report.failed
    task = queue.get_task(db, planned[0].id)
    assert task.state == "done" and task.message.startswith("Done: 1 of 1 stretch(es) filled")
    assert task.settings["stretches"] == [[gap[0].start_ms, gap[0].end_ms]]

    filled = [s for s in transcripts.list_segments(db, sid) if s.source == SOURCE]
    assert "country" in " ".join(s.text for s in filled).lower()
    left = speech_regions.session_coverage(db, sid).stretches
    assert sum(st.duration_ms for st in left) < 0.3 * gap[0].duration_ms
    # what the fill left (if anything) was tried: planning again adds nothing...
    assert queue.fill_stretches(db, sid) == []
    assert queue.plan_all(db) == []
    # ...until the session is transcribed again (the fill was made to look older: same second)
    db.execute("UPDATE queue_tasks SET started_at = '2000-01-01T00:00:00+00:00'")
    transcription_runs.start_run(db, session_id=sid, recording_id=rec_id, channel=None, engine="e",
                                 model="m", language=None, settings="{}", start_ms=0)
    assert queue.fill_stretches(db, sid) == left
    db.execute("DELETE FROM speech_regions")  # a fill with no gaps is done without a job
    again = queue.add_task(db, sid, Step.FILL)
    with pytest.raises(queue.NothingToDo):
        process.make_job(ws, again)
    report = QueueRunner(ws, process.make_job).run()
    assert report.done == [again.id] and queue.get_task(db, again.id).state == "done"
    assert queue.get_task(db, again.id).message == "No untranscribed speech to fill."


def test_cancelling_a_running_task_stops_its_job_and_keeps_what_it_stored(tmp_path):
    """Task A is cancelled by ``focusdesk queue cancel`` in another process, task B by
    ``queue.cancel`` in this one, each once its job stored 3 segments; both jobs would run 30 s."""
    ws_path = tmp_path / "study"
    ws = open_workspace(ws_path)
    db = ws.db
    a = sessions.add_session(db, Session("A", SessionKind.INTERVIEW)).id
    b = sessions.add_session(db, Session("B", SessionKind.INTERVIEW)).id
    ta, tb = queue.add_task(db, a, Step.TRANSCRIBE), queue.add_task(db, b, Step.DIARIZE)
    seen, made = Seen(), {}

    def make(ws, task):
        made[task.id] = FakeJob(ws, task, seen, n=600, sleep=0.05)
        return made[task.id]

    cancelled: list[int] = []

    def on_event(ev) -> None:
        job = made.get(ev.task.id)
        if ev.kind != "progress" or job.stored < 3 or ev.task.id in cancelled:
            return
        cancelled.append(ev.task.id)
        if ev.task.id == ta.id:
            subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(ws_path), "queue", "cancel",
                            str(ta.id)], check=True, capture_output=True, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        else:
            queue.cancel(db, tb.id)

    try:
        report = QueueRunner(ws, make, on_event=on_event, poll_s=0.05).run()
        assert cancelled == [ta.id, tb.id]
        assert report.cancelled == [ta.id, tb.id] and not report.done and not report.requeued
        for task, session in ((ta, a), (tb, b)):
            job = made[task.id]
            assert 3 <= job.stored < 600  # stopped long before its end
            assert not _alive(job.pid)
            t = queue.get_task(db, task.id)
            assert t.state == "cancelled" and t.pid is None and t.attempts == 1
            assert t.message == f"cancelled: {job.stored} stored"
            # what it stored stays
            assert len(transcripts.list_segments(db, session)) == job.stored
        assert queue.next_task(db) is None  # a cancelled task is not run again
        assert QueueRunner(ws, make).run().done == []
    finally:
        ws.close()


def test_process_jobs_2_runs_two_tasks_at_once(tmp_path, capsys, monkeypatch):
    ws_path = tmp_path / "study"
    assert main(["-w", str(ws_path), "study", "init", "--title", "Two at once"]) == 0
    for name in ("Call 1", "Call 2"):
        assert main(["-w", str(ws_path), "session", "add", name, "--kind", "interview"]) == 0
        assert main(["-w", str(ws_path), "import-audio", str(AUDIO / "jfk.flac"), "--session",
                     name]) == 0
    capsys.readouterr()
    seen = Seen()
    monkeypatch.setattr(process, "make_job", lambda ws, task: FakeJob(ws, task, seen, n=6, sleep=0.15))

    assert main(["-w", str(ws_path), "process", "--all", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "6 task(s) to run, 2 at a time." in out
    assert "Done 6, failed 0, cancelled 0" in out

    ws = open_workspace(ws_path)
    try:
        tasks = queue.list_tasks(ws.db)
        ids = {(t.session_name, t.step): t.id for t in tasks}
        assert {t.state for t in tasks} == {"done"} and len(tasks) == 6
        assert seen.most_running == 2  # at one moment two tasks were running...
        spans = {tid: seen.span(tid) for tid in ids.values()}
        first = [ids[("Call 1", Step.TRANSCRIBE)], ids[("Call 2", Step.TRANSCRIBE)]]
        (a0, a1), (b0, b1) = (spans[t] for t in first)
        assert max(a0, b0) < min(a1, b1)  # ...and their child processes sent messages together
        for name in ("Call 1", "Call 2"):  # a session's own steps never overlap, and keep order
            steps = [spans[ids[(name, s)]] for s in (Step.TRANSCRIBE, Step.FILL, Step.DIARIZE)]
            assert steps[0][1] < steps[1][0] and steps[1][1] < steps[2][0]
        started = [ln for ln in out.splitlines() if ": started" in ln]
        assert len(started) == 6
    finally:
        ws.close()


@pytest.mark.slow
def test_a_killed_worker_is_run_again_by_the_same_queue_run_resuming(workspace, tmp_path):
    """The transcription's child process is killed (SIGKILL, as an out-of-memory kill would) once
    its first 30-s window's segments arrive; the runner queues the task again and its second try
    resumes after them: the whole minute transcribed, no segment twice."""
    import numpy as np
    import soundfile as sf
    from references import JFK, LIBRI, wer

    from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
    from focusdesk.audio.media import import_audio_file
    from focusdesk.transcribe.guards import norm
    from focusdesk.transcribe.service import list_runs

    jfk, libri = decode_audio(AUDIO / "jfk.flac"), decode_audio(AUDIO / "librispeech-2412-153948-0000.flac")
    pause = np.zeros(SAMPLE_RATE, np.float32)
    clip = tmp_path / "minute.flac"
    sf.write(clip, np.concatenate([jfk, pause, libri, pause, jfk, pause, libri, pause, jfk]), SAMPLE_RATE)
    ws, db = workspace, workspace.db
    sid = sessions.add_session(db, Session("Killed", SessionKind.INTERVIEW)).id
    import_audio_file(ws, sid, clip)
    task = queue.add_task(db, sid, Step.TRANSCRIBE, {"window_s": 30})
    pids: list[int] = []
    at_kill: list[int] = []

    def make(ws, task):
        job = process.make_job(ws, task)
        store = job.handle

        def handle(m: dict) -> None:
            store(m)
            if m["type"] == "started":
                pids.append(int(m["pid"]))
            elif m["type"] == "segment" and not at_kill:
                at_kill.append(len(transcripts.list_segments(db, sid)))
                os.kill(pids[-1], signal.SIGKILL)

        job.handle = handle
        return job

    report = QueueRunner(ws, make).run()
    assert report.requeued == [task.id] and report.done == [task.id]
    t = queue.get_task(db, task.id)
    assert t.state == "done" and t.attempts == 2 and len(pids) == 2
    assert [r["status"] for r in list_runs(ws, sid)] == ["failed", "done"]  # the second try worked
    segs = [(s.start_ms, s.end_ms, s.text) for s in transcripts.list_segments(db, sid)]
    assert len(set(segs)) == len(segs)
    for a, b in zip(segs, segs[1:]):  # nothing transcribed twice, by tests/faults/campaign.py's
        # measure: the resumed pass may begin a little before the last end time Whisper gave
        assert b[0] >= a[1] - 500, (a, b)
        assert norm(a[2]).split()[-2:] != norm(b[2]).split()[:2], (a, b)
    text = " ".join(s[2] for s in segs)
    assert at_kill[0] < len(segs)
    assert wer(" ".join([JFK, LIBRI, JFK, LIBRI, JFK]), text) <= 0.15  # nothing lost


def test_the_queue_resumes_after_the_window_is_killed(tmp_path):
    """The real window runs the queue (fake jobs in real child processes, tests/queue_window_child.py)
    and is killed with SIGKILL, its job child with it, while task 2 runs; the next run queues task
    2 again (attempt 2), runs what was left and does not run task 1 again; what task 2 stored
    before the kill stays."""
    import sqlite3
    import time

    from focusdesk.audio.media import import_audio_file

    ws_path = tmp_path / "study"
    ws = open_workspace(ws_path)
    sid = sessions.add_session(ws.db, Session("Call", SessionKind.INTERVIEW)).id
    import_audio_file(ws, sid, AUDIO / "jfk.flac")
    ws.close()
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "queue_window_child.py"),
                              str(ws_path)], cwd=ROOT, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def look() -> tuple[list[tuple], int]:
        con = sqlite3.connect(f"file:{ws_path / 'focusdesk.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            tasks = con.execute("SELECT id, step, state FROM queue_tasks ORDER BY id").fetchall()
            stored = con.execute("SELECT COUNT(*) FROM segments WHERE start_ms >= 20000").fetchone()[0]
            return tasks, stored
        except sqlite3.OperationalError:  # the window has not made its tables yet
            return [], 0
        finally:
            con.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            tasks, stored = look()
            if [t[2] for t in tasks[:2]] == ["done", "running"] and stored >= 2:
                break
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, tasks
            time.sleep(0.1)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stderr.close()
    assert tasks == [(1, "transcribe", "done"), (2, "fill", "running"), (3, "diarize", "queued")]

    ws = open_workspace(ws_path, exclusive=True)  # the dead window's lock is gone
    try:
        before = [(s.start_ms, s.text) for s in transcripts.list_segments(ws.db, sid)]
        assert len([s for s in before if s[0] < 20_000]) == 3  # task 1's
        seen = Seen()

        def make(ws, task):
            return FakeJob(ws, task, seen, n=3, sleep=0.05)

        report = QueueRunner(ws, make).run()
        assert report.recovered == [2] and report.done == [2, 3]
        assert {tid for _, tid, _ in seen.events} == {2, 3}  # task 1 did not run again
        assert [t.attempts for t in queue.list_tasks(ws.db)] == [1, 2, 1]
        after = [(s.start_ms, s.text) for s in transcripts.list_segments(ws.db, sid)]
        assert set(before) <= set(after)  # what task 2 stored before the kill stays
    finally:
        ws.close()
