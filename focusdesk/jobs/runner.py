"""Run a worker function in a child process and stream its messages to the parent.

Why a child process: a native crash (segfault in a model library) or an out-of-memory kill of the
child never takes the window or the CLI down, and the parent has stored every message that arrived
before, so a job run again can resume instead of starting over.

Protocol. ``worker`` is ``"package.module:function"``; the child calls
``function(params, emit)`` where ``emit(dict)`` sends one message (a plain, picklable dict with a
``"type"`` key). Standard types:

- ``{"type": "started", "pid": int}`` — sent by the runner itself once the child is up (so a
  caller can watch or kill it);
- ``{"type": "progress", "fraction": 0..1, "eta_s": float | None, "text": str}``;
- anything else the worker defines (``{"type": "segment", ...}``).

``on_message`` runs in the parent, in the thread that called :func:`run_job`, once per message,
in order. The function returns when the worker returned; it raises :class:`JobError` when the
worker raised, :class:`JobCrashed` when the child died without finishing, and
:class:`JobCancelled` when ``cancel`` was set (the child is then terminated).

Set ``FOCUSDESK_FORBID_NETWORK=1`` in the environment and the child refuses every socket
connection (and, with ``FOCUSDESK_NETWORK_LOG=FILE``, notes each attempt in FILE even when a
library swallows the error): tests use it to prove a job opens no network connection.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from focusdesk.core.logsetup import FILE_ENV, LEVEL_ENV, configure_logging

_DONE = "__job_done__"
_FAILED = "__job_failed__"
_POLL_S = 0.1

Message = dict[str, Any]


class JobError(RuntimeError):
    """The worker raised; the message carries the child's error text."""

    def __init__(self, message: str, error_type: str = "", child_traceback: str = ""):
        super().__init__(message)
        self.error_type = error_type
        self.child_traceback = child_traceback


class JobCrashed(RuntimeError):
    """The child died without finishing (native crash, out-of-memory kill, kill -9)."""

    def __init__(self, message: str, exitcode: int | None = None):
        super().__init__(message)
        self.exitcode = exitcode


class JobCancelled(RuntimeError):
    """The job was cancelled; its child process was terminated."""


def resolve_worker(worker: str) -> Callable[[dict, Callable[[Message], None]], None]:
    module_name, sep, func_name = worker.partition(":")
    if not sep or not module_name or not func_name:
        raise ValueError(f"Worker must be 'package.module:function', not {worker!r}.")
    func = getattr(importlib.import_module(module_name), func_name, None)
    if not callable(func):
        raise ValueError(f"Worker {worker!r}: {module_name} has no function {func_name!r}.")
    return func


def _forbid_network() -> None:
    import socket

    log = os.environ.get("FOCUSDESK_NETWORK_LOG")

    def refuse(self, *args, **kwargs):
        if log:  # a record even if a library swallows the error below
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} connect {args!r}\n")
        raise ConnectionRefusedError("focusdesk: network access is forbidden in this job "
                                     "(FOCUSDESK_FORBID_NETWORK=1)")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = lambda *a, **k: refuse(None)  # type: ignore[assignment]


def _child_main(worker: str, params: dict, conn, keys: dict | None = None) -> None:
    """Entry point of the child process. ``keys``: the parent's unlocked study keys, so the
    child reads a protected study's media (they travel through the pipe, never a file)."""
    # The parent decides about cancelling; a Ctrl+C in the terminal goes to the whole group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ.get(LEVEL_ENV) or os.environ.get(FILE_ENV):
        configure_logging()
    if os.environ.get("FOCUSDESK_FORBID_NETWORK") == "1":
        _forbid_network()

    def emit(message: Message) -> None:
        if not isinstance(message, dict) or "type" not in message:
            raise TypeError("A job message must be a dict with a 'type' key.")
        conn.send(message)

    try:
        if keys:
            from focusdesk.store.protect import keyring

            keyring.adopt(keys)
        func = resolve_worker(worker)
        func(params, emit)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        try:
            conn.send({"type": _FAILED, "error": str(exc) or type(exc).__name__,
                       "error_type": type(exc).__name__, "traceback": traceback.format_exc()})
        except (OSError, ValueError):
            pass
        conn.close()
        return
    conn.send({"type": _DONE})
    conn.close()
    # Everything is in the parent's hands now. Skip the interpreter's teardown: unloading torch
    # and CTranslate2 took 0.8 s, which the user waited for at the end of every job.
    # multiprocessing's own exit hook still runs: it unlinks semaphores libraries made here.
    try:
        multiprocessing.util._exit_function()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "it stopped responding"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (often: the computer ran out of memory)" if -exitcode == getattr(signal, "SIGKILL", None) else ""
        return f"it was killed by {name}{hint}"
    return f"it exited with status {exitcode}"


def _stop(proc: multiprocessing.process.BaseProcess) -> None:
    if proc.is_alive():
        proc.terminate()
        proc.join(3)
    if proc.is_alive():
        proc.kill()
        proc.join(3)


_START_LOCK = threading.Lock()


def _start_without_main(proc: multiprocessing.process.BaseProcess) -> None:
    """Start a spawn child without re-running the parent's ``__main__`` script in it.

    The worker is found by module name, so the child never needs the parent's main module; running
    it again would break any caller script without an ``if __name__ == "__main__"`` guard (and
    costs time).
    """
    main = sys.modules.get("__main__")
    with _START_LOCK:
        saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main and k in main.__dict__}
        try:
            if main is not None:
                main.__dict__.pop("__file__", None)
                main.__dict__["__spec__"] = None
            proc.start()
        finally:
            if main is not None:
                main.__dict__.pop("__spec__", None)
                main.__dict__.update(saved)


def run_job(worker: str, params: dict, on_message: Callable[[Message], None],
            cancel: threading.Event | None = None) -> None:
    """Run ``worker(params, emit)`` in a spawned child; deliver its messages to ``on_message``.

    Blocks until the job ends. See the module docstring for the protocol and the errors raised.
    """
    ctx = multiprocessing.get_context("spawn")
    recv_conn, send_conn = ctx.Pipe(duplex=False)
    from focusdesk.store.protect import keyring

    proc = ctx.Process(target=_child_main, args=(worker, params, send_conn, keyring.snapshot()),
                       name=f"focusdesk-job:{worker}", daemon=True)
    _start_without_main(proc)
    send_conn.close()  # the parent keeps only the reading end, so EOF means the child is gone
    finished = False
    try:
        on_message({"type": "started", "pid": proc.pid})
        while True:
            if cancel is not None and cancel.is_set():
                raise JobCancelled("Cancelled.")
            try:
                ready = recv_conn.poll(_POLL_S)
            except (OSError, EOFError):
                ready = True
            if not ready:
                if not proc.is_alive():
                    # Drain: the child may have written its last messages just before exiting.
                    if recv_conn.poll(0):
                        continue
                    proc.join(1)
                    raise JobCrashed(f"The job's process stopped before finishing: "
                                     f"{_describe_exit(proc.exitcode)}.", proc.exitcode)
                continue
            try:
                message = recv_conn.recv()
            except (EOFError, OSError):
                proc.join(5)
                raise JobCrashed(f"The job's process stopped before finishing: "
                                 f"{_describe_exit(proc.exitcode)}.", proc.exitcode) from None
            kind = message.get("type")
            if kind == _DONE:
                finished = True
                proc.join(10)
                return
            if kind == _FAILED:
                finished = True
                proc.join(10)
                raise JobError(message.get("error", "The job failed."),
                               message.get("error_type", ""), message.get("traceback", ""))
            on_message(message)
    finally:
        if not finished or proc.is_alive():
            _stop(proc)
        recv_conn.close()
