"""Voice centroids: link the same voice across recordings and re-runs, recognise enrolled voices.

A centroid is the mean CAM++ embedding of a speaker's windows, unit length, stored as float32
bytes. Two centroids of the same person are close in cosine; the thresholds were set on the
reference clips (bench/diarize.py prints the similarities they rest on).
"""

from __future__ import annotations

import numpy as np

LINK_COSINE = 0.72  # same voice in another recording of the same session, or a re-run
RECOGNISE_COSINE = 0.72  # an enrolled facilitator's voice in a later session
RECOGNISE_MARGIN = 0.04  # and clearly closer to that voice than any other speaker is


def to_blob(vec) -> bytes:
    v = np.asarray(vec, dtype=np.float32)
    return (v / max(float(np.linalg.norm(v)), 1e-8)).astype(np.float32).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


def match(new: dict[str, np.ndarray], old: dict[int, np.ndarray],
          threshold: float = LINK_COSINE) -> dict[str, int]:
    """One-to-one pairing of new voices with known ones (Hungarian on cosine), pairs above the
    threshold only."""
    from scipy.optimize import linear_sum_assignment

    if not new or not old:
        return {}
    nk, ok = list(new), list(old)
    sim = np.array([[cosine(new[a], old[b]) for b in ok] for a in nk])
    rows, cols = linear_sum_assignment(-sim)
    return {nk[i]: ok[j] for i, j in zip(rows, cols) if sim[i, j] >= threshold}


def recognise(speakers: dict[int, np.ndarray], prints: dict[object, np.ndarray],
              threshold: float = RECOGNISE_COSINE, margin: float = RECOGNISE_MARGIN) -> dict[object, int]:
    """Enrolled person -> the one speaker whose voice is theirs: the closest speaker, above the
    threshold and ahead of the runner-up by ``margin`` (two similar voices: ask the user)."""
    out: dict[object, int] = {}
    for person, vec in prints.items():
        scored = sorted(((cosine(v, vec), sid) for sid, v in speakers.items()), reverse=True)
        if not scored or scored[0][0] < threshold:
            continue
        if len(scored) > 1 and scored[0][0] - scored[1][0] < margin:
            continue
        if scored[0][1] not in out.values():
            out[person] = scored[0][1]
    return out
