"""Transcribe one stretch of untranscribed speech again, with more sensitive settings.

Why: the main pass can hear speech (its VAD regions) and still write nothing: a quiet voice,
crosstalk, Whisper's no-speech decision. The editor marks such stretches and offers this; the CLI
runs it with ``focusdesk transcribe SESSION --stretch`` or ``--fill-gaps``. The recipe was measured
in issue 12 (bench/speech_coverage.py): the stretch's audio levelled (focusdesk.audio.leveller), no VAD,
beam search of 5, Whisper's no-speech skip made stricter (0.8), and words kept only inside the
stretch, so nothing else in the transcript moves. A fill that is only one of Whisper's stock
phrases over noise ("you", "thank you") or whose words average below ``MIN_MEAN_PROBABILITY`` is
dropped. What is kept can still be invented ("Okay, just two." over AMI room tone), which is why
the parent stores it flagged for review.

Worker params: ``{"settings": Settings.to_dict(), "tasks": [{"path", "channel", "start_s",
"end_s"}]}`` (file seconds). Messages: ``engine`` once, then per task ``{"type": "segment",
"task": i, "start", "end", "text", "words": [[start, end, text, prob]]}`` when something was
heard, and ``{"type": "task_done", "task": i, "words": n}``; ``progress`` between tasks.
"""

from __future__ import annotations

import os

import numpy as np

from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
from focusdesk.audio.leveller import level
from focusdesk.transcribe.engines import Engine, load_engine
from focusdesk.transcribe.guards import LoopGuard, norm
from focusdesk.transcribe.models import list_models
from focusdesk.transcribe.types import Settings, WordResult

WORKER = "focusdesk.transcribe.fill:fill_worker"
CONTEXT_S = 0.5  # audio either side of the stretch given to the model (words there are not kept)
LEVEL_CONTEXT_S = 3.0  # audio either side the leveller sees (its window is 3 s)
KEEP_TOLERANCE_S = 0.2  # a word is kept when its middle is this close to the stretch
FILL_BEAM = 5
FILL_NO_SPEECH = 0.8
MIN_MEAN_PROBABILITY = 0.3
# Whisper's stock phrases over noise: a fill that is only one of these is dropped
STOCK = {"you", "thank you", "thanks for watching", "thank you for watching", "bye", "so", "okay"}
# Larger models tried before the chosen one, smallest first: a stretch is short, so the cost is low
LARGER = {"tiny.en": ("base.en", "small.en"), "tiny": ("base", "small"),
          "base.en": ("small.en",), "base": ("small",)}


def fill_settings(settings: Settings) -> Settings:
    """The sensitive settings for a fill, from the session's: a larger model when one is here."""
    s = Settings.from_dict(settings.to_dict())
    have = {m.name for m in list_models()}
    larger = next((m for m in LARGER.get(s.model, ()) if m in have), None)
    s.model = larger or s.model
    s.vad, s.beam_size, s.no_speech_threshold = False, FILL_BEAM, FILL_NO_SPEECH
    return s


def fill_words(engine: Engine, audio: np.ndarray, audio_start_s: float, start_s: float,
               end_s: float, language: str | None = None) -> list[WordResult]:
    """Words heard in ``[start_s, end_s]`` (file seconds) of ``audio`` (which starts at
    ``audio_start_s`` and runs past the stretch); empty when nothing plausible was heard."""
    levelled = level(audio)
    a = max(0, int((start_s - CONTEXT_S - audio_start_s) * SAMPLE_RATE))
    b = min(len(levelled), int((end_s + CONTEXT_S - audio_start_s) * SAMPLE_RATE))
    piece = levelled[a:b]
    if len(piece) < SAMPLE_RATE // 10:
        return []
    _, segments = engine.transcribe(piece, language, None)
    guard = LoopGuard()
    words: list[WordResult] = []
    offset = audio_start_s + a / SAMPLE_RATE
    for seg in segments:
        kept = guard.accept(seg.shifted(offset))
        if kept is not None:
            words += [w for w in kept.words
                      if start_s - KEEP_TOLERANCE_S <= (w.start + w.end) / 2 <= end_s + KEEP_TOLERANCE_S]
    return words if words and plausible(words) else []


def plausible(words: list[WordResult]) -> bool:
    """False for a stock phrase over noise alone, or words that are improbable on average."""
    text = norm(" ".join(w.text for w in words))
    return text not in STOCK and float(np.mean([w.probability for w in words])) >= MIN_MEAN_PROBABILITY


def fill_worker(params: dict, emit) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    settings = Settings.from_dict(params.get("settings") or {})
    tasks = params["tasks"]
    emit({"type": "progress", "fraction": 0.0, "eta_s": None, "text": "Loading the model…"})
    engine = load_engine(settings)
    emit({"type": "engine", **engine.describe(), "settings": settings.to_dict()})
    for i, task in enumerate(tasks):
        start, end = float(task["start_s"]), float(task["end_s"])
        audio_start = max(0.0, start - LEVEL_CONTEXT_S)
        audio = decode_audio(task["path"], channel=task.get("channel"), start_s=audio_start,
                             duration_s=end + LEVEL_CONTEXT_S - audio_start)
        words = fill_words(engine, audio, audio_start, start, end, settings.language)
        if words:
            emit({"type": "segment", "task": i, "start": words[0].start, "end": words[-1].end,
                  "text": "".join(w.text for w in words).strip(),
                  "words": [[w.start, w.end, w.text, w.probability] for w in words]})
        emit({"type": "task_done", "task": i, "words": len(words)})
        emit({"type": "progress", "fraction": (i + 1) / len(tasks), "eta_s": None,
              "text": f"Stretch {i + 1} of {len(tasks)}"})
