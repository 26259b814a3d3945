"""The child-process job runner: messages in order, errors, crashes, cancel, no network."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from focusdesk.jobs import JobCancelled, JobCrashed, JobError, run_job

W = "test_jobs_workers"


def collect(worker, params, cancel=None):
    got: list[dict] = []
    run_job(f"{W}:{worker}", params, got.append, cancel)
    return got


def test_messages_arrive_in_order_in_the_calling_thread():
    threads = set()
    got: list[dict] = []

    def on_message(m):
        threads.add(threading.get_ident())
        got.append(m)

    run_job(f"{W}:count", {"n": 5}, on_message)
    assert threads == {threading.get_ident()}
    assert got[0]["type"] == "started" and got[0]["pid"] != os.getpid()
    items = [m["i"] for m in got if m["type"] == "item"]
    assert items == [0, 1, 2, 3, 4]
    progress = [m["fraction"] for m in got if m["type"] == "progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_worker_exception_becomes_job_error_with_child_text():
    got: list[dict] = []
    with pytest.raises(JobError, match="the audio file is broken: no header") as info:
        run_job(f"{W}:fail", {"why": "no header"}, got.append)
    assert info.value.error_type == "ValueError"
    assert "Traceback" in info.value.child_traceback
    assert [m for m in got if m["type"] == "item"] == [{"type": "item", "i": 0}]


@pytest.mark.parametrize("worker, needle", [("die", "SIGKILL"), ("hard_exit", "status 3")])
def test_child_death_becomes_job_crashed_after_delivering_messages(worker, needle):
    got: list[dict] = []
    with pytest.raises(JobCrashed, match=needle):
        run_job(f"{W}:{worker}", {}, got.append)
    assert {"type": "item", "i": 0} in got


def test_cancel_terminates_the_child():
    cancel = threading.Event()
    pids: list[int] = []

    def on_message(m):
        if m["type"] == "started":
            pids.append(m["pid"])
        if m["type"] == "item":
            cancel.set()

    with pytest.raises(JobCancelled):
        run_job(f"{W}:forever", {}, on_message, cancel)
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_error_in_on_message_stops_the_child_and_propagates():
    pids: list[int] = []

    def on_message(m):
        if m["type"] == "started":
            pids.append(m["pid"])
        if m["type"] == "item":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        run_job(f"{W}:forever", {}, on_message)
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_bad_worker_names_are_clear():
    with pytest.raises(JobError, match="package.module:function"):
        run_job("no_colon", {}, lambda m: None)
    with pytest.raises(JobError, match="No module named"):
        run_job("focusdesk.nonexistent:run", {}, lambda m: None)


def test_forbid_network_flag_refuses_connections_in_the_child(monkeypatch, tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        assert collect("connect", {"port": port})[-1]["type"] == "connected"
        monkeypatch.setenv("FOCUSDESK_FORBID_NETWORK", "1")
        monkeypatch.setenv("FOCUSDESK_NETWORK_LOG", str(tmp_path / "net.log"))
        last = collect("connect", {"port": port})[-1]
        assert last["type"] == "refused" and "forbidden" in last["error"]
        assert str(port) in (tmp_path / "net.log").read_text()
    finally:
        server.close()
