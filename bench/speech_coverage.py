"""Benchmark: speech lost without a trace — the VAD threshold sweep and the fill pass (issue 12).

For each silero threshold, with and without the pipeline's second chance for unheard speech
(``retry_unheard``; 0.5 without it = the old setting, measured in the same run), the pipeline
(focusdesk.transcribe.pipeline.transcribe_stream, tiny.en, int8, greedy) runs on:

* the ten AMI clips (../shared/data/audio/ami, RTTM reference): the share of *single-speaker*
  reference speech (exactly one RTTM turn active) with no transcript word, where a word covers
  [start - 0.2 s, end + 0.2 s]; per clip; trn07's quiet speaker FEE087; false words (a word whose
  covered span touches no reference speech: an upper bound on invented text, since AMI's
  words-only turns leave out some real speech); the product's own coverage figure;
* the reference clips (jfk, LibriSpeech, telephone-2spk with its .stm): WER;
* the seam files of bench/seams.py (grouped, int8): whole WER and the worst read-speech part;
* 30 s of digital silence and of white noise at -60 dBFS: words written over them.

Then the fill pass (focusdesk.transcribe.fill: levelled stretch, no VAD, beam 5, no-speech 0.8)
on the untranscribed stretches of the old and the chosen threshold: uncovered speech and false
words after it. Whisper's temperature fallback samples: ctranslate2's seed is fixed before each
file (``--seeds`` averages the AMI figure over several).

    flock /tmp/focusdesk-bench.lock .venv/bin/python bench/speech_coverage.py [--thresholds 0.2 0.5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import jiwer
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "data" / "audio"
AMI = AUDIO / "ami"
sys.path.insert(0, str(ROOT))

from bench import seams  # noqa: E402
from focusdesk.audio.decode import SAMPLE_RATE, decode_audio  # noqa: E402
from focusdesk.core.speech_cover import length, speech_coverage, subtract, union  # noqa: E402
from focusdesk.transcribe import pipeline  # noqa: E402
from focusdesk.transcribe.engines import load_engine  # noqa: E402
from focusdesk.transcribe.fill import fill_settings, fill_words  # noqa: E402
from focusdesk.transcribe.guards import norm  # noqa: E402
from focusdesk.transcribe.types import VAD_THRESHOLD, Settings  # noqa: E402

TOL = 200  # ms
CLIPS = [f"trn0{i}" for i in range(10)]
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.5)
OLD = 0.5


def rttm() -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list] = {}
    for line in (AMI / "ami-train-excerpts.rttm").read_text().splitlines():
        p = line.split()
        s = round(float(p[3]) * 1000)
        out.setdefault(p[1], []).append((s, s + round(float(p[4]) * 1000), p[7]))
    return out


def single_speaker(turns: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans where exactly one reference turn is active, with its speaker."""
    edges = sorted({t for s, e, _ in turns for t in (s, e)})
    out = []
    for a, b in zip(edges, edges[1:]):
        active = [spk for s, e, spk in turns if s <= a and e >= b]
        if len(active) == 1:
            if out and out[-1][1] == a and out[-1][2] == active[0]:
                out[-1] = (out[-1][0], b, active[0])
            else:
                out.append((a, b, active[0]))
    return out


def seed(n: int) -> None:
    import ctranslate2

    ctranslate2.set_random_seed(n)


def run_file(engine, path, n_seed: int = 0):
    """Words [(start_ms, end_ms, text)] and detected speech [(start_ms, end_ms)] of one file."""
    seed(n_seed)
    segments, regions = [], []
    pipeline.transcribe_stream(engine, path, on_segment=segments.append,
                               on_speech=lambda r: regions.extend(r))
    words = [(round(w.start * 1000), round(w.end * 1000), w.text) for s in segments for w in s.words]
    return words, [(round(a * 1000), round(b * 1000)) for a, b in regions]


def ami_figures(words_by_clip: dict, ref: dict) -> dict:
    single_total = uncovered_total = 0
    per_clip, false = {}, []
    quiet = (0, 0)
    for clip in CLIPS:
        words = words_by_clip[clip]
        covered = union((s - TOL, e + TOL) for s, e, _ in words)
        single = single_speaker(ref[clip])
        sp = union((s, e) for s, e, _ in single)
        lost = length(subtract(sp, covered))
        per_clip[clip] = lost / max(1, length(sp))
        single_total += length(sp)
        uncovered_total += lost
        anyref = union((s, e) for s, e, _ in ref[clip])
        false += [f"{clip}:{s / 1000:.1f}:{t.strip()}" for s, e, t in words
                  if subtract([(s - TOL, e + TOL)], anyref) == [(s - TOL, e + TOL)]]
        if clip == "trn07":
            q = union((s, e) for s, e, spk in single if spk == "FEE087")
            quiet = (length(subtract(q, covered)), length(q))
    return {"uncovered": uncovered_total / single_total, "single_s": single_total / 1000,
            "per_clip": per_clip, "quiet": quiet[0] / max(1, quiet[1]), "false": false,
            "words": sum(len(w) for w in words_by_clip.values())}


def telephone_reference() -> str:
    rows = sorted((float(ln.split()[3]), ln.split(maxsplit=5)[5])
                  for ln in (AUDIO / "telephone-2spk.stm").read_text().splitlines() if ln.strip())
    return " ".join(t for _, t in rows)


def wer(ref: str, words) -> float:
    return jiwer.wer(norm(ref), norm(" ".join(t for _, _, t in words)) or "<empty>")


def seam_files(tmp: Path) -> list:
    seams.TELEPHONE = telephone_reference()
    clips = {"jfk": (decode_audio(AUDIO / "jfk.flac"), seams.JFK),
             "libri": (decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"), seams.LIBRI),
             "tel": (decode_audio(AUDIO / "telephone-2spk.wav"), seams.TELEPHONE)}
    files = []
    for i, (order, gap) in enumerate(zip(seams.ORDERS, seams.GAPS_S)):
        audio, spans = seams.build(order, gap, clips)
        path = tmp / f"seam{i}.wav"
        sf.write(path, audio, SAMPLE_RATE)
        files.append((path, spans))
    return files


def fill_pass(engine, clip: str, words: list, regions: list, ref: dict) -> tuple[list, int]:
    """Words after filling the clip's untranscribed stretches, and how many stretches got words."""
    audio = decode_audio(AMI / f"{clip}.wav")
    cov = speech_coverage(regions, [(s, e) for s, e, _ in words])
    out, filled = list(words), 0
    for st in cov.stretches:
        seed(0)
        got = fill_words(engine, audio, 0.0, st.start_ms / 1000, st.end_ms / 1000, "en")
        filled += bool(got)
        out += [(round(w.start * 1000), round(w.end * 1000), w.text) for w in got]
    return out, filled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    ap.add_argument("--fill", type=float, nargs="*", default=None,
                    help="thresholds to run the fill pass on (default: the old one and the lowest)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--retry", choices=["on", "off", "both"], default="both",
                    help="the pipeline's second chance for unheard speech (Settings.retry_unheard); "
                    "the old setting (0.5, no retry) is always measured")
    args = ap.parse_args(argv)
    ref = rttm()
    tel = telephone_reference()
    refs = {"jfk.flac": seams.JFK, "librispeech-2412-153948-0000.flac": seams.LIBRI,
            "telephone-2spk.wav": tel}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        seam = seam_files(tmp)
        rng = np.random.default_rng(12)
        sf.write(tmp / "silence.wav", np.zeros(30 * SAMPLE_RATE, np.float32), SAMPLE_RATE)
        sf.write(tmp / "white60.wav", (rng.standard_normal(30 * SAMPLE_RATE) * 1e-3).astype(np.float32),
                 SAMPLE_RATE)
        print(f"{'threshold':>9} {'uncov':>6} {'seeds':>14} {'quiet':>6} {'false':>7} {'cover':>6} "
              f"{'jfk':>5} {'libri':>5} {'tel':>5} {'seamWER':>7} {'seamRead':>8} {'noise':>5} {'s':>4}")
        variants = [(OLD, False)] + [(th, r) for th in args.thresholds
                                     for r in {"on": [True], "off": [False], "both": [False, True]}[args.retry]
                                     if (th, r) != (OLD, False)]
        for th, retry in variants:
            engine = load_engine(Settings(vad_threshold=th, retry_unheard=retry))
            t0 = time.perf_counter()
            by_seed = []
            for n in args.seeds:
                runs = {c: run_file(engine, AMI / f"{c}.wav", n) for c in CLIPS}
                by_seed.append((ami_figures({c: w for c, (w, _) in runs.items()}, ref), runs))
            fig, runs = by_seed[0]
            own = [speech_coverage(r, [(s, e) for s, e, _ in w]) for w, r in runs.values()]
            cover = sum(c.covered_ms for c in own) / max(1, sum(c.speech_ms for c in own))
            wers = [wer(text, run_file(engine, AUDIO / name)[0]) for name, text in refs.items()]
            errors = total = 0
            worst = 0.0
            for path, spans in seam:
                seed(0)
                segs = []
                pipeline.transcribe_stream(engine, path, on_segment=segs.append, window_s=30)
                e, n, w = seams.score([w for s in segs for w in s.words], spans)
                errors, total, worst = errors + e, total + n, max(worst, w)
            noise = sum(len(run_file(engine, tmp / f)[0]) for f in ("silence.wav", "white60.wav"))
            results[(th, retry)] = (fig, runs)
            seeds_txt = "/".join(f"{f['uncovered']:.1%}" for f, _ in by_seed)
            print(f"{th:>7.2f}{'+r' if retry else '  '} {fig['uncovered']:>6.1%} {seeds_txt:>14} {fig['quiet']:>6.0%} "
                  f"{len(fig['false']):>3}/{fig['words']:<3} {cover:>6.1%} "
                  + " ".join(f"{x:>5.1%}" for x in wers)
                  + f" {errors / total:>7.1%} {worst:>8.1%} {noise:>5} {time.perf_counter() - t0:>4.0f}")
            print("          per clip: " + " ".join(f"{c[3:]}:{v:.0%}" for c, v in fig["per_clip"].items())
                  + f" | false: {', '.join(fig['false'][:6])}")
    fill_at = ([k for k in results if k[0] in args.fill] if args.fill is not None
               else [(OLD, False), (VAD_THRESHOLD, True)])
    fill_at = [k for k in fill_at if k in results]
    if fill_at:
        engine = load_engine(fill_settings(Settings()))
        print(f"\nfill pass ({engine.model_name}, levelled, no VAD, beam 5, no-speech 0.8):")
    for th, retry in fill_at:
        fig, runs = results[(th, retry)]
        t0 = time.perf_counter()
        after, stretches, filled = {}, 0, 0
        for c, (words, regions) in runs.items():
            after[c], n = fill_pass(engine, c, words, regions, ref)
            filled += n
            stretches += len(speech_coverage(regions, [(s, e) for s, e, _ in words]).stretches)
        f2 = ami_figures(after, ref)
        print(f"  threshold {th:.2f}{' + retry' if retry else ''}: {stretches} stretch(es), {filled} filled; uncovered "
              f"{fig['uncovered']:.1%} -> {f2['uncovered']:.1%}; quiet {fig['quiet']:.0%} -> "
              f"{f2['quiet']:.0%}; false words {len(fig['false'])} -> {len(f2['false'])} "
              f"({', '.join(f2['false'][:8])}); {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
