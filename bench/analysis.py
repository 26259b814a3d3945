"""Benchmark: coding and analysis on a study of 4 sessions × 2 hours with 1,200 codings.

Targets (issue 7): the code matrix and the framework matrix compute in < 200 ms; applying a code
in the editor (write the coding and re-read the session's codings to redraw) takes < 50 ms.
The baseline, measured in the same run, is reading every coding and every turn with plain SQL.

    .venv/bin/python bench/analysis.py [--codings 1200] [--hours 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from focusdesk.core.model import Word
from focusdesk.store import open_workspace
from focusdesk.store.tx import transaction

PHRASES = [
    "It took a lot of time to set up every week.", "Clients were more engaged than before.",
    "The notifications were overwhelming for some of them.", "Therapy carried on at home.",
    "It kept them going between sessions.", "Sometimes it interrupted the session.",
    "I had to do the administration in the evening.", "They practised more often.",
    "It was hard to keep up with all the messages.", "Parents could see what we did.",
    "Honestly it was a bit disruptive at first.", "Over time it became part of the routine.",
]


def build_study(root: Path, n_codings: int = 1200, hours: float = 2.0, seed: int = 7) -> dict:
    """A demo study (2 sites, 11 participants, 4 sessions) with synthetic transcripts and codings."""
    from focusdesk.store.demo import create_demo_study

    rnd = random.Random(seed)
    ws = open_workspace(root)
    create_demo_study(ws)
    db = ws.db
    sessions = db.execute("SELECT id FROM sessions ORDER BY date").fetchall()
    fac = db.execute("SELECT id FROM facilitators").fetchone()[0]
    theme_ids = [r[0] for r in db.execute("SELECT id FROM codes WHERE parent_id IS NOT NULL")]
    end_ms = int(hours * 3_600_000)
    turns: dict[int, list[tuple[int, int, int, int]]] = {}
    n_words = 0
    with transaction(db):
        for (sid,) in sessions:
            members = [r[0] for r in db.execute(
                "SELECT participant_id FROM session_participants WHERE session_id = ?", [sid])]
            spk = [db["speakers"].insert({"session_id": sid, "label": "S0", "facilitator_id": fac}).last_pk]
            for n, pid in enumerate(members, 1):
                spk.append(db["speakers"].insert({"session_id": sid, "label": f"S{n}",
                                                  "participant_id": pid}).last_pk)
            t, seg_rows = 0, []
            while t < end_ms:
                dur = rnd.randint(4_000, 20_000)
                speaker = spk[0] if rnd.random() < 0.2 else rnd.choice(spk[1:])
                text = " ".join(rnd.choice(PHRASES) for _ in range(max(1, dur // 2_500)))  # ~170 words a minute
                tokens = text.split()
                step = dur // len(tokens)
                words = [Word(t + i * step, t + (i + 1) * step, " " + w) for i, w in enumerate(tokens)]
                seg_id = db["segments"].insert({"session_id": sid, "start_ms": t, "end_ms": t + dur,
                                                "speaker_id": speaker, "text": text}).last_pk
                db.conn.executemany("INSERT INTO words (segment_id, idx, start_ms, end_ms, text) "
                                    "VALUES (?, ?, ?, ?, ?)",
                                    [(seg_id, i, w.start_ms, w.end_ms, w.text) for i, w in enumerate(words)])
                n_words += len(words)
                seg_rows.append((seg_id, t, t + dur, speaker))
                t += dur + rnd.randint(0, 1_500)
            turns[sid] = seg_rows
            db.execute("INSERT INTO recordings (session_id, path, duration_ms, sample_rate, channels, "
                       "created_at) VALUES (?, 'audio.wav', ?, 16000, 1, '')", [sid, end_ms])
            for k, key in enumerate(("intro", "experience.q1", "experience.q2", "value-burden.q1",
                                     "value-burden.q2", "closing")):
                db.execute("INSERT INTO markers (session_id, ms, guide_item_key, created_at) VALUES "
                           "(?, ?, ?, '')", [sid, k * end_ms // 6, key])
        for _ in range(n_codings):
            sid = rnd.choice(sessions)[0]
            i = rnd.randrange(len(turns[sid]))
            seg_id, start, end, speaker = turns[sid][i]
            if rnd.random() < 0.5:  # part of one speaker's turn
                s = rnd.randint(start, (start + end) // 2)
                row = (sid, rnd.choice(theme_ids), s, rnd.randint(s + 1_000, end), speaker)
            else:  # a stretch of the conversation, several turns, no speaker
                last = turns[sid][min(len(turns[sid]) - 1, i + rnd.randint(0, 2))]
                row = (sid, rnd.choice(theme_ids), start, last[2], None)
            db.execute("INSERT INTO codings (session_id, code_id, start_ms, end_ms, speaker_id, created_at) "
                       "VALUES (?, ?, ?, ?, ?, '')", list(row))
    n_turns = sum(len(v) for v in turns.values())
    return {"ws": ws, "turns": turns, "n_turns": n_turns, "n_words": n_words, "themes": theme_ids}


def timed(fn, repeat: int = 7) -> tuple[float, float]:
    """Median and worst wall time in ms."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def ui_figures(built: dict, theme: int) -> list:
    """Applying a code through the coding panel on the real transcript editor (offscreen Qt):
    store the coding, let the editor re-read and redraw its codings, update the panel."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtWidgets import QApplication

        from focusdesk.ui.coding.panel import CodingPanel
        from focusdesk.ui.transcript.editor import TranscriptEditor
    except ImportError as exc:  # the editor is another area's module
        print(f"  (no transcript editor to time: {exc})")
        return []
    from focusdesk.store.coding_ops import remove_coding

    app = QApplication.instance() or QApplication([])
    ws = built["ws"]
    sid = next(iter(built["turns"]))
    t0 = time.perf_counter()
    editor = TranscriptEditor(ws, sid, load_audio=False)
    editor.resize(1000, 700)
    editor.show()
    app.processEvents()
    opened = (time.perf_counter() - t0) * 1000
    panel = CodingPanel(lambda: ws.db)
    panel.attach(editor)
    seg_id, start, end, speaker = built["turns"][sid][5]

    def apply_cycle():
        editor.selection_range = lambda: (start + 200, end - 200, speaker)
        made = panel.apply_codes([theme])
        editor.view.viewport().repaint()
        remove_coding(ws.db, made[0].id)

    result = [(f"apply a code in the editor (panel + redraw; editor opened in {opened:.0f} ms)",
               timed(apply_cycle, repeat=21))]
    editor.shutdown()
    editor.close()
    panel.deleteLater()
    editor.deleteLater()
    app.processEvents()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codings", type=int, default=1200)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--keep", type=Path, help="build the study in this (empty) folder and keep it")
    args = ap.parse_args()

    from focusdesk.analysis.data import StudyData
    from focusdesk.analysis.framework import framework_matrix
    from focusdesk.analysis.matrices import code_matrix, talk_time
    from focusdesk.analysis.retrieval import passages
    from focusdesk.store.coding_ops import apply_code, remove_coding, session_codings

    tmp = None
    if args.keep:
        root = args.keep
    else:
        tmp = tempfile.TemporaryDirectory()
        root = Path(tmp.name) / "bench-study"
    t0 = time.perf_counter()
    built = build_study(root, args.codings, args.hours)
    db = built["ws"].db
    print(f"study: 4 sessions × {args.hours:g} h, {built['n_turns']} turns, {built['n_words']} words, "
          f"{db.execute('SELECT COUNT(*) FROM codings').fetchone()[0]} codings "
          f"(built in {time.perf_counter() - t0:.1f} s)")

    def baseline():
        db.execute("SELECT * FROM codings").fetchall()
        db.execute("SELECT id, session_id, start_ms, end_ms, speaker_id FROM segments").fetchall()

    sid = next(iter(built["turns"]))
    seg_id, start, end, speaker = built["turns"][sid][10]
    theme = built["themes"][0]

    def apply_and_redraw():
        c = apply_code(db, sid, theme, start + 100, end - 100, speaker)
        session_codings(db, sid)
        return c

    def apply_cycle():
        c = apply_and_redraw()
        remove_coding(db, c.id)

    figures = [
        ("baseline: read all codings + turns (SQL)", timed(baseline)),
        ("load study data (turns, speakers, cases)", timed(lambda: StudyData(db))),
        ("code matrix, rows = participant", timed(lambda: code_matrix(db, rows="participant"))),
        ("code matrix, rows = site", timed(lambda: code_matrix(db, rows="site"))),
        ("code matrix, rows = session + topic sections",
         timed(lambda: code_matrix(db, rows="session", include_sections=True))),
        ("framework matrix (11 × 6, quotes with text)", timed(lambda: framework_matrix(db))),
        ("retrieval: passages of one code with text", timed(lambda: passages(db, theme))),
        ("talk time per speaker", timed(lambda: talk_time(db))),
        ("apply a code + re-read session codings", timed(apply_cycle, repeat=21)),
    ]
    figures += ui_figures(built, theme)
    width = max(len(n) for n, _ in figures)
    for name, (median, worst) in figures:
        print(f"  {name:<{width}}  median {median:7.1f} ms   worst {worst:7.1f} ms")
    targets = {"code matrix, rows = participant": 200, "framework matrix (11 × 6, quotes with text)": 200,
               "apply a code + re-read session codings": 50}
    targets.update({name: 50 for name, _ in figures if name.startswith("apply a code in the editor")})
    ok = all(dict(figures)[k][0] < v for k, v in targets.items())
    print("targets (matrix, framework < 200 ms; apply < 50 ms):", "met" if ok else "NOT met")
    built["ws"].close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
