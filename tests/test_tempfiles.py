"""Private temporary folders are cleaned after a crash (core/tempfiles.py): a real QDPX export
killed with SIGKILL while it joins a session's audio leaves its 0700 folder behind; the next
focusdesk start removes it, and keeps the folders of processes that still run."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

from conftest import AUDIO, ROOT

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Session, SessionKind
from focusdesk.core.tempfiles import owner_pid, pid_alive, private_folder, remove_stale
from focusdesk.store import sessions
from focusdesk.store.workspace import open_workspace


def test_a_killed_export_leaves_its_folder_and_the_next_start_removes_it(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    study = tmp_path / "study"
    with open_workspace(study) as ws:  # two minutes of audio in four parts: a join that takes time
        s = sessions.add_session(ws.db, Session("Meeting", SessionKind.FOCUS_GROUP))
        for name in ("trn00.wav", "trn01.wav", "trn02.wav", "trn03.wav"):
            import_audio_file(ws, s.id, AUDIO / "ami" / name)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch))
    env.pop("FOCUSDESK_WORKSPACE", None)
    child = subprocess.Popen([sys.executable, "-m", "focusdesk", "-w", str(study), "export",
                              "Meeting", "-f", "qdpx", "-o", str(tmp_path / "out.qdpx")],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    deadline = time.monotonic() + 90
    mine = None
    while mine is None and time.monotonic() < deadline and child.poll() is None:
        mine = next((d for d in scratch.iterdir() if owner_pid(d) == child.pid and
                     any(f.suffix == ".m4a" and f.stat().st_size > 0 for f in d.iterdir())), None)
        time.sleep(0.01)
    assert mine is not None, f"no joining seen; the export ended with {child.poll()}"
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(30)
    assert mine.name.startswith(f"focusdesk-{child.pid}-qdpxexport-")
    assert stat.S_IMODE(mine.stat().st_mode) == 0o700
    assert not pid_alive(child.pid) and any(mine.iterdir())  # the crash left the joined audio

    alive = scratch / f"focusdesk-{os.getppid()}-qdpximport-abc123"  # a running process's
    alive.mkdir()
    other = scratch / "focusdesk-faults-abc123"  # not ours by name: never touched
    other.mkdir()
    r = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(study), "session", "list"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in scratch.iterdir()) == sorted([alive.name, other.name])
    assert not (tmp_path / "out.qdpx").exists()


def test_private_folder_is_named_for_its_owner_and_gone_after_use(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with private_folder("demo") as folder:
        assert owner_pid(folder) == os.getpid()
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        assert remove_stale(tmp_path) == []  # our own, alive: kept
        assert os.path.isdir(folder)
    assert list(tmp_path.iterdir()) == []
