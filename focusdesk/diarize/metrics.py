"""Diarization error rate and word attribution, for tests and bench/diarize.py.

DER follows pyannote.metrics: (missed speech + false alarm + speaker confusion) / reference
speech, with the optimal one-to-one mapping of hypothesis to reference speakers (Hungarian), and
overlapping reference speech counted once per speaker. ``collar_s`` is the total width of the
no-score zone around every reference boundary (pyannote's convention: ``collar_s / 2`` on each
side). Evaluated on a 1 ms grid, which equals the exact segment arithmetic to within a ms per
boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from focusdesk.core.turns import Turn


@dataclass
class DERResult:
    der: float
    missed_ms: int
    false_alarm_ms: int
    confusion_ms: int
    total_ms: int
    mapping: dict[str, str]  # hypothesis speaker -> reference speaker


def read_rttm(path: Path | str) -> list[Turn]:
    out = []
    for line in Path(path).read_text().splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            start = float(f[3])
            out.append(Turn(round(start * 1000), round((start + float(f[4])) * 1000), f[7]))
    return out


@dataclass
class StmUtterance:
    speaker: str
    start_ms: int
    end_ms: int
    text: str


def read_stm(path: Path | str) -> list[StmUtterance]:
    out = []
    for line in Path(path).read_text().splitlines():
        f = line.split(maxsplit=5)
        if len(f) >= 5 and not line.startswith(";;"):
            out.append(StmUtterance(f[2], round(float(f[3]) * 1000), round(float(f[4]) * 1000),
                                    f[5] if len(f) > 5 else ""))
    return out


def _grid(turns: list[Turn], labels: list[str], n: int) -> np.ndarray:
    g = np.zeros((len(labels), n), dtype=bool)
    index = {s: i for i, s in enumerate(labels)}
    for t in turns:
        g[index[t.speaker], max(0, t.start_ms):max(0, min(n, t.end_ms))] = True
    return g


def best_mapping(reference: list[Turn], hypothesis: list[Turn]) -> dict[str, str]:
    """Hypothesis speaker -> reference speaker maximising the time they agree."""
    from scipy.optimize import linear_sum_assignment

    ref_l = sorted({t.speaker for t in reference})
    hyp_l = sorted({t.speaker for t in hypothesis})
    if not ref_l or not hyp_l:
        return {}
    n = max([t.end_ms for t in reference + hypothesis] + [1])
    r, h = _grid(reference, ref_l, n), _grid(hypothesis, hyp_l, n)
    overlap = h.astype(np.int32) @ r.T.astype(np.int32)
    rows, cols = linear_sum_assignment(-overlap)
    return {hyp_l[i]: ref_l[j] for i, j in zip(rows, cols) if overlap[i, j] > 0}


def der(reference: list[Turn], hypothesis: list[Turn], collar_s: float = 0.0) -> DERResult:
    ref_l = sorted({t.speaker for t in reference})
    hyp_l = sorted({t.speaker for t in hypothesis})
    n = max([t.end_ms for t in reference + hypothesis] + [1])
    r = _grid(reference, ref_l, n)
    h = _grid(hypothesis, hyp_l, n)
    scored = np.ones(n, dtype=bool)
    half = int(round(collar_s * 1000 / 2))
    if half > 0:
        for t in reference:
            for b in (t.start_ms, t.end_ms):
                scored[max(0, b - half):min(n, b + half)] = False
    mapping = best_mapping(reference, hypothesis)
    n_ref = r.sum(axis=0)
    n_hyp = h.sum(axis=0)
    correct = np.zeros(n, dtype=np.int32)
    for hs, rs in mapping.items():
        correct += h[hyp_l.index(hs)] & r[ref_l.index(rs)]
    n_ref, n_hyp, correct = n_ref[scored], n_hyp[scored], correct[scored]
    missed = int(np.maximum(0, n_ref - n_hyp).sum())
    fa = int(np.maximum(0, n_hyp - n_ref).sum())
    conf = int((np.minimum(n_ref, n_hyp) - correct).sum())
    total = int(n_ref.sum())
    return DERResult((missed + fa + conf) / total if total else 0.0, missed, fa, conf, total, mapping)


def reference_speaker(utterances: list[StmUtterance], start_ms: int, end_ms: int) -> str | None:
    """The STM speaker whose utterance overlaps the word most (or contains its midpoint)."""
    best, best_ov = None, 0
    for u in utterances:
        ov = min(end_ms, u.end_ms) - max(start_ms, u.start_ms)
        if ov > best_ov:
            best, best_ov = u.speaker, ov
    if best is None:
        mid = (start_ms + end_ms) // 2
        near = min(utterances, key=lambda u: 0 if u.start_ms <= mid <= u.end_ms
                   else min(abs(mid - u.start_ms), abs(mid - u.end_ms)), default=None)
        best = near.speaker if near else None
    return best


def word_attribution(words: list[tuple[int, int, str | None]], utterances: list[StmUtterance],
                     mapping: dict[str, str]) -> tuple[int, int]:
    """(right, total): words whose (mapped) speaker equals the STM speaker at that time.
    ``words`` are (start_ms, end_ms, hypothesis speaker or None)."""
    right = total = 0
    for start, end, spk in words:
        ref = reference_speaker(utterances, start, end)
        if ref is None:
            continue
        total += 1
        right += int(spk is not None and mapping.get(spk) == ref)
    return right, total


def stm_words(utterances: list[StmUtterance]) -> list[tuple[int, int, str, str]]:
    """Words of the STM with times spread evenly over each utterance by character count:
    (start_ms, end_ms, text, speaker). A model-free stand-in for Whisper's word times."""
    out = []
    for u in utterances:
        words = u.text.split()
        if not words:
            continue
        weights = np.array([len(w) + 1 for w in words], dtype=float)
        edges = u.start_ms + np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * (u.end_ms - u.start_ms)
        out += [(int(edges[i]), int(edges[i + 1]), w, u.speaker) for i, w in enumerate(words)]
    return out
