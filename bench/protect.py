"""What protection costs: the same study protected (SQLCipher + sealed media) against plain, in
the same run, on the main paths (target: each under 1.15× plain).

Run: ``flock /tmp/focusdesk-bench.lock .venv/bin/python bench/protect.py`` (figures are printed).

- opening a 2-hour session in the transcript editor (1,800 turns, 20,000 words: bench/editor.py's
  study), median of ``--repeat`` openings;
- a transcription of a short real clip (jfk.flac, 11 s, bundled tiny.en, the real job in its
  child process), best of ``--runs``;
- a DOCX export of the 2-hour session, median;
- seeking in playback: decoding half a second at ``--seeks`` random offsets of a 10-minute
  48 kHz WAV (through the decrypting reader in the protected study), total;
- and, for scale, opening the study (the protected one runs scrypt once) and converting it.
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


def bench_seek(ws, session_id: int, seeks: int) -> float:
    from focusdesk.audio.decode import stream_audio
    from focusdesk.store import transcripts

    (rec,) = transcripts.list_recordings(ws.db, session_id)
    path = ws.resolve(rec.path)
    rng = random.Random(11)
    offsets = [rng.uniform(0, rec.duration_ms / 1000 - 1) for _ in range(seeks)]
    t0 = time.perf_counter()
    for start in offsets:
        block = next(stream_audio(path, start_s=start, block_s=0.5))
        assert len(block) == 8000
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="editor openings and exports each")
    parser.add_argument("--runs", type=int, default=2, help="transcriptions each")
    parser.add_argument("--seeks", type=int, default=60)
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

        rows: list[tuple[str, float, float]] = []
        out = base / "out"
        out.mkdir()
        results: dict[bool, dict[str, float]] = {False: {}, True: {}}
        for is_protected in (False, True, False, True):  # interleaved: drift hits both alike
            root = protected if is_protected else plain
            t0 = time.perf_counter()
            ws = _open(root, is_protected)
            opened = time.perf_counter() - t0
            try:
                r = results[is_protected]
                r["open study"] = min(r.get("open study", 1e9), opened)
                editor = statistics.median(bench_open(app, ws, big, args.repeat)["editor"])
                r["editor: open 2-hour session"] = min(r.get("editor: open 2-hour session", 1e9),
                                                       editor)
                r["DOCX export, 2-hour session"] = min(r.get("DOCX export, 2-hour session", 1e9),
                                                       bench_export(ws, big, out, args.repeat))
                r[f"seek: {args.seeks} random 0.5 s decodes"] = min(
                    r.get(f"seek: {args.seeks} random 0.5 s decodes", 1e9),
                    bench_seek(ws, seek_id, args.seeks))
                for _ in range(max(1, args.runs // 2)):
                    r["transcription, 11 s clip"] = min(r.get("transcription, 11 s clip", 1e9),
                                                        bench_transcribe(ws, clip_id))
            finally:
                ws.close()
        for name in results[False]:
            rows.append((name, results[False][name], results[True][name]))
        print(f"\n{'path':40} {'plain':>9} {'protected':>10} {'ratio':>7}  target < 1.15")
        for name, a, b in rows:
            mark = "" if name == "open study" or b / a < 1.15 else "  OVER"
            print(f"{name:40} {a * 1000:8.0f}ms {b * 1000:9.0f}ms {b / a:7.3f}{mark}")
        print("(open study: the protected one derives its key with scrypt once, by design)")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
