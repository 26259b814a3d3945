"""Benchmark: words at window seams — do words cross a pause into the speech after it?

The issue (14, item 1): on one machine the second JFK copy of the seam test came out as "ask not
to be a yankee what your country…" ("Yankee" is said in the call just before). Cause: the VAD
joins a window's speech end to end, and when that is longer than Whisper's 30-s input the engine
seeks inside it, so text from before a pause is decoded again after it. The pipeline now hands the
engine groups of at most ``GROUP_MAX_S`` of speech cut between VAD regions.

Baseline, in the same run on the same audio: the old behaviour (one engine call per window,
``GROUP_MAX_S`` and the VAD's longest region unbounded). Both are run with int8 and float32 and
one and two threads, because decoding at a seam differed by CPU and compute type.

Audio: the reference clips (jfk, LibriSpeech, the telephone call) concatenated in four orders with
gaps of 0.3-2 s. Each part's words (by time) are scored against that part's own reference, so a
word that crossed into another part counts as an error there. Prints per-variant WER over all
parts, the worst read-speech part (any error there is a seam error), and the time ratio
grouped/baseline (noisy on a shared machine).

    flock /tmp/focusdesk-bench.lock .venv/bin/python bench/seams.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import jiwer
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "data" / "audio"
sys.path.insert(0, str(ROOT))

from focusdesk.audio.decode import SAMPLE_RATE, decode_audio  # noqa: E402
from focusdesk.transcribe import pipeline  # noqa: E402
from focusdesk.transcribe.engines import load_engine  # noqa: E402
from focusdesk.transcribe.guards import norm  # noqa: E402
from focusdesk.transcribe.types import Settings  # noqa: E402

JFK = ("And so my fellow Americans, ask not what your country can do for you, ask what you can do "
       "for your country.")
LIBRI = ("IF THE READER WILL EXCUSE ME I WILL SAY NOTHING OF MY ANTECEDENTS NOR OF THE CIRCUMSTANCES "
         "WHICH LED ME TO LEAVE MY NATIVE COUNTRY THE NARRATIVE WOULD BE TEDIOUS TO HIM AND PAINFUL "
         "TO MYSELF")
ORDERS = [("jfk", "libri", "tel", "jfk"), ("tel", "jfk", "tel", "libri"),
          ("libri", "tel", "jfk", "libri", "tel"), ("jfk", "tel", "libri", "jfk", "tel", "jfk")]
GAPS_S = (1.0, 0.3, 2.0, 0.6)
TELEPHONE = ""
STEREO_LEFT = ("He began a confused complaint against the wizard, who had vanished behind the "
               "curtain on the left.")


def telephone_reference() -> str:
    lines = (AUDIO / "telephone-2spk.stm").read_text(encoding="utf-8").splitlines()
    return " ".join(line.split(maxsplit=5)[5] for line in lines if line.strip())


def build(order: tuple[str, ...], gap_s: float, clips: dict) -> tuple[np.ndarray, list]:
    parts, spans, t = [], [], 0.0
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)
    for i, name in enumerate(order):
        audio, ref = clips[name]
        if i:
            parts.append(gap)
            t += gap_s
        parts.append(audio)
        spans.append((t, t + len(audio) / SAMPLE_RATE, ref))
        t += len(audio) / SAMPLE_RATE
    return np.concatenate(parts).astype(np.float32), spans


def score(words, spans) -> tuple[int, int, float]:
    """Errors and reference words over all parts, and the worst WER of a read-speech part.

    The read clips (JFK, LibriSpeech) come out word-perfect on their own, so any error in one of
    them is a word that crossed a seam or was lost at one; the telephone call's own errors
    (tiny.en on narrow-band speech, 14-22 %) vary with where the cuts fall and hide that.
    """
    errors = total = 0
    worst = 0.0
    for start, end, ref in spans:
        hyp = " ".join(w.text for w in words if start - 0.3 <= (w.start + w.end) / 2 < end + 0.3)
        out = jiwer.process_words(norm(ref), norm(hyp) or "<empty>")
        n = len(norm(ref).split())
        e = out.substitutions + out.deletions + out.insertions
        errors, total = errors + e, total + n
        if ref != TELEPHONE:
            worst = max(worst, e / n)
    return errors, total, worst


def run_variant(engine, files, grouped: bool) -> tuple[float, float, float]:
    saved = pipeline.GROUP_MAX_S
    if not grouped:
        pipeline.GROUP_MAX_S = 1e6  # the old behaviour: the whole window at once
    try:
        errors = total = 0
        worst = 0.0
        t0 = time.perf_counter()
        for path, spans in files:
            segments = []
            pipeline.transcribe_stream(engine, path, on_segment=segments.append, window_s=30)
            e, n, w = score([w for s in segments for w in s.words], spans)
            errors, total, worst = errors + e, total + n, max(worst, w)
        return errors / total, worst, time.perf_counter() - t0
    finally:
        pipeline.GROUP_MAX_S = saved


def looped(engine, minutes: float, tmp: str) -> None:
    """The default window (300 s) on the clips looped to ``minutes``: whole-text WER and time."""
    from bench.transcribe import long_file

    path = Path(tmp) / f"loop{minutes:g}.wav"
    _, loops = long_file(path, minutes)
    ref = " ".join([JFK, LIBRI, TELEPHONE, STEREO_LEFT] * loops)
    row = []
    for grouped in (False, True):
        saved = pipeline.GROUP_MAX_S
        pipeline.GROUP_MAX_S = saved if grouped else 1e6
        try:
            segments = []
            t0 = time.perf_counter()
            pipeline.transcribe_stream(engine, path, on_segment=segments.append)
            row += [jiwer.wer(norm(ref), norm(" ".join(s.text for s in segments))),
                    time.perf_counter() - t0]
        finally:
            pipeline.GROUP_MAX_S = saved
    print(f"{f'{minutes:g} min looped':<16}{row[0]:>14.1%}{'':>12}{row[2]:>13.1%}{'':>12}"
          f"{row[3] / row[1]:>12.2f}")


def main() -> None:
    global TELEPHONE
    TELEPHONE = telephone_reference()
    clips = {"jfk": (decode_audio(AUDIO / "jfk.flac"), JFK),
             "libri": (decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"), LIBRI),
             "tel": (decode_audio(AUDIO / "telephone-2spk.wav"), TELEPHONE)}
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, (order, gap) in enumerate(zip(ORDERS, GAPS_S)):
            audio, spans = build(order, gap, clips)
            path = Path(tmp) / f"seams{i}.wav"
            sf.write(path, audio, SAMPLE_RATE, subtype="FLOAT")
            files.append((path, spans))
        seconds = sum(s[-1][1] for _, s in files)
        print(f"{len(files)} files, {seconds:.0f} s of audio, 30-s windows")
        print(f"{'variant':<16}{'baseline WER':>14}{'worst read':>12}{'grouped WER':>13}"
              f"{'worst read':>12}{'time ratio':>12}")
        for compute_type, threads in (("int8", 1), ("int8", 2), ("float32", 1), ("float32", 2)):
            engine = load_engine(Settings(engine="faster", compute_type=compute_type,
                                          threads=threads))
            base = run_variant(engine, files, grouped=False)
            new = run_variant(engine, files, grouped=True)
            print(f"{compute_type + ' x' + str(threads):<16}{base[0]:>14.1%}{base[1]:>12.1%}"
                  f"{new[0]:>13.1%}{new[1]:>12.1%}{new[2] / base[2]:>12.2f}")
        print("Default settings (int8, 300-s windows), the clips looped as in bench/transcribe.py:")
        engine = load_engine(Settings())
        for minutes in (3, 10):
            looped(engine, minutes, tmp)


if __name__ == "__main__":
    main()
