"""Benchmark: the processing queue's throughput against processing by hand (issue 17).

Four sessions from the real clips in ../shared/data/audio (an AMI meeting excerpt, the telephone
call, JFK, a LibriSpeech reading). The baseline, in the same run on a fresh copy of the study, is
what a researcher does by hand: ``focusdesk transcribe S``, ``focusdesk transcribe S --fill-gaps``
(the queue's fill step) then ``focusdesk diarize S`` for each session, one after another. Then
``focusdesk process --all`` with 1 and with 2 local workers, each on its own fresh copy, then on a
Dask cluster of one scheduler and two single-threaded workers on this machine (127.0.0.1; each
recording is shipped to a worker and its results come back, as on a lab's machines; the cluster's
start is not timed), then by hand once more, so a change in the machine's load shows. Figures:
audio hours processed per wall-clock hour (higher is better).

    .venv/bin/python bench/process.py [--jobs 1,2] [--no-dask] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "data" / "audio"
CLIPS = {"Meeting": AUDIO / "ami" / "trn00.wav", "Call": AUDIO / "telephone-2spk.wav",
         "Speech": AUDIO / "jfk.flac", "Reading": AUDIO / "librispeech-2412-153948-0000.flac"}


def focusdesk(study: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(study), *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"focusdesk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build(study: Path) -> float:
    """The four sessions with their audio imported; returns the audio's hours."""
    import soundfile as sf

    focusdesk(study, "study", "init", "--title", "Queue bench")
    for name, clip in CLIPS.items():
        focusdesk(study, "session", "add", name, "--kind", "interview")
        focusdesk(study, "import-audio", str(clip), "--session", name)
    return sum(sf.info(str(c)).duration for c in CLIPS.values()) / 3600


def by_hand(study: Path) -> float:
    began = time.perf_counter()
    for name in CLIPS:
        focusdesk(study, "transcribe", name)
        focusdesk(study, "transcribe", name, "--fill-gaps")
        focusdesk(study, "diarize", name)
    return time.perf_counter() - began


def queued(study: Path, jobs: int, scheduler: str | None = None) -> float:
    began = time.perf_counter()
    where = ["--scheduler", scheduler] if scheduler else ["--jobs", str(jobs)]
    out = focusdesk(study, "process", "--all", *where)
    wall = time.perf_counter() - began
    if "failed 0" not in out:
        raise SystemExit(f"the queue did not finish cleanly:\n{out}")
    return wall


def check(study: Path) -> None:
    """Every session transcribed and diarized (the figures mean nothing otherwise)."""
    sys.path.insert(0, str(ROOT))
    from focusdesk.store import open_workspace, progress

    ws = open_workspace(study)
    try:
        for p in progress.session_progress(ws.db):
            if not p.segments or not p.speakers:
                raise SystemExit(f"{p.name} was not fully processed")
    finally:
        ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="1,2", help="worker counts for the queue (default 1,2)")
    parser.add_argument("--keep", type=Path, help="keep the studies in this folder")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask cluster run")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="focusdesk-bench-process-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        template = root / "template"
        hours = build(template)
        print(f"{len(CLIPS)} sessions, {hours * 3600:.0f} s of audio; {os.cpu_count()} CPU core(s)")
        runs = [("by hand: transcribe + diarize, one after another", "hand", 0)]
        runs += [(f"process --all --jobs {n}", "queue", int(n)) for n in args.jobs.split(",")]
        if not args.no_dask:
            runs += [("process --all --scheduler (Dask, 2 workers × 1 thread)", "dask", 2)]
        runs += [("by hand again (how much the machine's load moved)", "hand", 1)]
        base = None
        for label, kind, n in runs:
            study = root / f"{kind}{n}"
            shutil.copytree(template, study)
            if kind == "hand":
                wall = by_hand(study)
            elif kind == "queue":
                wall = queued(study, n)
            else:
                sys.path.insert(0, str(ROOT))
                from focusdesk.jobs import loopback_cluster

                with loopback_cluster.start(n, env={"PYTHONPATH": str(ROOT)}) as cluster:
                    wall = queued(study, n, cluster.address)
            check(study)
            rate = hours / (wall / 3600)
            base = base or rate
            print(f"{label:52s} {wall:7.1f} s  {rate:6.1f} audio h/h  ({rate / base:.2f}× by hand)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
