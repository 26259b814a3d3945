"""Run a session job on a Dask distributed cluster: the audio goes to a worker, messages come back.

Why Dask: a lab with a workstation or a small server wants the study's transcription and
diarization to run there overnight, and Dask's scheduler already does what a home-made one would
have to (workers joining and leaving, a task re-run when its worker is lost, TLS, authentication).

Shape. :class:`RemoteJob` is a drop-in for :class:`~focusdesk.jobs.session_job.BackgroundJob`
(``start``/``pump``/``cancel``/``cancel_event``/``run``), so the queue runner treats both alike.
It reads every file the job's params name (key ``"path"``; a protected study's sealed media as
plaintext) and submits :func:`run_shipped` with their bytes inside the task (not scattered: data
scattered to one worker dies with it, and the task could not run again), which, on a
worker that has focusdesk installed, writes them to a private temporary folder, runs the very
same worker function in a child process (:func:`~focusdesk.jobs.runner.run_job`) and returns
every message it emitted. Progress crosses live as Dask events (topic per job); everything else
is delivered, in order, only once the task has finished — so the study database is only ever
written by the process that owns it, and a worker lost half way loses nothing: Dask runs the
task again elsewhere and the parent never saw half a result.

Cancelling sets a Dask ``Event`` the worker polls (its child process is then stopped) and
releases the task.
"""

from __future__ import annotations

import logging
import os
import queue as stdqueue
import shutil
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from focusdesk.core.errors import UserError
from focusdesk.jobs.runner import JobCancelled, JobCrashed, JobError, Message, run_job
from focusdesk.jobs.session_job import JobResult, JobRun, Progress, SessionJob, Waitable

log = logging.getLogger(__name__)

PROTOCOL = 1  # bump when run_shipped's arguments or result change
_FILE_MARK = "focusdesk-shipped-file:"
_CANCEL_POLL_S = 1.0
INSTALL_HINT = ("Processing on a Dask cluster needs Dask's distributed package here and on every "
                "worker: pip install 'focusdesk[cluster]'.")


def _distributed():
    try:
        import distributed
    except ImportError as exc:  # an optional extra
        raise UserError(INSTALL_HINT) from exc
    return distributed


# -- the worker's side ----------------------------------------------------------------------------

def worker_info() -> dict:
    """What the parent checks before shipping anything: that focusdesk is there and speaks our
    protocol (run on every worker through ``Client.run``)."""
    import focusdesk

    return {"version": getattr(focusdesk, "__version__", "?"), "protocol": PROTOCOL, "pid": os.getpid()}


class _RemoteCancel(threading.Event):
    """A threading.Event that also turns set when the parent sets the Dask event (looked at once
    a second, from the task's own thread, where Dask's client is available)."""

    def __init__(self, name: str):
        super().__init__()
        self._name, self._next = name, 0.0
        self._event = None

    def is_set(self) -> bool:
        if not super().is_set() and time.monotonic() >= self._next:
            self._next = time.monotonic() + _CANCEL_POLL_S
            try:
                if self._event is None:
                    self._event = _distributed().Event(self._name)
                if self._event.is_set():
                    self.set()
            except Exception:  # noqa: BLE001 - the scheduler is away: carry on, Dask decides
                log.debug("could not look at the cancel event", exc_info=True)
        return super().is_set()


def _publish(topic: str, message: Message) -> None:
    try:
        _distributed().get_worker().log_event(topic, message)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the result still comes back
        log.debug("could not send progress", exc_info=True)


def run_shipped(worker: str, params: dict, files: list[bytes], names: list[str], topic: str,
                cancel_name: str) -> dict:
    """On a Dask worker: the job ``worker(params, emit)`` on the shipped files; returns
    ``{"messages", "error", "worker_pid"}``. Errors are returned as plain values (exception
    classes need not unpickle the same on both machines)."""
    folder = Path(tempfile.mkdtemp(prefix="focusdesk-remote-"))
    os.chmod(folder, 0o700)  # participants' voices: this user only
    messages: list[Message] = []
    error = None
    try:
        local = []
        for i, (data, name) in enumerate(zip(files, names, strict=True)):
            path = folder / f"{i}-{Path(name).name}"
            path.write_bytes(data)
            local.append(str(path))
        params = _map_paths(params, lambda p: local[int(p[len(_FILE_MARK):])]
                            if p.startswith(_FILE_MARK) else p)

        def on_message(message: Message) -> None:
            if message.get("type") in ("started", "progress"):
                _publish(topic, message)
            if message.get("type") != "progress":
                messages.append(message)

        try:
            run_job(worker, params, on_message, _RemoteCancel(cancel_name))
        except JobCancelled as exc:
            error = {"kind": "cancelled", "message": str(exc)}
        except JobCrashed as exc:
            error = {"kind": "crashed", "message": str(exc)}
        except JobError as exc:
            error = {"kind": "error", "message": str(exc), "type": exc.error_type}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"messages": messages, "error": error, "worker_pid": os.getpid()}


# -- the parent's side ----------------------------------------------------------------------------

def _map_paths(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` with every ``"path"`` entry (at any depth) replaced by ``fn(path)``."""
    if isinstance(value, dict):
        return {k: fn(v) if k == "path" and isinstance(v, str) else _map_paths(v, fn)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_map_paths(v, fn) for v in value]
    return value


def ship(params: dict) -> tuple[dict, list[bytes], list[str]]:
    """Params with each named file replaced by a mark, the files' plaintext bytes, their names."""
    from focusdesk.store.protect.media import open_media

    files: list[bytes] = []
    names: list[str] = []
    index: dict[str, int] = {}

    def take(path: str) -> str:
        if path not in index:
            try:
                with open_media(path) as fh:
                    files.append(fh.read())
            except OSError as exc:
                raise UserError(f"Could not read {Path(path).name} to send it to the cluster: "
                                f"{exc.strerror or exc}.") from exc
            index[path] = len(names)
            names.append(Path(path).name)
        return f"{_FILE_MARK}{index[path]}"

    return _map_paths(params, take), files, names


class RemoteJob(Waitable):
    """One SessionJob run on the cluster; the same surface as BackgroundJob (see the module)."""

    def __init__(self, client, job: SessionJob, on_progress: Callable[[Progress], None] | None = None):
        self.client = client
        self.run = JobRun(job, on_progress)
        self.cancel_event = threading.Event()
        self.worker_pid: int | None = None
        self._job = job
        self._id = uuid.uuid4().hex
        self._topic = f"focusdesk-progress-{self._id}"
        self._events: stdqueue.Queue = stdqueue.Queue()
        self._future = None
        self._started = False
        self._signalled = False

    def start(self) -> RemoteJob:
        params, files, names = ship(self._job.params())
        self.client.subscribe_topic(self._topic, lambda event: self._events.put(event[1]))
        with warnings.catch_warnings():  # the audio makes a large task: that is the point
            warnings.simplefilter("ignore", UserWarning)
            self._future = self.client.submit(
                run_shipped, self._job.worker, params, files, names, self._topic,
                f"focusdesk-cancel-{self._id}", key=f"focusdesk-{self._job.spec.kind.value}-"
                f"{self._job.spec.session_id}-{self._id}", pure=False)
        return self

    def _deliver_started(self, pid: int) -> None:
        if not self._started:
            self._started = True
            self.run.deliver({"type": "started", "pid": int(pid), "remote": True})

    def pump(self) -> JobResult | None:
        """Deliver live progress; once the task has finished, every message, then the result."""
        if self.run.result is not None:
            return self.run.result
        while True:
            try:
                message = self._events.get_nowait()
            except stdqueue.Empty:
                break
            if message.get("type") == "started":
                self._deliver_started(message.get("pid") or 0)
            elif message.get("type") == "progress":
                self._deliver_started(0)
                self.run.deliver(message)
        if self.cancel_event.is_set() and not self._signalled:
            self._signal_cancel()
            return self._end(JobCancelled("Cancelled."))
        if self._future is None or not self._future.done():
            return None
        try:
            result = self._future.result()
        except Exception as exc:  # noqa: BLE001 - a lost scheduler or a task Dask gave up on
            return self._end(JobCrashed(f"The cluster did not finish the job: {type(exc).__name__}: {exc}"))
        self.worker_pid = result.get("worker_pid")
        for message in result["messages"]:
            if message.get("type") == "started":
                self._deliver_started(message.get("pid") or 0)
                continue
            self._deliver_started(0)
            try:
                self.run.deliver(message)
            except BaseException as exc:
                self._end(exc)
                raise
        error = result.get("error")
        if error is None:
            return self._end(None)
        kind = error.get("kind")
        if kind == "cancelled":
            return self._end(JobCancelled(error["message"]))
        if kind == "crashed":
            return self._end(JobCrashed(error["message"]))
        return self._end(JobError(error["message"], error.get("type", "")))

    def _end(self, error: BaseException | None) -> JobResult:
        try:
            self.client.unsubscribe_topic(self._topic)
        except Exception:  # noqa: BLE001 - the client may be closing
            log.debug("could not unsubscribe", exc_info=True)
        return self.run.end(error)

    def _signal_cancel(self) -> None:
        self._signalled = True
        try:
            _distributed().Event(f"focusdesk-cancel-{self._id}", client=self.client).set()
            if self._future is not None:
                self._future.cancel()
        except Exception:  # noqa: BLE001 - the cluster is gone: nothing runs there any more
            log.debug("could not cancel on the cluster", exc_info=True)

    def cancel(self) -> JobResult | None:
        """Stop the task on the cluster; the job ends cancelled (nothing of it was stored here),
        and the queue puts its task back."""
        if self.run.result is not None:
            return self.run.result
        self._signal_cancel()
        return self._end(JobCancelled("Cancelled."))


@dataclass
class Cluster:
    """A connection to a Dask scheduler whose workers have focusdesk."""

    client: Any
    address: str

    @property
    def threads(self) -> int:
        """How many tasks the cluster runs at once (its workers' threads)."""
        return max(1, sum(self.client.nthreads().values()))

    def launch(self, job: SessionJob) -> RemoteJob:
        return RemoteJob(self.client, job)

    def close(self) -> None:
        self.client.close()


def connect(address: str, timeout_s: float = 10.0, wait_workers_s: float = 60.0) -> Cluster:
    """Connect to the scheduler at ``address`` and check its workers; errors say what to do."""
    distributed = _distributed()
    if "://" not in address:
        address = f"tcp://{address}"
    try:
        client = distributed.Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UserError(f"Could not reach the Dask scheduler at {address} ({exc}). Start it on that "
                        "machine with 'dask scheduler' (see the README, 'Processing on a lab's "
                        "machines'), or leave out --scheduler to process on this computer.") from exc
    try:
        try:
            client.wait_for_workers(1, timeout=wait_workers_s)
        except (TimeoutError, OSError) as exc:
            raise UserError(f"The Dask scheduler at {address} has no workers after {wait_workers_s:.0f} s. "
                            "Start one on each machine with 'dask worker " + address + "'.") from exc
        try:
            infos = client.run(worker_info)
        except Exception as exc:  # noqa: BLE001 - a worker without focusdesk cannot unpickle it
            raise UserError(f"The workers of {address} could not run focusdesk ({type(exc).__name__}: "
                            f"{exc}). Install it on every worker machine: pip install "
                            "'focusdesk[cluster]'.") from exc
        wrong = sorted(addr for addr, info in infos.items() if info.get("protocol") != PROTOCOL)
        if wrong:
            raise UserError(f"These workers run a focusdesk that does not match this one: "
                            f"{', '.join(wrong)}. Install the same version there.")
    except BaseException:
        client.close()
        raise
    return Cluster(client, address)
