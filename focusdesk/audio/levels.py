"""Per-channel levels for the meters: peak and RMS in dBFS, and clipping.

Computed by the writer thread, never in the PortAudio callback, and read by whoever draws the
meters (a Qt timer, the CLI's progress line) at its own pace.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

FULL_SCALE = 32768.0
CLIP_LEVEL = 32767 - 64  # samples this close to full scale count as clipped
SILENCE_DB = -90.0


def to_dbfs(value: float) -> float:
    return SILENCE_DB if value <= 0 else max(SILENCE_DB, 20 * math.log10(value / FULL_SCALE))


@dataclass
class Levels:
    """What happened on each channel since the last read."""

    peak_db: list[float]
    rms_db: list[float]
    clipped: list[bool]

    @property
    def channels(self) -> int:
        return len(self.peak_db)


@dataclass
class LevelMeter:
    """Accumulates blocks (int16, frames x channels) between reads; thread-safe."""

    channels: int
    _peak: np.ndarray = field(init=False)
    _sumsq: np.ndarray = field(init=False)
    _frames: int = field(init=False, default=0)
    _clips: np.ndarray = field(init=False)
    clip_total: int = field(init=False, default=0)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._peak = np.zeros(self.channels, dtype=np.int32)
        self._sumsq = np.zeros(self.channels, dtype=np.float64)
        self._clips = np.zeros(self.channels, dtype=np.int64)
        self._frames = 0

    def add(self, block: np.ndarray) -> None:
        wide = block.astype(np.int32)
        peak = np.abs(wide).max(axis=0)
        sumsq = np.einsum("ij,ij->j", wide, wide, dtype=np.float64)
        clips = (peak >= CLIP_LEVEL)
        with self._lock:
            np.maximum(self._peak, peak, out=self._peak)
            self._sumsq += sumsq
            self._frames += len(block)
            self._clips += clips
            self.clip_total += int(clips.sum())

    def read(self) -> Levels:
        with self._lock:
            peak, sumsq, frames, clips = self._peak, self._sumsq, self._frames, self._clips
            self._reset()
        rms = np.sqrt(sumsq / frames) if frames else np.zeros(self.channels)
        return Levels(peak_db=[to_dbfs(float(p)) for p in peak],
                      rms_db=[to_dbfs(float(r)) for r in rms],
                      clipped=[bool(c) for c in clips])
