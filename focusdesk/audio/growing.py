"""Reading a take while it is being recorded: the one way into a growing WAV.

Why one function: the live transcriber reads the file the recorder is still appending to, and the
header's size fields lag behind (the writer rewrites them about once a second, see
``wavjournal``). :func:`read_growing` counts the whole frames the file holds instead, so it sees
every frame that reached the kernel (a trailing half frame waits for the next read). It opens the file read-only and
shares no lock or queue with the recorder: a slow reader can never hold up the audio path.
A protected study's take is sealed (store/protect/sealed.py) and read through ``open_media``:
its whole records so far, a record still being written waits for the next read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from focusdesk.audio.wavjournal import HEADER_BYTES, parse_header
from focusdesk.store.protect.media import open_media
from focusdesk.store.protect.sealed import SealedFileError


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
    for attempt in range(3):
        try:
            return _read(path, start_frame, max_frames)
        except SealedFileError:
            # a sealed take's header record is rewritten in place about once a second: a read
            # that met it half-written fails its check, and the next one finds it whole
            if attempt == 2:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _read(path: Path, start_frame: int, max_frames: int | None) -> GrowingRead:
    with open_media(path) as fh:
        rate, channels, width = parse_header(fh.read(HEADER_BYTES), path.name)
        if width != 2:
            raise ValueError(f"{path.name} is not 16-bit PCM.")
        frame_bytes = channels * width
        # the file's length, not the header: its size fields trail the writer by up to a second
        total = max(0, fh.seek(0, 2) - HEADER_BYTES) // frame_bytes
        start = max(0, min(int(start_frame), total))
        count = total - start if max_frames is None else max(0, min(int(max_frames), total - start))
        fh.seek(HEADER_BYTES + start * frame_bytes)
        data = fh.read(count * frame_bytes)
    count = len(data) // frame_bytes
    frames = np.frombuffer(data[: count * frame_bytes], dtype="<i2").reshape(count, channels)
    return GrowingRead(frames, rate, channels, start, total)
