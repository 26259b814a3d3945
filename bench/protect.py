"""What protection costs: the same study protected (SQLCipher + sealed media) against plain, in
the same run, on the main paths (target: each under 1.15× plain).

Run: ``flock /tmp/focusdesk-bench.lock .venv/bin/python bench/protect.py`` (figures are printed).

- opening a 2-hour session in the transcript editor (1,800 turns, 20,000 words: bench/editor.py's
  study), median of ``--repeat`` openings;
- a transcription of a short real clip (jfk.flac, 11 s, bundled tiny.en, the real job in its
  child process);
- a DOCX export of the 2-hour session, median;
- seeking in playback: decoding half a second at a random offset of a 10-minute 48 kHz WAV
  (through the decrypting reader in the protected study), ``--seeks`` offsets;
- and, for scale, opening the study (the protected one runs scrypt once) and converting it.

Each measure runs in pairs, plain and protected one right after the other (the order
alternating), and the median of each side counts: on a shared machine, load from elsewhere
would otherwise land on one side only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "benchmark passphrase"
CLIP = ROOT.parent / "shared" / "data" / "audio" / "jfk.flac"


def _long_wav(path: Path, minutes: float) -> Path:
    import numpy as np
    import soundfile as sf

    rate = 48000
    rng = np.random.default_rng(3)
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, subtype="PCM_16") as out:
        for _ in range(int(minutes * 6)):  # 10-second blocks of a tone in noise
            t = np.arange(rate * 10) / rate
            out.write((0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(len(t)))
                      .astype(np.float32))
    return path


def _prepare(base: Path, minutes: float):
    from editor import _study

    from focusdesk.audio.media import import_audio_file
    from focusdesk.core.model import Session
    from focusdesk.store import sessions

    plain = base / "plain"
    ws, big = _study(plain)
    media = _long_wav(base / "long.wav", minutes)
    seek_session = sessions.add_session(ws.db, Session("Seeking"))
    import_audio_file(ws, seek_session.id, media)
    clip_session = sessions.add_session(ws.db, Session("Clip"))
    import_audio_file(ws, clip_session.id, CLIP)
    ws.close()
    return plain, big, seek_session.id, clip_session.id


def _open(root: Path, protected: bool):
    from focusdesk.store import open_workspace
    from focusdesk.store.protect import keyring

    keyring.forget_all()
    return open_workspace(root, passphrase=PASSPHRASE if protected else None)


def bench_transcribe(ws, session_id: int) -> float:
    from focusdesk.jobs.session_job import JobOutcome, run_session_job
    from focusdesk.transcribe.service import SessionTranscription
    from focusdesk.transcribe.types import Settings

    t0 = time.perf_counter()
    result = run_session_job(SessionTranscription(ws, session_id, Settings(language="en"),
                                                  restart=True))
    took = time.perf_counter() - t0
    assert result.outcome == JobOutcome.DONE, result.message
    return took


def bench_export(ws, session_id: int, out: Path, repeat: int) -> float:
    from focusdesk.exchange import exports
    from focusdesk.exchange.session_data import ExportOptions

    times = []
    for n in range(repeat):
        t0 = time.perf_counter()
        exports.export_session(ws, session_id, "docx", out / f"s{n}.docx", ExportOptions())
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_seek(ws, session_id: int, n: int) -> float:
    """Decode 0.5 s at the ``n``th random offset (the same offsets on both sides)."""
    from focusdesk.audio.decode import stream_audio
    from focusdesk.store import transcripts

    (rec,) = transcripts.list_recordings(ws.db, session_id)
    path = ws.resolve(rec.path)
    start = random.Random(n).uniform(0, rec.duration_ms / 1000 - 1)
    t0 = time.perf_counter()
    block = next(stream_audio(path, start_s=start, block_s=0.5))
    took = time.perf_counter() - t0
    assert len(block) == 8000
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="editor openings and exports, each")
    parser.add_argument("--runs", type=int, default=4, help="transcriptions, each")
    parser.add_argument("--seeks", type=int, default=80, help="random seeks, each")
    parser.add_argument("--rounds", type=int, default=3, help="study openings, each")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the seek file")
    args = parser.parse_args(argv)

    from editor import bench_open
    from PySide6.QtWidgets import QApplication

    from focusdesk.store.protect.convert import protect_study

    app = QApplication.instance() or QApplication([])
    base = Path(tempfile.mkdtemp(prefix="focusdesk-bench-protect-"))
    try:
        t0 = time.perf_counter()
        plain, big, seek_id, clip_id = _prepare(base, args.minutes)
        print(f"built the study (2-hour session, {args.minutes:g}-minute WAV, an 11 s clip) in "
              f"{time.perf_counter() - t0:.1f} s")
        protected = base / "protected"
        shutil.copytree(plain, protected)
        t0 = time.perf_counter()
        protect_study(protected, PASSPHRASE)
        convert_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in protected.rglob("*") if p.is_file())
        print(f"protect_study: {convert_s:.2f} s for {size / 1e6:.0f} MB")

        out = base / "out"
        out.mkdir()
        opened = {False: [], True: []}
        for _ in range(args.rounds):
            for is_protected in (False, True):
                t0 = time.perf_counter()
                _open(plain if not is_protected else protected, is_protected).close()
                opened[is_protected].append(time.perf_counter() - t0)
        ws = {False: _open(plain, False)}
        ws[True] = _open(protected, True)  # after: _open forgets the keys unlocked before it
        measures = {  # name: (one measurement, how many pairs)
            "editor: open 2-hour session": (
                lambda w, n: bench_open(app, w, big, 1)["editor"][0], args.repeat),
            "DOCX export, 2-hour session": (lambda w, n: bench_export(w, big, out, 1), args.repeat),
            "seek: a random 0.5 s decode": (lambda w, n: bench_seek(w, seek_id, n), args.seeks),
            "transcription, 11 s clip": (lambda w, n: bench_transcribe(w, clip_id), args.runs),
        }
        rows = [("open study", statistics.median(opened[False]),
                 statistics.median(opened[True]))]
        try:
            for name, (measure, pairs) in measures.items():
                times: dict[bool, list[float]] = {False: [], True: []}
                for n in range(pairs):  # paired, order alternating: load from elsewhere
                    for is_protected in ((False, True) if n % 2 == 0 else (True, False)):
                        times[is_protected].append(measure(ws[is_protected], n))
                rows.append((name, statistics.median(times[False]),
                             statistics.median(times[True])))
        finally:
            for w in ws.values():
                w.close()
        print(f"\n{'path (median of pairs)':40} {'plain':>9} "
              f"{'protected':>10} {'ratio':>7}  target < 1.15")
        for name, a, b in rows:
            mark = "" if name == "open study" or b / a < 1.15 else "  OVER"
            print(f"{name:40} {a * 1000:8.0f}ms {b * 1000:9.0f}ms {b / a:7.3f}{mark}")
        print("(open study: the protected one derives its key with scrypt once, by design)")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
