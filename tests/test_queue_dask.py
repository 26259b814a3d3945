"""The processing queue on a Dask cluster (``focusdesk process --all --scheduler``): a real
scheduler and two real single-threaded workers started here on 127.0.0.1, real clips, tiny.en and
the bundled voice model. The cluster's results equal a local run's; a worker killed (SIGKILL, with
its job) while it works loses nothing: Dask runs the task again on the other worker, and the study
is only written by the process that owns it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psutil
import pytest
from conftest import AUDIO, ROOT

from focusdesk.cli import main
from focusdesk.core.errors import UserError
from focusdesk.jobs import loopback_cluster, remote
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobSpec
from focusdesk.store import open_workspace, queue, sessions
from focusdesk.store.protect import keyring
from focusdesk.store.protect.convert import create_protected

CLIPS = {"Speech": "jfk.flac", "Reading": "librispeech-2412-153948-0000.flac"}


def cli(capsys, ws, *args) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _results(ws_path) -> dict[str, list[tuple]]:
    """Each session's segments with their speaker, and its words: what processing produced."""
    ws = open_workspace(ws_path)
    try:
        out = {}
        for sid, name in sessions.session_names(ws.db):
            out[name] = ws.db.execute(
                "SELECT g.start_ms, g.end_ms, g.text, k.label, (SELECT COUNT(*) FROM words w WHERE "
                "w.segment_id = g.id) FROM segments g LEFT JOIN speakers k ON k.id = g.speaker_id "
                "WHERE g.session_id = ? ORDER BY g.start_ms", [sid]).fetchall()
            out[name + " turns"] = ws.db.execute(
                "SELECT t.start_ms, t.end_ms FROM speaker_turns t JOIN diarization_runs r ON "
                "r.id = t.run_id JOIN recordings c ON c.id = r.recording_id WHERE c.session_id = ? "
                "ORDER BY t.start_ms", [sid]).fetchall()
        return out
    finally:
        ws.close()


@pytest.fixture(scope="module")
def cluster():
    """One scheduler and two single-threaded workers for this file's tests (the last test kills
    one of them)."""
    c = loopback_cluster.start(2, env={"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])})
    yield c
    c.close()
    assert all(p.poll() is not None for p in [c.scheduler, *c.workers])


@dataclass
class ProbeJob:
    """A SessionJob whose worker is one of tests/test_jobs_workers.py's."""

    worker: str
    inputs: list[dict] = field(default_factory=list)
    handled: list[dict] = field(default_factory=list)
    ended: list = field(default_factory=list)

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind.TRANSCRIBE, 7, "probe")

    def params(self) -> dict:
        return {"inputs": self.inputs, "n": 3, "why": "no header"}

    def handle(self, message: dict) -> None:
        self.handled.append(message)

    def progress_note(self) -> str:
        return ""

    def finish(self, outcome: JobOutcome, error: BaseException | None = None) -> str:
        self.ended.append(outcome)
        return f"{outcome.value}: {error}"


def test_remote_job_ships_files_streams_progress_and_cancels(cluster, tmp_path):
    c = remote.connect(cluster.address)
    try:
        assert c.threads == 2
        clip = AUDIO / "jfk.flac"
        job = ProbeJob("test_jobs_workers:read_file", [{"path": str(clip)}])
        progress = []
        handle = c.launch(job)
        handle.run.on_progress = progress.append
        result = handle.start().wait(timeout=60)
        assert result is not None and result.outcome is JobOutcome.DONE, result
        files = [m for m in job.handled if m["type"] == "file"]
        data = clip.read_bytes()
        assert files == [{"type": "file", "size": len(data), "head": data[:16].hex(),
                          "here": files[0]["here"]}]
        assert files[0]["here"] != str(clip) and not os.path.exists(files[0]["here"])  # cleaned up
        assert job.handled[0]["type"] == "started" and [p.text for p in progress] == ["read"]

        failing = ProbeJob("test_jobs_workers:fail")
        result = c.launch(failing).start().wait(timeout=60)
        assert result.outcome is JobOutcome.FAILED and "the audio file is broken" in result.message

        endless = ProbeJob("test_jobs_workers:forever")
        handle = c.launch(endless).start()
        deadline = time.monotonic() + 60
        while not any(_jobs_on(pid) for pid in cluster.worker_pids()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        handle.cancel_event.set()
        assert handle.wait(timeout=10).outcome is JobOutcome.CANCELLED
        _wait_until_no_jobs(cluster)

        stopped = ProbeJob("test_jobs_workers:forever")  # Ctrl+C: the runner calls cancel()
        handle = c.launch(stopped).start()
        deadline = time.monotonic() + 60
        while not any(_jobs_on(pid) for pid in cluster.worker_pids()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert handle.cancel().outcome is JobOutcome.CANCELLED
        assert stopped.ended == [JobOutcome.CANCELLED]
        _wait_until_no_jobs(cluster)
    finally:
        c.close()


def _jobs_on(pid: int) -> list[psutil.Process]:
    """The job children of a worker process (not multiprocessing's resource tracker)."""
    out = []
    for child in psutil.Process(pid).children():
        try:
            line = " ".join(child.cmdline())
        except psutil.NoSuchProcess:
            continue
        if "spawn_main" in line and "resource_tracker" not in line:
            out.append(child)
    return out


def _wait_until_no_jobs(cluster, timeout_s: float = 15) -> None:
    """The workers see a cancel and stop the job's child within a few seconds."""
    deadline = time.monotonic() + timeout_s
    while any(_jobs_on(pid) for pid in cluster.worker_pids()):
        assert time.monotonic() < deadline, "a cancelled job still runs on a worker"
        time.sleep(0.1)


def _kill_a_busy_worker(cluster: loopback_cluster.LoopbackCluster, timeout_s: float = 60) -> int:
    """SIGKILL the first worker seen running a job (its job child with it): a lost machine."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for i, proc in enumerate(cluster.workers):
            if proc.poll() is None and _jobs_on(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
                return i
        time.sleep(0.05)
    raise AssertionError("no worker ever ran a job")


@pytest.mark.slow
def test_process_on_a_dask_cluster_equals_local_and_survives_a_lost_worker(cluster, tmp_path, capsys):
    template = tmp_path / "template"
    assert cli(capsys, template, "study", "init", "--title", "Cluster")[0] == 0
    for name, clip in CLIPS.items():
        assert cli(capsys, template, "session", "add", name, "--kind", "interview")[0] == 0
        assert cli(capsys, template, "import-audio", str(AUDIO / clip), "--session", name)[0] == 0
    here, there = tmp_path / "here", tmp_path / "there"
    shutil.copytree(template, here)
    shutil.copytree(template, there)

    code, out, err = cli(capsys, here, "process", "--all")
    assert code == 0 and "failed 0" in out, out + err

    assert cluster.address.startswith("tcp://127.0.0.1:")
    child = subprocess.Popen(
        [sys.executable, "-m", "focusdesk", "-w", str(there), "process", "--all", "--scheduler",
         cluster.address], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    seen, killed = [], None
    try:
        for line in child.stdout:
            seen.append(line)
            if killed is None and ": started" in line:
                killed = _kill_a_busy_worker(cluster)
        assert child.wait(240) == 0, "".join(seen)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    text = "".join(seen)
    assert f"on the Dask cluster at {cluster.address}, 2 at a time" in text
    assert "Done 6, failed 0" in text, text  # transcribe, fill (nothing to fill), diarize × 2
    assert killed is not None and cluster.workers[killed].returncode == -signal.SIGKILL
    assert len(cluster.worker_pids()) == 1  # the other worker did the lost one's work

    local, remote_ = _results(here), _results(there)
    assert local == remote_
    assert all(local[name] and local[name + " turns"] for name in CLIPS)
    assert "country" in " ".join(row[2] for row in local["Speech"]).lower()
    with open_workspace(there) as ws:
        tasks = queue.list_tasks(ws.db)
    assert sorted((t.session_name, t.step.value, t.state, t.attempts) for t in tasks) == sorted(
        (name, step, "done", 1) for name in CLIPS for step in ("transcribe", "fill", "diarize"))


def _certificates(folder) -> tuple:
    """A CA and one certificate for 127.0.0.1 signed by it (scheduler, workers and client)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("lab CA")).issuer_name(name("lab CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now)
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(name("lab CA"))
            .public_key(key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.mark.slow
def test_a_protected_study_is_processed_over_tls_only(tmp_path, capsys):
    """Refused over tcp://, processed over tls:// (Dask's own TLS settings): the sealed recording
    is read as plaintext here, sent encrypted, and its transcript stored in the sealed study."""
    root = tmp_path / "sealed"
    create_protected(root, "a long enough passphrase")
    keyring.forget_all()
    secret = tmp_path / "pass.txt"
    secret.write_text("a long enough passphrase\n")
    base = ["--passphrase-file", str(secret)]
    assert cli(capsys, root, *base, "session", "add", "S1", "--kind", "interview")[0] == 0
    assert cli(capsys, root, *base, "import-audio", str(AUDIO / "jfk.flac"), "--session", "S1")[0] == 0
    code, _, err = cli(capsys, root, *base, "process", "--all", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and "protected" in err and "tls://" in err, err
    keyring.forget_all()

    ca, cert, key = _certificates(tmp_path)
    tls_env = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(ca),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(cert),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(key)}
    with loopback_cluster.start(1, env={"PYTHONPATH": str(ROOT)}, tls=(ca, cert, key)) as c:
        assert c.address.startswith("tls://127.0.0.1:")
        done = subprocess.run(
            [sys.executable, "-m", "focusdesk", "-w", str(root), *base, "process", "--all",
             "--scheduler", c.address], capture_output=True, text=True, timeout=300, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **tls_env})
    assert done.returncode == 0 and "Done 3, failed 0" in done.stdout, done.stdout + done.stderr
    with open_workspace(root, passphrase="a long enough passphrase") as ws:
        assert [t.state for t in queue.list_tasks(ws.db)] == ["done"] * 3
        said = " ".join(r[0] for r in ws.db.execute("SELECT text FROM segments").fetchall())
    keyring.forget_all()
    assert "country" in said.lower()


def test_cluster_errors_say_what_to_do(tmp_path, capsys):
    with pytest.raises(UserError, match="Could not reach the Dask scheduler at tcp://127.0.0.1:9 .*"
                       "dask scheduler"):
        remote.connect("127.0.0.1:9", timeout_s=1)
