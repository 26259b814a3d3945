"""Benchmark: voices named from seat taps without manual work (issue 12, item 4).

Target: >= 90 % of the voices the diarization finds are named after the right person when each
speaker is tapped about once every two minutes where they speak.

Audio: a conversation made of the ten AMI meeting clips (ami/trn00-09): the turns of every
speaker with at least 8 s of speech nobody else overlaps, cut out and taken in round-robin order
(speakers by their AMI ids: the same person in two meetings is one person). Taps are placed from
the reference turns: the middle of a turn of at least 0.8 s, at most one per speaker per ``--every`` seconds.
Baseline, same run and same voices: no taps (every voice left to the user).

    flock /tmp/focusdesk-bench.lock .venv/bin/python bench/seats.py [--every 120]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Participant, Session, Site, Study
from focusdesk.core.turns import Turn
from focusdesk.diarize import service
from focusdesk.diarize.taps import map_voices_from_taps
from focusdesk.store import diarization, open_workspace, seats, sessions, study, transcripts
from focusdesk.store.speaker_ops import assign_speaker

ROOT = Path(__file__).resolve().parents[1]
AMI = ROOT.parent / "shared" / "data" / "audio" / "ami"
MIN_TURN_MS = 500  # shorter clean pieces are dropped
MIN_TALK_MS = 8000  # a main speaker: at least this much clean speech in the clips
PAUSE_MS = 300


def _clean_turns(lines: list[str], uri: str) -> list[Turn]:
    """The clip's turns with every stretch another voice overlaps cut out."""
    turns = [Turn(round(float(f[3]) * 1000), round((float(f[3]) + float(f[4])) * 1000), f[7])
             for f in (line.split() for line in lines) if f[1] == uri]
    out = []
    for t in turns:
        pieces = [(t.start_ms, t.end_ms)]
        for o in turns:
            if o.speaker == t.speaker:
                continue
            pieces = [p for a, b in pieces for p in ((a, min(b, o.start_ms)), (max(a, o.end_ms), b))
                      if p[1] - p[0] > 0]
        out += [Turn(a, b, t.speaker) for a, b in pieces if b - a >= MIN_TURN_MS]
    return out


def mixture(folder: Path) -> tuple[Path, list[Turn]]:
    """A conversation of the AMI clips' main speakers (at least ``MIN_TALK_MS`` of clean speech
    each), their clean turns taken in round-robin order with short pauses between."""
    lines = (AMI / "ami-train-excerpts.rttm").read_text().splitlines()
    by_speaker: dict[str, list[np.ndarray]] = {}
    rate = 16000
    for n in range(10):
        uri = f"trn{n:02d}"
        audio, rate = sf.read(AMI / f"{uri}.wav", dtype="float32")
        for t in _clean_turns(lines, uri):
            by_speaker.setdefault(t.speaker, []).append(audio[t.start_ms * rate // 1000:t.end_ms * rate // 1000])
    main = {spk: cuts for spk, cuts in by_speaker.items()
            if sum(len(c) for c in cuts) * 1000 // rate >= MIN_TALK_MS}
    pause = np.zeros(rate * PAUSE_MS // 1000, dtype="float32")
    pieces, reference, at = [], [], 0
    while any(main.values()):
        for spk in sorted(main):
            if main[spk]:
                cut = main[spk].pop(0)
                ms = len(cut) * 1000 // rate
                reference.append(Turn(at, at + ms, spk))
                pieces += [cut, pause]
                at += ms + PAUSE_MS
    path = folder / "ami-mix.wav"
    sf.write(path, np.concatenate(pieces), rate)
    return path, reference


def tap_plan(reference: list[Turn], every_ms: int, min_turn_ms: int = 800) -> list[tuple[str, int]]:
    """(speaker, ms): the middle of a speaker's first turn of at least ``min_turn_ms``, then of
    their next such turn at least ``every_ms`` later."""
    last: dict[str, int] = {}
    out = []
    for t in reference:
        if t.duration_ms >= min_turn_ms and t.start_ms - last.get(t.speaker, -every_ms) >= every_ms:
            mid = (t.start_ms + t.end_ms) // 2
            out.append((t.speaker, mid))
            last[t.speaker] = mid
    return out


def owners(turns: list[Turn], reference: list[Turn]) -> dict[str, str]:
    out = {}
    for voice in {t.speaker for t in turns}:
        over: dict[str, int] = {}
        for t in (x for x in turns if x.speaker == voice):
            for r in reference:
                ov = min(t.end_ms, r.end_ms) - max(t.start_ms, r.start_ms)
                if ov > 0:
                    over[r.speaker] = over.get(r.speaker, 0) + ov
        out[voice] = max(over, key=over.get) if over else "?"
    return out


PLANS = ((800, "in any turn of 0.8 s or more (hurried)"),
         (2000, "in a turn of 2 s or more (someone holding the floor)"))


def score(ws, session_id: int, reference: list[Turn], code_of: dict[str, str]) -> dict:
    """Voices named right or wrong (against who mostly speaks in each), and people named."""
    turns = [t for t, _ in diarization.session_turns(ws.db, session_id)]
    owner = owners(turns, reference)
    names = transcripts.speaker_names(ws.db, session_id)
    mapped = {sp.id for sp in transcripts.list_speakers(ws.db, session_id) if sp.participant_id}
    right = [int(v) for v in owner if int(v) in mapped and names[int(v)] == code_of[owner[v]]]
    talk = diarization.talk_times(ws.db, session_id)
    total = sum(talk.get(int(v), 0) for v in owner) or 1
    return {"voices": len(owner), "right": len(right),
            "wrong": sum(1 for v in owner if int(v) in mapped and names[int(v)] != code_of[owner[v]]),
            "right_time": sum(talk.get(v, 0) for v in right) / total,
            "people": len({names[v] for v in right}), "owner": owner, "names": names, "talk": talk}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=float, default=120.0, help="seconds between one speaker's taps")
    ap.add_argument("--verbose", action="store_true", help="each voice, who it mostly is and its name")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        audio, reference = mixture(Path(tmp))
        speakers = sorted({t.speaker for t in reference})
        ws = open_workspace(Path(tmp) / "study")
        study.save_study(ws.db, Study(title="bench"))
        site = study.add_site(ws.db, Site("A"))
        people = {spk: study.add_participant(ws.db, Participant(code=f"P{i + 1:02d}", site_id=site.id))
                  for i, spk in enumerate(speakers)}
        code_of = {spk: p.code for spk, p in people.items()}
        s = sessions.add_session(ws.db, Session("mix", site_id=site.id,
                                                participant_ids=[p.id for p in people.values()]))
        import_audio_file(ws, s.id, audio)
        took = 0.0
        for n_plan, (min_turn, label) in enumerate(PLANS):
            for tap in seats.list_taps(ws.db, s.id):
                seats.delete_tap(ws.db, tap.id)
            plan = tap_plan(reference, round(args.every * 1000), min_turn)
            for spk, ms in plan:
                p = people[spk]
                seats.add_tap(ws.db, s.id, seats.Person("participant", p.id, p.code), ms, source="editor")
            if n_plan == 0:  # the product's path: taps are applied at the end of the run
                started = time.monotonic()
                service.diarize_session(ws, s.id)
                took = time.monotonic() - started
            else:  # same voices, the next plan's taps applied as `focusdesk taps apply` does
                for sp in transcripts.list_speakers(ws.db, s.id):
                    assign_speaker(ws.db, s.id, sp.id)
                map_voices_from_taps(ws.db, s.id)
            q = score(ws, s.id, reference, code_of)
            again = map_voices_from_taps(ws.db, s.id, apply=False)
            rows.append((label, len(plan), q, again))
            if args.verbose:
                print(f"taps {label}:")
                for v in sorted(q["owner"], key=int):
                    print(f"  voice {v}: talk {q['talk'].get(int(v), 0) / 1000:.0f} s, mostly "
                          f"{code_of.get(q['owner'][v], '?')}, named {q['names'][int(v)]}")
                for note in again.conflicts + again.untapped:
                    print("    confirm:", note.label, note.text)
        ws.close()
    n = rows[0][2]["voices"]
    print(f"audio: {len(reference)} reference turns, {len(speakers)} speakers, "
          f"{reference[-1].end_ms / 1000:.0f} s; one tap per speaker every ~{args.every:g} s; "
          f"diarized in {took:.0f} s; voices found: {n}")
    print("| taps | voices named right | named wrong | left to confirm | talk time named right | "
          f"people named (of {len(speakers)}) |")
    print("|---|---|---|---|---|---|")
    print(f"| none (baseline) | 0 / {n} (0 %) | 0 | {n} | 0 % | 0 |")
    for label, count, q, _again in rows:
        print(f"| {count} taps {label} | {q['right']} / {n} ({q['right'] / max(n, 1) * 100:.0f} %) | "
              f"{q['wrong']} | {n - q['right'] - q['wrong']} | {q['right_time'] * 100:.0f} % | {q['people']} |")
    for label, _count, q, again in rows:
        print(f"taps {label}: to confirm in the Speakers view: {len(again.conflicts)} conflict(s), "
              f"{len(again.untapped)} untapped; target >= 90 % of voices named right: "
              + ("MET" if q["right"] / max(n, 1) >= 0.9 else "NOT MET"))


if __name__ == "__main__":
    main()
