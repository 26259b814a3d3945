"""The transcription worker that runs in the job runner's child process.

params: ``{"settings": Settings.to_dict(), "tasks": [{"path", "channel", "start_s",
"duration_s"}, ...]}``. One model load serves every task (recordings and channels of a session).
Messages (times in seconds of the task's file):

- ``{"type": "engine", "engine", "model", "model_path", "device", ...}`` once the model is loaded;
- ``{"type": "task", "task": i, "start_s"}`` when task i begins;
- ``{"type": "language", "task": i, "language"}``;
- ``{"type": "segment", "task": i, "start", "end", "text", "words": [[start, end, text, prob]],
  "avg_logprob", "no_speech_prob"}``;
- ``{"type": "speech", "task": i, "regions": [[start, end], ...]}``: a window's detected speech
  (no padding), before its words;
- ``{"type": "progress", "fraction", "eta_s", "text"}``;
- ``{"type": "task_done", "task": i, "end_s", "stats": {...}}``.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict

from focusdesk.audio.probe import probe_audio
from focusdesk.core.timefmt import format_ms
from focusdesk.transcribe.engines import load_engine
from focusdesk.transcribe.pipeline import transcribe_stream
from focusdesk.transcribe.types import Settings

WORKER = "focusdesk.transcribe.job:transcribe_worker"


def transcribe_worker(params: dict, emit) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    settings = Settings.from_dict(params.get("settings") or {})
    tasks = params["tasks"]
    for task in tasks:
        if task.get("duration_s") is None:
            task["duration_s"] = probe_audio(task["path"]).duration_ms / 1000
    total = sum(max(0.0, t["duration_s"] - t.get("start_s", 0.0)) for t in tasks) or 1e-9
    emit({"type": "progress", "fraction": 0.0, "eta_s": None, "text": "Loading the model…"})
    engine = load_engine(settings)
    emit({"type": "engine", **engine.describe(), "settings": settings.to_dict()})
    began = time.monotonic()
    done_before = 0.0
    for i, task in enumerate(tasks):
        start = float(task.get("start_s", 0.0))
        duration = float(task["duration_s"])
        emit({"type": "task", "task": i, "start_s": start})
        last = [0.0]

        def position(pos: float, i=i, start=start, duration=duration, base=done_before,
                     last=last) -> None:
            pos = min(max(pos, start), duration)
            if pos - last[0] < 0.5 and pos < duration:
                return
            last[0] = pos
            done = base + pos - start
            elapsed = time.monotonic() - began
            eta = (total - done) * elapsed / done if done > 1 else None
            label = f"{i + 1}/{len(tasks)} " if len(tasks) > 1 else ""
            emit({"type": "progress", "fraction": min(1.0, done / total), "eta_s": eta,
                  "text": f"{label}{format_ms(int(pos * 1000))} of {format_ms(int(duration * 1000))}"})

        def segment(seg, i=i) -> None:
            emit({"type": "segment", "task": i, "start": seg.start, "end": seg.end, "text": seg.text,
                  "words": [[w.start, w.end, w.text, w.probability] for w in seg.words],
                  "avg_logprob": seg.avg_logprob, "no_speech_prob": seg.no_speech_prob})

        def speech(regions, i=i) -> None:
            emit({"type": "speech", "task": i, "regions": [[a, b] for a, b in regions]})

        stats = transcribe_stream(engine, task["path"], channel=task.get("channel"), start_s=start,
                                  language=settings.language, on_segment=segment,
                                  on_speech=speech, on_position=position)
        emit({"type": "language", "task": i, "language": stats.language})
        done_before += max(0.0, duration - start)
        emit({"type": "task_done", "task": i, "end_s": duration, "stats": asdict(stats)})
    emit({"type": "progress", "fraction": 1.0, "eta_s": 0.0, "text": "Done"})
