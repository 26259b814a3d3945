"""Benchmark: intercoder agreement for 2 coders × 4 sessions × 1,200 codings each (target < 1 s).

A study of 4 two-hour sessions (turns of 30 s, 20 codes); coder B's codings are coder A's moved
by a few seconds, a quarter of them dropped or replaced. Timed: the whole ``agreement`` of the
study (read codings and units from SQLite, compute every figure) by seconds and by segments, and
the computation alone. Baseline, measured in the same run: reading every coding with plain SQL.

    .venv/bin/python bench/agreement.py [--codings 1200] [--hours 2]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from focusdesk.analysis.agreement import Span, study_agreement
from focusdesk.analysis.agreement_study import agreement_table, units_of
from focusdesk.core.model import Code, Segment, Session
from focusdesk.store import coders as coder_store
from focusdesk.store import codes, open_workspace, sessions, transcripts
from focusdesk.store.tx import transaction


def build(root: Path, n_codings: int, hours: float, seed: int = 11) -> None:
    rnd = random.Random(seed)
    ws = open_workspace(root)
    db = ws.db
    length = int(hours * 3_600_000)
    with transaction(db):
        code_ids = [codes.add_code(db, Code(name=f"Code {i}")).id for i in range(20)]
        a, b = coder_store.add_coder(db, "A").id, coder_store.add_coder(db, "B").id
        rows = []
        for n in range(4):
            sid = sessions.add_session(db, Session(f"Session {n + 1}")).id
            transcripts.add_segments(db, [Segment(session_id=sid, start_ms=t, end_ms=t + 30_000, text="…")
                                          for t in range(0, length, 30_000)])
            for _ in range(n_codings):
                code = rnd.choice(code_ids)
                start = rnd.randrange(0, length - 60_000)
                end = start + rnd.randrange(3_000, 60_000)
                rows.append((sid, code, start, end, a))
                if rnd.random() < 0.25:
                    code, start = rnd.choice(code_ids), rnd.randrange(0, length - 60_000)
                    end = start + rnd.randrange(3_000, 60_000)
                else:
                    start, end = max(0, start + rnd.randrange(-4_000, 4_000)), end + rnd.randrange(-4_000, 4_000)
                rows.append((sid, code, start, max(end, start + 1_000), b))
        db.conn.executemany("INSERT INTO codings (session_id, code_id, start_ms, end_ms, coder_id, created_at) "
                       "VALUES (?, ?, ?, ?, ?, '')", rows)
    ws.close()


def best_of(fn, runs: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--codings", type=int, default=1200)
    ap.add_argument("--hours", type=float, default=2.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        build(root, args.codings, args.hours)
        ws = open_workspace(root)
        db = ws.db
        base, n = best_of(lambda: len(db.execute(
            "SELECT session_id, code_id, coder_id, start_ms, end_ms FROM codings").fetchall()))
        t_sec, table = best_of(lambda: agreement_table(db, ["A", "B"], "second", 0.9))
        t_seg, _ = best_of(lambda: agreement_table(db, ["A", "B"], "segment", 0.9))
        spans = [Span(c.session_id, c.code_id, c.coder_id, c.start_ms, c.end_ms)
                 for c in coder_store.codings_of(db)]
        units = {s.id: units_of(db, s.id, "second") for s in sessions.list_sessions(db)}
        ids = [coder_store.coder_by_name(db, n).id for n in ("A", "B")]
        t_pure, _ = best_of(lambda: study_agreement(units, spans, ids))
        overall = table.result.overall
        ws.close()
    print(f"{n} codings (2 coders × 4 sessions × {args.codings}), 4 × {args.hours:g} h, 20 codes")
    print(f"baseline: read every coding (plain SQL)          {base * 1000:8.1f} ms")
    print(f"agreement by second  (read + compute, CLI path)  {t_sec * 1000:8.1f} ms  target < 1000 ms")
    print(f"agreement by segment (read + compute)            {t_seg * 1000:8.1f} ms")
    print(f"computation alone, by second                     {t_pure * 1000:8.1f} ms")
    print(f"overall: {overall.percent:.1f} % agreement, kappa {overall.kappa:.3f}, "
          f"alpha {overall.alpha:.3f}, overlap>=0.9 {overall.overlap_percent:.1f} %")


if __name__ == "__main__":
    main()
