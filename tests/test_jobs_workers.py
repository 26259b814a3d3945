"""Workers the job-runner tests run in a child process (imported there as ``test_jobs_workers``)."""

from __future__ import annotations

import os
import signal
import time


def count(params, emit):
    n = params["n"]
    for i in range(n):
        emit({"type": "item", "i": i})
        emit({"type": "progress", "fraction": (i + 1) / n, "eta_s": None, "text": f"{i + 1}/{n}"})
        time.sleep(params.get("sleep", 0))


def fail(params, emit):
    emit({"type": "item", "i": 0})
    raise ValueError("the audio file is broken: " + params["why"])


def die(params, emit):
    emit({"type": "item", "i": 0})
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)


def hard_exit(params, emit):
    emit({"type": "item", "i": 0})
    os._exit(3)


def forever(params, emit):
    emit({"type": "item", "i": 0})
    while True:
        time.sleep(0.05)


def connect(params, emit):
    import socket

    s = socket.socket()
    try:
        s.connect(("127.0.0.1", params["port"]))
        emit({"type": "connected"})
    except OSError as exc:
        emit({"type": "refused", "error": str(exc)})
    finally:
        s.close()


def read_file(params, emit):
    """Reads the file its params name (shipped to a Dask worker by jobs/remote.py)."""
    data = open(params["inputs"][0]["path"], "rb").read()
    emit({"type": "progress", "fraction": 0.5, "eta_s": None, "text": "read"})
    emit({"type": "file", "size": len(data), "head": data[:16].hex(), "here": params["inputs"][0]["path"]})
