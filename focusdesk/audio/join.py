"""Several recordings of one session as one audio file laid out on the session's timeline.

Why: a session recorded in parts (the console stopped and started again, a call and a room
recorder) has one transcript on one timeline, but a REFI-QDA ``AudioSource`` holds one file.
Joining the parts at their offsets, with silence in the gaps, keeps every sync point of the
exported transcript on the right sound. The copy is speech quality (16 kHz mono AAC, the rate
transcription works at), decoded and encoded block by block so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from focusdesk.audio.decode import SAMPLE_RATE, stream_audio

BIT_RATE = 48_000
_SILENCE_BLOCK = SAMPLE_RATE * 30


def join_recordings(parts: list[tuple[Path, int]], target: Path,
                    on_progress: Callable[[float], None] | None = None,
                    silence: Sequence[tuple[int, int]] = ()) -> float:
    """Write ``parts`` (file, offset on the session timeline in ms) into ``target`` (.m4a).

    Where parts overlap, the later one starts where the earlier one ended. ``silence`` (ms spans
    on the session timeline: a withdrawn participant's voice) is written as silence. Returns the
    seconds written. Unreadable parts raise :class:`~focusdesk.audio.decode.AudioFileError`.
    """
    quiet = [(a * SAMPLE_RATE // 1000, -(-b * SAMPLE_RATE // 1000)) for a, b in silence]
    import av

    ordered = sorted(parts, key=lambda p: p[1])
    target = Path(target)
    out = av.open(str(target), "w", format="ipod")
    try:
        stream = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = BIT_RATE
        written = 0  # samples

        def write(samples: np.ndarray) -> None:
            nonlocal written
            if quiet:
                samples = silenced(samples, written, quiet)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1), format="flt",
                layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = written
            for packet in stream.encode(frame):
                out.mux(packet)
            written += len(samples)

        for i, (path, offset_ms) in enumerate(ordered):
            start = offset_ms * SAMPLE_RATE // 1000
            while written < start:
                write(np.zeros(min(_SILENCE_BLOCK, start - written), dtype=np.float32))
            skip_s = max(0, written - start) / SAMPLE_RATE
            for block in stream_audio(path, start_s=skip_s):
                write(block)
            if on_progress:
                on_progress((i + 1) / len(ordered))
        for packet in stream.encode(None):
            out.mux(packet)
    finally:
        out.close()
    return written / SAMPLE_RATE


def silenced(samples: np.ndarray, first: int, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """``samples`` (starting at sample ``first``) with the sample ``spans`` set to zero."""
    end = first + len(samples)
    out = samples
    for a, b in spans:
        lo, hi = max(a, first), min(b, end)
        if lo < hi:
            if out is samples:
                out = np.array(samples, dtype=np.float32, copy=True)
            out[lo - first:hi - first] = 0.0
    return out
