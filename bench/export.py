"""Benchmark: exports of long, heavily coded sessions.

Targets (issue 8): a 2-hour session with 300 codings exports to DOCX in < 3 s; a REFI-QDA
project (.qdpx) of a 4-session study in < 5 s. The baseline, measured in the same run, is
reading the session from the store (segments with words, codings) and writing plain text.

    .venv/bin/python bench/export.py [--hours 2] [--codings 300] [--sessions 4] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from focusdesk.core.model import Coding, Marker, Participant, Segment, Session, SessionKind, Site, Study, Word
from focusdesk.core.outline import load_frame_file, load_guide_file
from focusdesk.exchange import exports
from focusdesk.exchange.redact import set_redaction_list
from focusdesk.exchange.session_data import ExportOptions
from focusdesk.store import annotations, codes, guide, open_workspace, sessions, study, transcripts
from focusdesk.store.tx import transaction

ROOT = Path(__file__).resolve().parents[1]
PHRASES = [
    "It took a lot of time to set up every week.", "Clients were more engaged than before.",
    "The notifications were overwhelming for some of them.", "Therapy carried on at home.",
    "It kept them going between sessions.", "Sometimes it interrupted the session in Springfield.",
    "I had to do the administration in the evening.", "They practised more often.",
]


def build(root: Path, n_sessions: int, hours: float, n_codings: int, seed: int = 8):
    rnd = random.Random(seed)
    ws = open_workspace(root)
    db = ws.db
    study.save_study(db, Study(title="Export benchmark"))
    sites = [study.add_site(db, Site(f"Site {c}")) for c in "AB"]
    people = [study.add_participant(db, Participant(code=f"P{i:02d}", site_id=sites[i % 2].id,
                                                    real_name=f"Person {i}")) for i in range(1, 12)]
    guide.save_guide(db, load_guide_file(ROOT / "resources/templates/topic-guide.md"))
    codes.import_frame(db, load_frame_file(ROOT / "resources/templates/coding-frame.yaml"))
    set_redaction_list(db, ["Springfield => [PLACE]"])
    leaves = [c.id for c in codes.list_codes(db) if c.parent_id is not None]
    keys = [item.key for item in guide.load_guide(db).walk()]
    ids = []
    end_ms = int(hours * 3_600_000)
    for n in range(n_sessions):
        members = people[n * 3:n * 3 + 3] or people[:3]
        s = sessions.add_session(db, Session(f"Focus group {n + 1}", SessionKind.FOCUS_GROUP,
                                             sites[n % 2].id, f"2024-03-0{n + 1}",
                                             participant_ids=[p.id for p in members]))
        ids.append(s.id)
        spk = []
        for k, p in enumerate(members):
            sp = transcripts.ensure_speaker(db, s.id, f"S{k + 1}")
            sp.participant_id = p.id
            transcripts.update_speaker(db, sp)
            spk.append(sp.id)
        segs, t = [], 0
        while t < end_ms:
            dur = rnd.randint(2_000, 10_000)  # Whisper-sized segments
            text = " ".join(rnd.choice(PHRASES) for _ in range(max(1, dur // 2_000)))
            tokens = text.split()
            step = dur // len(tokens)
            words = [Word(t + i * step, t + (i + 1) * step, (" " if i else "") + tok)
                     for i, tok in enumerate(tokens)]
            segs.append(Segment(session_id=s.id, start_ms=t, end_ms=t + dur, text=text,
                                speaker_id=rnd.choice(spk), words=words))
            t += dur + rnd.randint(200, 1500)
        transcripts.add_segments(db, segs)
        with transaction(db):
            for i in range(n_codings):
                seg = rnd.choice(segs)
                a = rnd.randint(seg.start_ms, seg.end_ms - 1000)
                b = a + rnd.randint(1000, 60_000)
                annotations.add_coding(db, Coding(session_id=s.id, code_id=rnd.choice(leaves),
                                                  start_ms=a, end_ms=b, speaker_id=seg.speaker_id,
                                                  memo="memo" if i % 5 == 0 else ""))
            for i, key in enumerate(keys):
                annotations.add_marker(db, Marker(session_id=s.id, ms=i * end_ms // len(keys),
                                                  guide_item_key=key))
            for _ in range(20):
                annotations.add_marker(db, Marker(session_id=s.id, ms=rnd.randint(0, end_ms), note="note"))
    return ws, ids


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--codings", type=int, default=300)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="focusdesk-bench-export-"))
    t0 = time.perf_counter()
    ws, ids = build(base / "study", args.sessions, args.hours, args.codings)
    n_segs = ws.db.execute("SELECT COUNT(*) FROM segments WHERE session_id = ?", [ids[0]]).fetchone()[0]
    n_words = ws.db.execute("SELECT COUNT(*) FROM words w JOIN segments s ON s.id = w.segment_id "
                            "WHERE s.session_id = ?", [ids[0]]).fetchone()[0]
    print(f"study built in {time.perf_counter() - t0:.1f} s: {args.sessions} sessions x {args.hours:g} h, "
          f"{n_segs} segments / {n_words} words / {args.codings} codings per session")
    out = base / "out"
    out.mkdir(exist_ok=True)

    def baseline() -> None:
        segs = transcripts.list_segments(ws.db, ids[0])
        annotations.list_codings(ws.db, ids[0])
        (out / "baseline.txt").write_text("\n".join(s.text for s in segs))

    rows = [("baseline: read session + write text", timed(baseline), None)]
    opts = ExportOptions(highlight=True, line_numbers=True)
    rows.append(("DOCX, 1 session (comments, shading)",
                 timed(lambda: exports.export_session(ws, ids[0], "docx", out / "s.docx", opts)), 3.0))
    rows.append((f"QDPX, {args.sessions}-session study",
                 timed(lambda: exports.export_study(ws, "qdpx", out / "study.qdpx")), 5.0))
    for fmt in ("vtt", "maxqda", "txt"):
        rows.append((f"{fmt}, 1 session", timed(lambda f=fmt: exports.export_session(
            ws, ids[0], f, out / f"s.{f}")), None))
    rows.append(("XLSX, study (codings + framework)",
                 timed(lambda: exports.export_study(ws, "xlsx", out / "study.xlsx")), None))
    from focusdesk.exchange.refi_import import import_qdpx

    target = open_workspace(base / "reimport")
    rows.append(("QDPX re-import (whole study)", timed(lambda: import_qdpx(target, out / "study.qdpx")), None))
    target.close()
    for name, secs, limit in rows:
        verdict = "" if limit is None else (f"  (target < {limit:g} s: {'OK' if secs < limit else 'MISSED'})")
        print(f"{name:42} {secs:7.3f} s{verdict}")
    print(f"files in {out}")
    ws.close()


if __name__ == "__main__":
    main()
