"""The processing queue: what ``plan_all`` picks, how the queue is steered (pause, resume, move,
cancel, recovery of a dead runner's task), and ``focusdesk process --all`` end to end on real
clips, killed with SIGKILL mid-queue and run again: every session transcribed and diarized,
nothing lost, no segment twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import AUDIO, ROOT

from focusdesk.cli import main
from focusdesk.core.model import Segment, Word
from focusdesk.store import open_workspace, queue, sessions, transcripts
from focusdesk.store.queue import Step


def cli(capsys, ws, *args) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _study(capsys, ws, clips: dict[str, str]) -> None:
    assert cli(capsys, ws, "study", "init", "--title", "Queue")[0] == 0
    for name, clip in clips.items():
        assert cli(capsys, ws, "session", "add", name, "--kind", "interview")[0] == 0
        if clip:
            code, _, err = cli(capsys, ws, "import-audio", str(AUDIO / clip), "--session", name)
            assert code == 0, err


def test_plan_all_picks_the_missing_steps_in_order(tmp_path, capsys):
    ws_path = tmp_path / "study"
    _study(capsys, ws_path, {"New": "jfk.flac", "Transcribed": "jfk.flac", "Done": "jfk.flac",
                             "No audio": ""})
    ws = open_workspace(ws_path)
    try:
        db = ws.db
        ids = dict((n, i) for i, n in sessions.session_names(db))
        rec = {n: transcripts.list_recordings(db, ids[n]) for n in ("Transcribed", "Done")}
        for name in ("Transcribed", "Done"):
            transcripts.add_segment(db, Segment(session_id=ids[name], start_ms=0, end_ms=1000,
                                                text="And so", recording_id=rec[name][0].id,
                                                words=[Word(0, 400, " And"), Word(400, 1000, " so")]))
        sp = db["speakers"].insert({"session_id": ids["Done"], "label": "S1"}).last_pk
        db.execute("UPDATE segments SET speaker_id = ? WHERE session_id = ?", [sp, ids["Done"]])

        planned = queue.plan_all(db)
        # A session not yet transcribed gets a fill too: it looks for gaps once transcribed.
        assert [(t.session_name, t.step) for t in planned] == [
            ("New", Step.TRANSCRIBE), ("New", Step.FILL), ("New", Step.DIARIZE),
            ("Transcribed", Step.DIARIZE)]
        assert [t.audio_ms for t in planned] == [11000, 0, 11000, 11000]  # the gaps are not known yet
        assert all(t.state == "queued" for t in planned)
        assert queue.plan_all(db) == planned  # planning again adds nothing
        new_t, new_f, new_d, tr_d = (t.id for t in planned)

        # A session's steps run in order: its diarization waits for its transcription.
        queue.move(db, tr_d, 1)
        queue.move(db, new_d, 1)
        assert [t.id for t in queue.list_tasks(db)] == [new_d, tr_d, new_t, new_f]
        assert queue.next_task(db).id == tr_d
        assert queue.next_task(db, {ids["New"]}).id == new_t

        assert queue.pause(db) == 4
        assert queue.next_task(db) is None
        assert queue.resume(db, tr_d) == 1
        assert queue.next_task(db).id == tr_d
        queue.cancel(db, tr_d)
        assert queue.get_task(db, tr_d).state == "cancelled"
        assert queue.resume(db) == 3
        with pytest.raises(ValueError, match="already cancelled"):
            queue.cancel(db, tr_d)
        with pytest.raises(LookupError):
            queue.move(db, 999, 1)

        # A task left running by a dead process is queued again; a live runner's is not.
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        assert queue.claim(db, new_t, pid=dead.pid)
        assert not queue.claim(db, new_t)  # claimed once only
        assert queue.next_task(db) is None  # New's diarization waits for the running step
        assert queue.recover(db) == [new_t]
        assert queue.get_task(db, new_t).state == "queued"
        assert queue.get_task(db, new_t).attempts == 1
        assert queue.claim(db, new_t)  # this process: alive
        assert queue.recover(db) == []
    finally:
        ws.close()

    code, out, _ = cli(capsys, ws_path, "queue", "list")
    assert code == 0
    assert [line.split()[2:5] for line in out.splitlines()[2:]] == [
        ["New", "diarize", "queued"], ["Transcribed", "diarize", "cancelled"],
        ["New", "transcribe", "running"], ["New", "fill", "queued"]]


def _segments(ws_path) -> dict[str, list[tuple[int, str]]]:
    ws = open_workspace(ws_path)
    try:
        return {name: [(s.start_ms, s.text) for s in transcripts.list_segments(ws.db, sid)]
                for sid, name in sessions.session_names(ws.db)}
    finally:
        ws.close()


@pytest.mark.slow
def test_process_all_killed_mid_queue_then_run_again(tmp_path, capsys):
    """Two sessions from real clips, tiny.en: ``process --all`` killed (SIGKILL, the CLI and its
    job child together) while it diarizes the first session, then run again to the end."""
    ws_path = tmp_path / "study"
    _study(capsys, ws_path, {"Call 1": "jfk.flac", "Call 2": "librispeech-2412-153948-0000.flac"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "focusdesk", "-w", str(ws_path), "process",
                              "--all"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env, cwd=ROOT, start_new_session=True)
    seen = []
    deadline = time.monotonic() + 120
    try:
        for line in child.stdout:
            seen.append(line)
            if "diarize Call 1: started" in line:
                time.sleep(1.0)  # its job child is loading the model
                os.killpg(child.pid, signal.SIGKILL)
                break
            assert time.monotonic() < deadline, seen
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL, seen
    assert any("transcribe Call 1: done" in line for line in seen), seen
    before = _segments(ws_path)
    assert before["Call 1"] and not before["Call 2"]

    ws = open_workspace(ws_path)
    try:
        states = [(t.session_name, t.step.value, t.state) for t in queue.list_tasks(ws.db)]
    finally:
        ws.close()
    assert states == [("Call 1", "transcribe", "done"), ("Call 1", "fill", "done"),
                      ("Call 1", "diarize", "running"), ("Call 2", "transcribe", "queued"),
                      ("Call 2", "fill", "queued"), ("Call 2", "diarize", "queued")]

    code, out, err = cli(capsys, ws_path, "process", "--all")
    assert code == 0, out + err
    assert "4 task(s) to run" in out  # the dead run's diarization, then Call 2's steps
    assert "Resumed 1 task(s)" in out
    assert "transcribe Call 1" not in out and "fill Call 1" not in out  # not done twice

    after = _segments(ws_path)
    assert [t for _, t in after["Call 1"]] == [t for _, t in before["Call 1"]]
    for name, segs in after.items():
        assert segs, name
        assert len(set(segs)) == len(segs), name  # no segment twice
    assert "country" in " ".join(t for _, t in after["Call 1"]).lower()
    ws = open_workspace(ws_path)
    try:
        tasks = queue.list_tasks(ws.db)
        assert {t.state for t in tasks} == {"done"}
        assert [t.attempts for t in tasks] == [1, 1, 2, 1, 1, 1]
        for sid, name in sessions.session_names(ws.db):
            speakers = ws.db.execute("SELECT COUNT(*) FROM segments WHERE session_id = ? AND "
                                     "speaker_id IS NULL", [sid]).fetchone()[0]
            assert speakers == 0, name  # every segment has its speaker
    finally:
        ws.close()
    code, out, _ = cli(capsys, ws_path, "process", "--all")
    assert code == 0 and "Nothing to process" in out


def test_process_refuses_what_it_cannot_do(tmp_path, capsys):
    ws_path = tmp_path / "study"
    _study(capsys, ws_path, {"Only": ""})
    code, _, err = cli(capsys, ws_path, "process")
    assert code == 2 and "--all" in err
    code, _, err = cli(capsys, ws_path, "process", "Nope")
    assert code == 2 and "Nope" in err
    code, out, _ = cli(capsys, ws_path, "process", "--all", "--jobs", "2")
    assert code == 0 and "Nothing to process" in out  # no audio: nothing to queue
    code, _, err = cli(capsys, ws_path, "queue", "cancel", "7")
    assert code == 2 and "No queued task with id 7" in err

