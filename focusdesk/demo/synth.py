"""Speaking a session's script with espeak-ng and mixing the lines on one timeline.

espeak-ng is a small offline speech synthesizer (a system package: ``apt install espeak-ng``,
``brew install espeak-ng``, or its Windows installer). Every line is spoken on its own, trimmed of
the synthesizer's trailing silence and placed after the previous line's end plus a pause, or over
its end when the line overlaps. A faint noise floor keeps the room from being digitally silent.
A telephone interview becomes two channels at 8 kHz, band-limited to 300-3,400 Hz like a phone.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from focusdesk.core.errors import UserError
from focusdesk.demo.script import VOICES, Line, SessionScript

ESPEAK_RATE = 22050
ROOM_RATE = 16000
PHONE_RATE = 8000


class SynthesizerMissing(UserError):
    """espeak-ng is not installed, so the demo cannot speak its script."""


@dataclass(frozen=True)
class Timed:
    """A line of the script with where it lies in the recording (ms)."""

    line: Line
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Recording:
    path: Path
    lines: tuple[Timed, ...]
    duration_ms: int


def espeak() -> str:
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if exe is None:
        raise SynthesizerMissing(
            "The demo study's voices are made by the espeak-ng speech synthesizer, which is not "
            "installed. Install it (Linux: the espeak-ng package; macOS: brew install espeak-ng; "
            "Windows: the espeak-ng installer) and build the demo again.")
    return exe


def speak(exe: str, line: Line) -> np.ndarray:
    """One line as float32 samples at 22,050 Hz, without leading or trailing silence."""
    voice = VOICES[line.who]
    speed = round(voice.speed * voice.tract)  # played back tract times faster below
    out = subprocess.run([exe, "-v", voice.name, "-s", str(speed), "-p", str(voice.pitch),
                          "--stdout", line.text], capture_output=True, check=True, timeout=60).stdout
    audio, rate = sf.read(io.BytesIO(out), dtype="float32")
    audio = resample(audio, round(rate * voice.tract), ESPEAK_RATE)
    if voice.tilt:
        audio = np.concatenate([audio[:1], audio[1:] - voice.tilt * audio[:-1]]) / (1 + abs(voice.tilt))
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0]:loud[-1] + 1] if loud.size else audio


def band_limit(audio: np.ndarray, rate: int, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(audio)
    freqs = np.fft.rfftfreq(audio.size, 1 / rate)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, audio.size).astype(np.float32)


def resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Band-limit below the new Nyquist frequency, then interpolate (plenty for speech)."""
    if target < rate:
        audio = band_limit(audio, rate, 0, target * 0.45)
    n = int(round(audio.size * target / rate))
    return np.interp(np.arange(n) * rate / target, np.arange(audio.size), audio).astype(np.float32)


def lay_out(script: SessionScript, lengths: list[int], rate: int, lead_ms: int = 700) -> list[Timed]:
    """Start and end of every line: after the previous one and its pause, or over its end."""
    out: list[Timed] = []
    t = lead_ms
    for line, n in zip(script.lines, lengths):
        start = max(0, t - line.overlap_ms) if out and line.overlap_ms else t + (line.pause_ms if out else 0)
        end = start + round(n * 1000 / rate)
        out.append(Timed(line, start, end))
        t = max(t, end)
    return out


def synthesize(script: SessionScript, folder: Path, seed: int = 7) -> Recording:
    """Speak ``script`` into ``folder/<name>.wav`` and say when each line is spoken."""
    exe = espeak()
    with ThreadPoolExecutor(max_workers=4) as pool:
        spoken = list(pool.map(lambda line: speak(exe, line), script.lines))
    rate = PHONE_RATE if script.telephone else ROOM_RATE
    spoken = [resample(a, ESPEAK_RATE, rate) for a in spoken]
    if script.telephone:
        spoken = [band_limit(a, rate, 300, 3400) for a in spoken]
    timed = lay_out(script, [a.size for a in spoken], rate)
    total = timed[-1].end_ms + 900 if timed else 1000
    channels = 2 if script.telephone else 1
    rng = np.random.default_rng(seed)
    mix = (rng.standard_normal((round(total * rate / 1000), channels)) * 0.0015).astype(np.float32)
    gains = {who: 0.55 + 0.1 * (i % 4) for i, who in enumerate(sorted(VOICES))}
    for item, audio in zip(timed, spoken):
        channel = 0 if item.line.who == "F" or channels == 1 else 1
        first = round(item.start_ms * rate / 1000)
        mix[first:first + audio.size, channel] += audio[:max(0, mix.shape[0] - first)] * gains[item.line.who]
    peak = float(np.abs(mix).max()) or 1.0
    mix *= min(1.0, 0.9 / peak)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (script.name.lower().replace(" ", "-") + ".wav")
    sf.write(path, mix if channels > 1 else mix[:, 0], rate, subtype="PCM_16")
    return Recording(path, tuple(timed), total)
