"""Reading a take while it is being recorded: the one way into a growing WAV.

Why one function: the live transcriber reads the file the recorder is still appending to, and the
header's size fields lag behind (the writer rewrites them about once a second, see
``wavjournal``). :func:`read_growing` counts the whole frames the file holds instead, so it sees
every frame that reached the kernel (a trailing half frame waits for the next read). It opens the file read-only and
shares no lock or queue with the recorder: a slow reader can never hold up the audio path.
A protected (encrypted) take would be read through here too, so callers never open takes
themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from focusdesk.audio.wavjournal import HEADER_BYTES, read_header


@dataclass
class GrowingRead:
    """``frames`` (int16, shape (n, channels)) from ``start_frame``; ``total`` frames are there."""

    frames: np.ndarray
    rate: int
    channels: int
    start_frame: int
    total: int


def read_growing(path: Path | str, start_frame: int = 0, max_frames: int | None = None) -> GrowingRead:
    """Up to ``max_frames`` frames from ``start_frame`` of a focusdesk WAV that may still grow."""
    path = Path(path)
    rate, channels, width = read_header(path)
    if width != 2:
        raise ValueError(f"{path.name} is not 16-bit PCM.")
    frame_bytes = channels * width
    with open(path, "rb") as fh:
        # the file's length, not the header: its size fields trail the writer by up to a second
        total = max(0, os.fstat(fh.fileno()).st_size - HEADER_BYTES) // frame_bytes
        start = max(0, min(int(start_frame), total))
        count = total - start if max_frames is None else max(0, min(int(max_frames), total - start))
        fh.seek(HEADER_BYTES + start * frame_bytes)
        data = fh.read(count * frame_bytes)
    count = len(data) // frame_bytes
    frames = np.frombuffer(data[: count * frame_bytes], dtype="<i2").reshape(count, channels)
    return GrowingRead(frames, rate, channels, start, total)
