"""Scanning a study folder for what must never be there in the clear: transcript words and runs
of a clip's audio samples. Shared by tests/test_protect.py, tests/test_protect_record.py and the
fault campaign (tests/faults/campaign.py), so "no plaintext left" means the same everywhere."""

from __future__ import annotations

import random
from pathlib import Path

RUN = 64  # bytes: 32 samples of 16-bit PCM, far too long to occur by chance


def runs_of(raw: bytes, count: int = 40, seed: int = 7) -> list[bytes]:
    """``count`` 64-byte runs of ``raw`` (16-bit PCM or a file's bytes) from stretches that are
    not silence, which is zeros anywhere."""
    rng = random.Random(seed)
    runs: list[bytes] = []
    for _ in range(count * 50):
        if len(runs) == count:
            break
        at = rng.randrange(0, len(raw) - RUN) & ~1
        run = raw[at:at + RUN]
        if len(set(run)) > 16:
            runs.append(run)
    if len(runs) < count:
        raise ValueError("too little non-silent audio to scan for")
    return runs


def pcm_runs(path: Path, count: int = 40) -> list[bytes]:
    """64-byte runs of an audio file's decoded 16-bit PCM (interleaved as a WAV holds it)."""
    import soundfile as sf

    data, _ = sf.read(path, dtype="int16")
    return runs_of(data.tobytes(), count)


def word_needles(words: list[str]) -> list[bytes]:
    """The words as UTF-8 and as UTF-16 (a DOCX or a Windows text could hold either)."""
    return [w.encode() for w in words] + [w.encode("utf-16-le") for w in words]


def leaks(root: Path, needles: list[bytes]) -> list[str]:
    """Every file under ``root`` (hidden ones, backups and temporary files included) holding a
    needle: ``"relative/path: needle"``, empty when nothing is in the clear."""
    found = []
    for path in sorted(Path(root).rglob("*")):
        if path.is_file():
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # removed while scanning (a lock, a temporary file)
                continue
            rel = path.relative_to(root).as_posix()
            found += [f"{rel}: {n[:12]!r}" for n in needles if n in data]
    return found
