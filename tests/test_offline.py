"""The main workflows open no network connection.

Each step runs as a real ``focusdesk`` process (and the window as a real Qt process) with
tests/offline_guard on PYTHONPATH: its sitecustomize refuses and records every internet connection
and host-name lookup in that process and in every child it starts (the transcription and
diarization jobs). An empty log at the end proves the workflows stayed on the laptop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AUDIO, ROOT

GUARD = ROOT / "tests" / "offline_guard"

VTT = """WEBVTT

00:00:00.500 --> 00:00:04.000
<v P01>The reminders kept my clients going between sessions.

00:00:04.500 --> 00:00:09.000
<v P02>It took a lot of time to set it up every week.
"""

WINDOW_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
from focusdesk.store.workspace import open_workspace
from focusdesk.store import sessions
from focusdesk.ui.main_window import MainWindow

app = QApplication(sys.argv)
ws = open_workspace(sys.argv[1], exclusive=True)
win = MainWindow(ws)
win.show()
for s in sessions.list_sessions(ws.db):
    win.set_current_session(s.id)
    app.processEvents()
for menu in win.menuBar().findChildren(type(win.menu("File"))):
    menu.aboutToShow.emit()
app.processEvents()
win.close()
print("window ok")
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD), str(ROOT), env.get("PYTHONPATH")]))
    env["FOCUSDESK_NET_LOG"] = str(tmp_path / "net.log")
    env["FOCUSDESK_WORKSPACE"] = str(tmp_path / "study")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _run(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    proc = subprocess.run([sys.executable, "-m", "focusdesk", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"focusdesk {' '.join(args)} failed:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture
def offline(tmp_path):
    env = _env(tmp_path)
    yield env
    log = Path(env["FOCUSDESK_NET_LOG"])
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"network use during an offline workflow:\n{attempts}"


def test_the_guard_catches_a_connection(tmp_path):
    """Without this, an empty log could just mean the guard was not loaded."""
    env = _env(tmp_path)
    code = "import socket\ntry:\n    socket.create_connection(('example.org', 80), timeout=2)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert "getaddrinfo" in Path(env["FOCUSDESK_NET_LOG"]).read_text()


def test_study_setup_import_code_search_export_offline(offline, tmp_path):
    _run(offline, "study", "demo", "--plain")
    _run(offline, "import-audio", str(AUDIO / "jfk.flac"), "--session", "Focus group 1")
    vtt = tmp_path / "fg1.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    _run(offline, "import-transcript", str(vtt), "--session", "Focus group 1")
    _run(offline, "mark", "--session", "Focus group 1", "--at", "2", "--tag", "key quote")
    assert "Focus group 1" in _run(offline, "search", "reminders")
    _run(offline, "code", "add", "--session", "Focus group 1", "--code", "Added burden/Time-consuming",
         "--from", "00:00:04.500", "--to", "00:00:09")
    assert "Time-consuming" in _run(offline, "codings")
    _run(offline, "matrix", "--rows", "site", "--measure", "count")
    for fmt, name in [("docx", "fg1.docx"), ("qdpx", "fg1.qdpx"), ("vtt", "fg1-out.vtt")]:
        _run(offline, "export", "Focus group 1", "--format", fmt, "-o", str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 0
    _run(offline, "export-study", "--format", "xlsx", "-o", str(tmp_path / "study.xlsx"))


def test_transcribe_and_diarize_offline(offline, tmp_path):
    """The Whisper and diarization jobs run in child processes; the guard is loaded there too."""
    _run(offline, "study", "demo", "--plain")
    session = "Telephone interview 1"
    _run(offline, "import-audio", str(AUDIO / "telephone-2spk.wav"), "--session", session)
    _run(offline, "transcribe", session)
    _run(offline, "diarize", session, "--speakers", "2")
    assert "S2" in _run(offline, "speakers", "--session", session)
    assert "country" in _run(offline, "transcribe-file", str(AUDIO / "jfk.flac")).lower()


def test_window_opens_every_session_offline(offline, tmp_path):
    _run(offline, "study", "demo", "--plain")
    proc = subprocess.run([sys.executable, "-c", WINDOW_SCRIPT, offline["FOCUSDESK_WORKSPACE"]],
                          env=offline, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "window ok" in proc.stdout
