"""Dynamic time warping for openai-whisper's word timestamps, without a numba compile.

Why: openai-whisper aligns words with a DTW written for numba, compiled on first use in every
process (3 s on a busy 2-core laptop, more than transcribing a short clip). Every transcription
runs in a fresh child process, so that cost was paid each time. This version walks the cost matrix
one anti-diagonal at a time with numpy (cells on an anti-diagonal depend only on the two before
it) and keeps openai-whisper's exact rules: a diagonal step wins only when strictly cheapest, then
an up step when strictly cheapest, else a left step; so word times are identical.
"""

from __future__ import annotations

import numpy as np

DIAGONAL, UP, LEFT = 0, 1, 2


def dtw_path(x: np.ndarray) -> np.ndarray:
    """Cheapest monotonic path through cost matrix ``x`` (tokens × frames), as a 2×K index array."""
    x = np.asarray(x, dtype=np.float64)
    n, m = x.shape
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, 0] = 0.0
    trace = np.full((n + 1, m + 1), -1, dtype=np.int8)
    for d in range(2, n + m + 1):  # i + j == d, with 1 <= i <= n and 1 <= j <= m
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        if not len(i):
            continue
        j = d - i
        c0, c1, c2 = cost[i - 1, j - 1], cost[i - 1, j], cost[i, j - 1]
        diag = (c0 < c1) & (c0 < c2)
        up = ~diag & (c1 < c0) & (c1 < c2)
        step = np.where(diag, DIAGONAL, np.where(up, UP, LEFT)).astype(np.int8)
        best = np.where(diag, c0, np.where(up, c1, c2))
        cost[i, j] = x[i - 1, j - 1] + best
        trace[i, j] = step
    trace[0, :] = LEFT
    trace[:, 0] = UP
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        step = trace[i, j]
        if step == DIAGONAL:
            i, j = i - 1, j - 1
        elif step == UP:
            i -= 1
        elif step == LEFT:
            j -= 1
        else:  # pragma: no cover - every reachable cell has a step
            raise RuntimeError("DTW: broken trace")
    return np.array(path[::-1], dtype=np.int64).T


_replaced: dict[str, object] = {}  # openai-whisper's own function, kept for tests


def install() -> None:
    """Make openai-whisper's word alignment on CPU use :func:`dtw_path` (this process only)."""
    import whisper.timing

    if whisper.timing.dtw_cpu is not dtw_path:
        _replaced.setdefault("dtw_cpu", whisper.timing.dtw_cpu)
        whisper.timing.dtw_cpu = dtw_path


def whisper_dtw():
    """openai-whisper's numba DTW (even after :func:`install`)."""
    import whisper.timing

    return _replaced.get("dtw_cpu", whisper.timing.dtw_cpu)
