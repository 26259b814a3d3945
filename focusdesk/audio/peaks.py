"""Waveform peaks for the editor's strip: min/max per 10 ms, cached next to the media file.

Decoding goes through PyAV (``audio.decode``) in a child process (``peaks_job`` under
``jobs.runner.run_job``): the window's process already holds QtMultimedia's own FFmpeg, and
decoding with a second FFmpeg on a thread beside it crashed the process. The result is cached as
``<media>.peaks.npz`` (written atomically) and reused while the media file's size and modification
time are unchanged, so the window reads a cache with numpy alone and starts a child only once per
file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from focusdesk.audio.decode import SAMPLE_RATE, stream_audio
from focusdesk.store.protect import keyring
from focusdesk.store.protect.sealed import open_bytes, seal_bytes, sealed_key_id

BUCKET_MS = 10
_BUCKET = SAMPLE_RATE * BUCKET_MS // 1000
_VERSION = 1


def cache_path(media: Path) -> Path:
    return media.with_name(media.name + ".peaks.npz")


def _stamp(media: Path) -> np.ndarray:
    st = media.stat()
    return np.array([_VERSION, st.st_size, st.st_mtime_ns], dtype=np.int64)


def compute_peaks(media: Path | str, cancelled: Callable[[], bool] = lambda: False) -> np.ndarray:
    """(n, 2) float32 array of (min, max) per 10 ms bucket of the file, mono mix."""
    out: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    for block in stream_audio(Path(media), block_s=60.0):
        if cancelled():
            raise InterruptedError("peak computation cancelled")
        data = np.concatenate([carry, block]) if carry.size else block
        n = len(data) // _BUCKET
        if n:
            frames = data[: n * _BUCKET].reshape(n, _BUCKET)
            out.append(np.stack([frames.min(axis=1), frames.max(axis=1)], axis=1))
        carry = data[n * _BUCKET:]
    if carry.size:
        out.append(np.array([[carry.min(), carry.max()]], dtype=np.float32))
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 2), dtype=np.float32)


def cached_peaks(media: Path | str) -> np.ndarray | None:
    """The cached peaks when the cache matches the file as it is now; else None (no decoding)."""
    media = Path(media)
    cache = cache_path(media)
    if not cache.is_file():
        return None
    try:
        stamp = _stamp(media)
        source = io.BytesIO(open_bytes(cache)) if sealed_key_id(cache) else cache
        with np.load(source) as data:
            if np.array_equal(data["stamp"], stamp):
                return data["peaks"]
    except (OSError, ValueError, KeyError):  # SealedFileError and KeyNotUnlocked are ValueErrors
        pass
    return None


def load_peaks(media: Path | str, cancelled: Callable[[], bool] = lambda: False) -> np.ndarray:
    """Cached peaks, computing and caching them when missing or stale."""
    media = Path(media)
    cached = cached_peaks(media)
    if cached is not None:
        return cached
    cache = cache_path(media)
    stamp = _stamp(media)
    peaks = compute_peaks(media, cancelled)
    tmp = cache.with_name(cache.name + ".part")
    key_id = sealed_key_id(media)
    try:
        if key_id is not None:  # a protected study: the waveform is sealed like its recording
            buffer = io.BytesIO()
            np.savez(buffer, stamp=stamp, peaks=peaks)
            seal_bytes(buffer.getvalue(), cache, keyring.lookup(key_id))
        else:
            with open(tmp, "wb") as fh:
                np.savez(fh, stamp=stamp, peaks=peaks)
            os.replace(tmp, cache)
    except OSError:  # a read-only study folder: peaks still work, just uncached
        tmp.unlink(missing_ok=True)
    return peaks


def peaks_job(params: dict, emit: Callable[[dict], None]) -> None:
    """run_job worker: peaks of each file in ``params["paths"]``, one message per file.

    The message names the cache file when it could be written (the parent reads it), else carries
    the array itself; a file that cannot be decoded gets an ``error`` message, not a failed job.
    """
    for path in params["paths"]:
        try:
            peaks = load_peaks(path)
        except Exception as exc:  # a damaged file must not stop the other files' waveforms
            emit({"type": "error", "path": path, "error": f"{exc.__class__.__name__}: {exc}"})
            continue
        cached = cached_peaks(path) is not None
        emit({"type": "peaks", "path": path, "peaks": None if cached else peaks})
