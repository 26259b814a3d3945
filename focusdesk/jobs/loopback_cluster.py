"""A Dask scheduler and workers on this machine, on 127.0.0.1 only, as child processes.

For the test that runs the Dask path end to end and for ``bench/process.py`` (a lab starts
``dask scheduler`` and ``dask worker`` on its machines itself; see the README). Nothing listens
beyond the loopback interface.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LoopbackCluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen] = field(default_factory=list)
    folder: Path | None = None

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.poll() is None]

    def close(self) -> None:
        """Stop every process (workers first) and wait for them."""
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def __enter__(self) -> LoopbackCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def start(workers: int = 2, threads: int = 1, env: dict | None = None,
          timeout_s: float = 60.0, tls: tuple[Path, Path, Path] | None = None) -> LoopbackCluster:
    """A scheduler on a free port of 127.0.0.1 and ``workers`` single-process workers, returned once
    they have all joined (no nanny:
    a killed worker stays dead, as a lost machine would) with ``threads`` threads each; with
    ``tls`` (CA file, certificate, key, PEM) every connection is TLS (address ``tls://``)."""
    env = {**os.environ, **(env or {})}
    secure = []
    if tls is not None:
        ca, cert, key = tls
        secure = ["--protocol", "tls", "--tls-ca-file", str(ca), "--tls-cert", str(cert),
                  "--tls-key", str(key)]
    folder = Path(tempfile.mkdtemp(prefix="focusdesk-dask-"))
    info = folder / "scheduler.json"
    scheduler = _spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--no-dashboard", "--scheduler-file", str(info), *secure], env,
                       folder / "scheduler.log")
    deadline = time.monotonic() + timeout_s
    while not info.exists() or not info.read_text().strip():
        if scheduler.poll() is not None or time.monotonic() > deadline:
            scheduler.kill()
            raise RuntimeError(f"The Dask scheduler did not start: {(folder / 'scheduler.log').read_text()[-2000:]}")
        time.sleep(0.1)
    time.sleep(0.1)  # the file is written whole, but be sure
    address = json.loads(info.read_text())["address"]
    cluster = LoopbackCluster(address, scheduler, folder=folder)
    for i in range(workers):
        cluster.workers.append(_spawn(
            ["distributed.cli.dask_worker", address, "--host", "127.0.0.1", "--nthreads", str(threads),
             "--no-nanny", "--no-dashboard", "--memory-limit", "0", "--name", f"worker-{i}", *secure],
            env, folder / f"worker-{i}.log"))
    for i, worker in enumerate(cluster.workers):  # every worker registered with the scheduler
        log = folder / f"worker-{i}.log"
        while "Registered to:" not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                cluster.close()
                raise RuntimeError(f"A Dask worker did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
    return cluster
