"""Shared fixtures. Qt runs offscreen; reference data lives in ../shared/ beside the checkout."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
AUDIO = SHARED / "data" / "audio"
REFI = SHARED / "data" / "refi-qda"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Keep QSettings and model caches out of the user's home during tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("FOCUSDESK_WORKSPACE", raising=False)
    monkeypatch.setenv("FOCUSDESK_LOG_DIR", str(home / "log"))  # the window's error log
    # Model caches are expensive to rebuild; share one per test run unless a test overrides it.
    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path_factory.getbasetemp() / "model-cache"))
    # Qt reads XDG_CONFIG_HOME once per process: point QSettings at this test's folder, or one
    # test's preferences (a changed key) leak into every test after it.
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / "config"))


@pytest.fixture
def workspace(tmp_path):
    from focusdesk.store import open_workspace

    ws = open_workspace(tmp_path / "study")
    yield ws
    ws.close()


@pytest.fixture
def seeded(workspace):
    """A small study: two sites, four participants, a guide, the example frame, two sessions."""
    from focusdesk.core.model import Participant, Session, SessionKind, Site, Study
    from focusdesk.core.outline import load_frame_file, load_guide_file
    from focusdesk.store import codes, guide, sessions, study

    db = workspace.db
    study.save_study(db, Study(title="Digital therapy study"))
    a = study.add_site(db, Site("Site A"))
    b = study.add_site(db, Site("Site B"))
    p = [study.add_participant(db, Participant(code=f"P0{i}", site_id=(a if i <= 2 else b).id,
                                               role="OT" if i % 2 else "PT",
                                               real_name=f"Real Name {i}",
                                               attributes={"years": str(i * 3)}))
         for i in range(1, 5)]
    guide.save_guide(db, load_guide_file(ROOT / "resources/templates/topic-guide.md"))
    codes.import_frame(db, load_frame_file(ROOT / "resources/templates/coding-frame.yaml"))
    sessions.add_session(db, Session("Focus group 1", SessionKind.FOCUS_GROUP, a.id, "2024-03-01",
                                     participant_ids=[p[0].id, p[1].id]))
    sessions.add_session(db, Session("Interview 1", SessionKind.TELEPHONE_INTERVIEW, b.id, "2024-03-08",
                                     participant_ids=[p[2].id]))
    return workspace


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` (``"2m"``) mounted on ``folder``, for full-disk tests. Mounting
    needs root, which CI has; elsewhere the test is skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill_disk(filler: Path) -> None:
    """Write ``filler`` until the disk holding it has no byte left."""
    with open(filler, "wb", buffering=0) as fh:  # unbuffered: closing has nothing left to flush
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> Path:
    """The demo study, built once per test run by ``focusdesk study demo`` in a child process
    with the network guard loaded (it must build offline). Tests that open it in a window copy it
    first (a window takes the study alone)."""
    import shutil
    import sys
    import time

    base = tmp_path_factory.mktemp("demo-build")
    folder = base / "demo"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "offline_guard"), str(ROOT)]),
               FOCUSDESK_NET_LOG=str(base / "net.log"), XDG_DATA_HOME=str(base / "data"),
               XDG_CONFIG_HOME=str(base / "config"), FOCUSDESK_CACHE=str(base / "model-cache"))
    env.pop("FOCUSDESK_WORKSPACE", None)
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "focusdesk", "study", "demo", "--folder", str(folder)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (base / "build-seconds.txt").write_text(f"{time.monotonic() - began:.1f}\n{proc.stdout}")
    log = base / "net.log"
    assert not log.exists() or log.read_text() == "", f"the demo build used the network:\n{log.read_text()}"
    assert shutil.which("espeak-ng") or shutil.which("espeak")
    return folder
