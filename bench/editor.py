"""Transcript editor benchmark: open time, study search, follow-mode CPU cost.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.editor`` (figures are printed).
Generates a study the size of a 2-hour focus group (about 1,800 turns, 20,000 words, 8 speakers)
plus two smaller sessions, then measures:

- opening the session in the editor (construct, lay out, show; target < 1 s) against a baseline
  of just reading the transcript from SQLite;
- study search over every session (target < 100 ms per query; baseline: one raw FTS5 count);
- follow mode during playback: process CPU time over N seconds of simulated position updates at
  the player's notify interval (50 ms), against an idle event loop for the same N seconds
  (target < 5 % of one core above idle).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

VOCAB = ("the app helps me stay engaged between sessions honestly it was overwhelming at first "
         "and time consuming but therapy becomes part of the week we talked about drift "
         "reminders homework exercises patients clinicians practice routine value burden "
         "disruptive notification phone tablet video feedback progress goals motivation").split()


def generate(db, session_id: int, n_segments: int = 1800, n_words: int = 20_000, n_speakers: int = 8,
             seed: int = 1) -> None:
    """A transcript with timed words, speakers, a few markers and codings."""
    from focusdesk.core.model import Coding, Marker
    from focusdesk.store import annotations, codes, transcripts
    from focusdesk.store.tx import transaction

    rng = random.Random(seed)
    speakers = [transcripts.ensure_speaker(db, session_id, f"S{i + 1}").id for i in range(n_speakers)]
    per = n_words / n_segments
    t = 0
    rows_seg, rows_words = [], []
    next_id = (db.execute("SELECT IFNULL(MAX(id), 0) FROM segments").fetchone()[0]) + 1
    for i in range(n_segments):
        n = max(1, round(rng.gauss(per, per / 3)))
        words = []
        wt = t
        for k in range(n):
            dur = rng.randint(150, 450)
            text = rng.choice(VOCAB)
            if k == n - 1:
                text += "."
            words.append((wt, wt + dur, text, round(rng.uniform(0.3, 1.0), 2)))
            wt += dur + rng.randint(20, 120)
        seg_id = next_id + i
        rows_seg.append((seg_id, session_id, t, words[-1][1], speakers[rng.randrange(n_speakers)],
                         " ".join(w[2] for w in words)))
        rows_words.extend((seg_id, k, *w) for k, w in enumerate(words))
        t = words[-1][1] + rng.randint(200, 1500)
    with transaction(db):
        db.conn.executemany("INSERT INTO segments (id, session_id, start_ms, end_ms, speaker_id, text) "
                            "VALUES (?, ?, ?, ?, ?, ?)", rows_seg)
        db.conn.executemany("INSERT INTO words (segment_id, idx, start_ms, end_ms, text, probability) "
                            "VALUES (?, ?, ?, ?, ?, ?)", rows_words)
    all_codes = codes.list_codes(db)
    for _k in range(40):
        start = rng.randrange(0, t)
        annotations.add_marker(db, Marker(session_id=session_id, ms=start, tag="quote"))
        if all_codes:
            annotations.add_coding(db, Coding(session_id=session_id, code_id=rng.choice(all_codes).id,
                                              start_ms=start, end_ms=start + rng.randint(2000, 30000)))


def _study(root: Path):
    from focusdesk.core.model import Session, Study
    from focusdesk.core.outline import load_frame_file
    from focusdesk.store import codes, open_workspace, sessions, study

    ws = open_workspace(root)
    study.save_study(ws.db, Study(title="Bench study"))
    frame = Path(__file__).resolve().parents[1] / "resources/templates/coding-frame.yaml"
    codes.import_frame(ws.db, load_frame_file(frame))
    big = sessions.add_session(ws.db, Session("Focus group 1"))
    generate(ws.db, big.id)
    for n in (2, 3):
        s = sessions.add_session(ws.db, Session(f"Focus group {n}"))
        generate(ws.db, s.id, n_segments=900, n_words=10_000, seed=n)
    return ws, big.id


def bench_open(app, ws, session_id: int, repeat: int) -> tuple[list[float], list[float]]:
    from focusdesk.store import transcripts
    from focusdesk.ui.transcript.editor import TranscriptEditor

    base, opened = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        transcripts.list_segments(ws.db, session_id)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        editor = TranscriptEditor(ws, session_id, load_audio=False)
        editor.resize(1200, 800)
        editor.show()
        app.processEvents()
        editor.view.viewport().repaint()
        opened.append(time.perf_counter() - t0)
        editor.shutdown()
        editor.close()
        editor.deleteLater()
        app.processEvents()
    return base, opened


def bench_search(ws, queries: list[str], repeat: int) -> tuple[list[float], dict[str, list[float]]]:
    from focusdesk.store import search

    base = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ws.db.execute("SELECT COUNT(*) FROM segments_fts WHERE segments_fts MATCH 'engaged'").fetchone()
        base.append(time.perf_counter() - t0)
    out: dict[str, list[float]] = {}
    for q in queries:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            hits = search.search(ws.db, q)
            times.append(time.perf_counter() - t0)
        out[f"{q!r} ({len(hits)} hits)"] = times
    return base, out


def _cpu_over(app, seconds: float, tick=None, interval_ms: int = 50) -> float:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    loop = QEventLoop()
    timer = None
    if tick is not None:
        timer = QTimer()
        timer.setInterval(interval_ms)
        timer.timeout.connect(tick)
        timer.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    clock = QElapsedTimer()
    clock.start()
    c0 = time.process_time()
    loop.exec()
    cpu = time.process_time() - c0
    wall = clock.elapsed() / 1000
    if timer is not None:
        timer.stop()
    return cpu / wall


def bench_follow(app, ws, session_id: int, seconds: float) -> tuple[float, float, int]:
    from focusdesk.ui.transcript.editor import TranscriptEditor
    from focusdesk.ui.transcript.player import NOTIFY_MS

    editor = TranscriptEditor(ws, session_id, load_audio=False)
    editor.resize(1200, 800)
    editor.show()
    app.processEvents()
    idle = _cpu_over(app, seconds)
    start = editor.model.segments[300].start_ms
    state = {"ms": start, "ticks": 0}

    def tick() -> None:  # what the player does every notify interval while playing at 1x
        state["ms"] += NOTIFY_MS
        state["ticks"] += 1
        editor._on_position(state["ms"])

    busy = _cpu_over(app, seconds, tick, NOTIFY_MS)
    editor.shutdown()
    editor.close()
    return idle, busy, state["ticks"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="follow-mode measurement length")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ws, sid = _study(Path(tmp) / "study")
        n_seg = ws.db.execute("SELECT COUNT(*) FROM segments WHERE session_id = ?", [sid]).fetchone()[0]
        n_words = ws.db.execute("SELECT COUNT(*) FROM words w JOIN segments s ON s.id = w.segment_id "
                                "WHERE s.session_id = ?", [sid]).fetchone()[0]
        total = ws.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
        print(f"generated: session of {n_seg} turns / {n_words} words / 8 speakers "
              f"(study: {total} turns in 3 sessions) in {time.perf_counter() - t0:.1f} s")
        base, opened = bench_open(app, ws, sid, args.repeat)
        print(f"open editor: median {statistics.median(opened) * 1000:.0f} ms, max {max(opened) * 1000:.0f} ms "
              f"(baseline: reading the transcript from SQLite {statistics.median(base) * 1000:.0f} ms; target < 1000 ms)")
        base, results = bench_search(ws, ["engaged", "time consuming", "therap", '"between sessions"',
                                          "overwhelming notification"], args.repeat)
        print(f"study search (baseline raw FTS5 count {statistics.median(base) * 1000:.2f} ms; target < 100 ms):")
        for label, times in results.items():
            print(f"  {label}: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
        idle, busy, ticks = bench_follow(app, ws, sid, args.seconds)
        print(f"follow mode: {ticks} position updates in {args.seconds:g} s; CPU {busy * 100:.1f}% of a core "
              f"vs idle {idle * 100:.1f}% -> cost {max(0.0, busy - idle) * 100:.1f}% (target < 5%)")
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
