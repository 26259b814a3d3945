"""Read what an audio or video file holds (duration, rate, channels) without a system ffmpeg."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from focusdesk.core.errors import UserError
from focusdesk.core.inputs import InputFileError, check_input_file
from focusdesk.store.protect.media import content_sha256, open_media
from focusdesk.store.protect.sealed import is_sealed


class AudioFileError(UserError, ValueError):
    """The file cannot be used as audio; the message says why and what to do."""

    title = "Cannot use this audio"


@dataclass
class AudioInfo:
    duration_ms: int
    sample_rate: int
    channels: int
    codec: str


@contextmanager
def open_container(path: Path):
    """PyAV's container for ``path``; a protected study's sealed file is read through the
    decrypting reader (no plaintext copy), a plain file by name as before."""
    import av

    if not is_sealed(path):
        with av.open(str(path)) as container:
            yield container
        return
    with open_media(path) as fh, av.open(fh) as container:
        yield container


def probe_audio(path: Path | str) -> AudioInfo:
    import av

    try:
        path = check_input_file(path, "audio file")
    except InputFileError as exc:  # callers catch AudioFileError for every unusable file
        raise AudioFileError(str(exc)) from None
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path} is empty (0 bytes). Choose the recording file itself.")
    try:
        with open_container(path) as container:
            streams = container.streams.audio
            if not streams:
                raise AudioFileError(
                    f"{path.name} has no audio track. Choose an audio file (wav, flac, mp3, m4a, "
                    "ogg, opus, webm) or a video with sound.")
            stream = streams[0]
            if stream.codec_context is None:  # a codec this build of FFmpeg does not know
                raise AudioFileError(
                    f"{path.name} uses an audio codec focusdesk cannot decode. Convert it to WAV "
                    "or FLAC and try again.")
            rate = stream.codec_context.sample_rate or stream.rate or 0
            channels = stream.codec_context.channels or 1
            duration_ms = 0
            if stream.duration is not None and stream.time_base is not None:
                duration_ms = int(stream.duration * stream.time_base * 1000)
            elif container.duration:
                duration_ms = int(container.duration / 1000)
            if duration_ms <= 0:
                duration_ms = _decode_duration(container, stream)
            codec = stream.codec_context.name
    except AudioFileError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioFileError(
            f"{path.name} is not a readable audio file ({exc.__class__.__name__}). It may be "
            "damaged or in a format focusdesk cannot read; convert it to WAV or FLAC and try again."
        ) from exc
    if rate <= 0:
        raise AudioFileError(f"{path.name} has no usable sample rate: it is not audio, or it is damaged. "
                             "Choose the recording itself, or convert it to WAV or FLAC.")
    return AudioInfo(duration_ms=duration_ms, sample_rate=int(rate), channels=int(channels), codec=codec)


def decodable_ms(path: Path | str, declared_ms: int) -> int:
    """How much of the file really decodes. A file cut short (a copy that stopped, a recorder
    that died) keeps the header's length: the last second is decoded first, which is quick and
    enough for a whole file; only when it fails is the file decoded from the start to measure."""
    import av

    def tail_ok() -> bool:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            if declared_ms > 2000 and stream.time_base:
                container.seek(int((declared_ms - 1500) / 1000 / stream.time_base), stream=stream)
            end = 0.0
            for frame in container.decode(stream):
                if frame.time is not None:
                    end = frame.time + frame.samples / (frame.sample_rate or 1)
            return end * 1000 >= declared_ms - 1000

    try:
        if tail_ok():
            return declared_ms
    except (av.error.FFmpegError, ValueError):
        pass
    samples, rate = 0, 1
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate or 1
            for frame in container.decode(stream):
                samples += frame.samples
    except (av.error.FFmpegError, ValueError):
        pass  # what decoded before the damage is what there is
    return min(declared_ms, int(samples * 1000 / rate))


def _decode_duration(container, stream) -> int:
    samples = 0
    rate = stream.codec_context.sample_rate or 1
    for frame in container.decode(stream):
        samples += frame.samples
    return int(samples * 1000 / rate)


def sha256_file(path: Path | str) -> str:
    """The checksum of the file's content (a sealed file's plaintext: the same before and after
    a study is protected)."""
    return content_sha256(path)
