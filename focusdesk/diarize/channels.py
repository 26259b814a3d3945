"""Channel mode: one speaker per channel (telephone set-up, a microphone per person), no model.

Each channel's level is measured in 30 ms frames; a channel speaks where its level clears a
threshold set between its own noise floor and its speech level, and is not merely the other
microphone's bleed (more than ``BLEED_DB`` below the loudest channel). Channels may overlap:
people do talk at once. Channel 1 is S1, channel 2 is S2, and so on, so the labels say which
microphone a voice came from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from focusdesk.core.turns import Diarization, Turn, smooth

FRAME_MS = 30
BLEED_DB = 20.0
MIN_LEVEL_DB = -55.0  # below this a frame is silence whatever the floor
JOIN_GAP_MS = 300
MIN_TURN_MS = 150
ENGINE_NAME = "channels"


class ChannelModeError(ValueError):
    """The recording cannot be split by channel; the message says what to do instead."""


def frame_levels(samples: np.ndarray, rate: int = 16000) -> np.ndarray:
    """dBFS per ``FRAME_MS`` frame."""
    n = rate * FRAME_MS // 1000
    usable = len(samples) // n * n
    if usable == 0:
        return np.zeros(0)
    frames = samples[:usable].astype(np.float64).reshape(-1, n)
    return 10 * np.log10((frames ** 2).mean(axis=1) + 1e-10)


def channel_activity(levels: list[np.ndarray]) -> list[np.ndarray]:
    """Boolean speech mask per channel from its frame levels."""
    n = min((len(lv) for lv in levels), default=0)
    levels = [lv[:n] for lv in levels]
    if n == 0:
        return [np.zeros(0, dtype=bool) for _ in levels]
    loudest = np.max(np.stack(levels), axis=0)
    out = []
    for lv in levels:
        floor, speech = np.percentile(lv, 10), np.percentile(lv, 90)
        threshold = max(floor + 0.35 * (speech - floor), MIN_LEVEL_DB)
        if speech - floor < 6:  # no dynamics: silence or steady noise, nobody on this channel
            out.append(np.zeros(n, dtype=bool))
            continue
        out.append((lv > threshold) & (lv > loudest - BLEED_DB))
    return out


def mask_to_turns(mask: np.ndarray, speaker: str) -> list[Turn]:
    turns = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        turns.append(Turn(int(a) * FRAME_MS, int(b) * FRAME_MS, speaker))
    return turns


def turns_from_channels(channels: list[np.ndarray], rate: int = 16000) -> list[Turn]:
    """Turns for already decoded channels (each 1-D float32)."""
    return _turns(channel_activity([frame_levels(c, rate) for c in channels]))


def _turns(masks: list[np.ndarray]) -> list[Turn]:
    turns: list[Turn] = []
    for i, mask in enumerate(masks):
        own = smooth(mask_to_turns(mask, f"S{i + 1}"), 0, JOIN_GAP_MS)
        turns += [t for t in own if t.duration_ms >= MIN_TURN_MS]
    return sorted(turns, key=lambda t: (t.start_ms, t.speaker))


def diarize_channels(path: Path | str, progress: Callable[[float, str], None] | None = None) -> Diarization:
    """Channel-mode diarization of a file; streams each channel, so memory stays flat."""
    from focusdesk.audio.decode import stream_audio
    from focusdesk.audio.probe import probe_audio

    info = probe_audio(path)
    if info.channels < 2:
        raise ChannelModeError(
            f"{Path(path).name} has one channel, so channel mode cannot tell voices apart. "
            "Run diarization without --channels (the voice model) instead.")
    levels = []
    for ch in range(info.channels):
        parts = [frame_levels(block) for block in stream_audio(path, channel=ch, block_s=180.0)]
        levels.append(np.concatenate(parts) if parts else np.zeros(0))
        if progress:
            progress((ch + 1) / info.channels, f"Reading channel {ch + 1} of {info.channels}")
    return Diarization(_turns(channel_activity(levels)), info.duration_ms, ENGINE_NAME)
