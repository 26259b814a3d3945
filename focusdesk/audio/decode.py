"""Decode any audio a user has to 16 kHz mono float32 with PyAV (no system ffmpeg needed).

Why this exists: openai-whisper runs an ``ffmpeg`` program for every path and fails without one;
both engines accept a 1-D float32 array at 16 kHz instead, but misbehave silently on the wrong
dtype, rate or channel count. Everything the engines see goes through
:func:`check_samples`. :func:`stream_audio` reads a long file block by block, so memory stays flat
however long the recording is; ``start_s`` seeks (used to resume a transcription).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from focusdesk.audio.probe import AudioFileError, probe_audio
from focusdesk.store.protect.media import open_media
from focusdesk.store.protect.sealed import is_sealed

SAMPLE_RATE = 16000
_MAX_BAD_PACKETS = 50


def check_samples(samples: np.ndarray) -> np.ndarray:
    """Return ``samples`` as a contiguous 1-D float32 array, or raise on anything else.

    Accepts float arrays (any float dtype) and integer PCM (scaled to -1..1). Rejects 2-D input:
    mixing or choosing a channel is the caller's decision.
    """
    arr = np.asarray(samples)
    if arr.ndim != 1:
        raise AudioFileError(f"Expected mono audio (1-D samples), got shape {arr.shape}; "
                             "choose a channel or mix down first.")
    if np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
    elif not np.issubdtype(arr.dtype, np.floating):
        raise AudioFileError(f"Audio samples must be numbers, not {arr.dtype}.")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if arr.size and not np.isfinite(arr).all():
        arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=-1.0)
    return arr


def _open(path: Path):
    import av

    info = probe_audio(path)  # clear errors for missing, empty, non-audio files
    # A protected study's file is decrypted as it is read, in memory: PyAV reads the reader.
    fh = open_media(path) if is_sealed(path) else None
    try:
        container = av.open(fh if fh is not None else str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if fh is not None:
            fh.close()
        raise AudioFileError(f"{path.name} is not a readable audio file ({exc.__class__.__name__}); "
                             "convert it to WAV or FLAC and try again.") from exc
    return container, info, fh


def stream_audio(path: Path | str, *, channel: int | None = None, start_s: float = 0.0,
                 block_s: float = 30.0) -> Iterator[np.ndarray]:
    """Yield consecutive float32 blocks (16 kHz, mono) of about ``block_s`` seconds.

    ``channel`` picks one channel (0-based) instead of mixing all channels down. Damaged packets
    are skipped (a recording cut off by a crash still yields what is readable); a file with no
    decodable audio at all raises :class:`AudioFileError`.
    """
    import av

    path = Path(path)
    container, info, fh = _open(path)
    produced = 0
    try:
        stream = container.streams.audio[0]
        n_channels = stream.codec_context.channels or 1
        if channel is not None and not 0 <= channel < n_channels:
            raise AudioFileError(f"{path.name} has {n_channels} channel(s); channel {channel + 1} "
                                 "does not exist.")
        # Keep the layout and mix by averaging ourselves: ffmpeg's mono downmix adds +3 dB and can
        # clip; averaging matches what Whisper was trained on (ffmpeg -ac 1 to s16).
        resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
        position = 0.0  # seconds of output produced, on the file's timeline
        if start_s > 0:
            try:
                container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
            except av.error.FFmpegError:
                container.seek(0, stream=stream)
        block = int(block_s * SAMPLE_RATE)
        pending: list[np.ndarray] = []
        pending_n = 0
        started = False
        bad = good = 0

        def frames():
            nonlocal bad, good
            for packet in container.demux(stream):
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError:
                    bad += 1
                    if bad > _MAX_BAD_PACKETS and good == 0:
                        raise AudioFileError(f"{path.name} could not be decoded: its audio data is "
                                             "damaged or in an unsupported codec.") from None
                    continue
                for frame in decoded:
                    good += 1
                    yield frame
            yield None  # flush the resampler

        for frame in frames():
            if frame is not None and not started:
                started = True
                if frame.time is not None and start_s > 0:
                    position = max(0.0, float(frame.time))
            for out in resampler.resample(frame):
                data = out.to_ndarray()
                samples = data.mean(axis=0) if channel is None else data[channel]
                if position < start_s:  # seek lands on an earlier packet: drop up to start_s
                    skip = min(len(samples), int(round((start_s - position) * SAMPLE_RATE)))
                    position += skip / SAMPLE_RATE
                    samples = samples[skip:]
                if not len(samples):
                    continue
                position += len(samples) / SAMPLE_RATE
                pending.append(samples.astype(np.float32, copy=False))
                pending_n += len(samples)
                while pending_n >= block:
                    joined = np.concatenate(pending)
                    produced += block
                    yield check_samples(joined[:block])
                    rest = joined[block:]
                    pending, pending_n = ([rest], len(rest)) if len(rest) else ([], 0)
        promised_s = info.duration_ms / 1000 - start_s  # what the header says is there
        if (good == 0 and bad) or (produced + pending_n == 0 and promised_s > 0.5):
            raise AudioFileError(f"{path.name} could not be decoded: its audio data is damaged or "
                                 "in an unsupported codec.")
        if pending_n:
            yield check_samples(np.concatenate(pending))
    except av.error.FFmpegError as exc:
        raise AudioFileError(f"{path.name} could not be decoded ({exc.__class__.__name__}); it may "
                             "be damaged. Convert it to WAV or FLAC and try again.") from exc
    finally:
        container.close()
        if fh is not None:
            fh.close()


def decode_audio(path: Path | str, *, channel: int | None = None, start_s: float = 0.0,
                 duration_s: float | None = None) -> np.ndarray:
    """The whole file (or ``duration_s`` from ``start_s``) as one 16 kHz mono float32 array.

    For short files and tests; long recordings go through :func:`stream_audio`.
    """
    limit = None if duration_s is None else int(duration_s * SAMPLE_RATE)
    parts: list[np.ndarray] = []
    total = 0
    for block in stream_audio(path, channel=channel, start_s=start_s):
        parts.append(block)
        total += len(block)
        if limit is not None and total >= limit:
            break
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return check_samples(samples[:limit] if limit is not None else samples)
