"""The diarization job: runs in the child process of ``focusdesk.jobs.runner.run_job``.

``diarize_worker(params, emit)`` touches no database (the window holds the study's lock); it
emits, per recording, one ``{"type": "diarization", ...}`` message with the turns on the file's
timeline, which the parent stores (``focusdesk.diarize.service.store_message``). A recording whose
message was stored stays stored, and a run with ``resume`` leaves it out; inside one file a job
restarts rather than resumes, since diarization takes a few per cent of the audio's duration.

params: ``{"recordings": [{"id", "path", "duration_ms", "channels"}], "mode": "model" |
"channels", "num_speakers": int | None, "max_speakers": int | None, "setting": str | None}``
(``engine.SETTINGS``; None: automatic, by measured speed).
"""

from __future__ import annotations

import time
from collections.abc import Callable


def diarize_worker(params: dict, emit: Callable[[dict], None]) -> None:
    recordings = params.get("recordings") or []
    mode = params.get("mode", "model")
    total_ms = sum(max(1, int(r.get("duration_ms") or 1)) for r in recordings) or 1
    started = time.monotonic()
    done_ms = 0

    def progress(rec_fraction: float, text: str, rec_ms: int) -> None:
        fraction = min(1.0, (done_ms + rec_fraction * rec_ms) / total_ms)
        elapsed = time.monotonic() - started
        eta = elapsed / fraction * (1 - fraction) if fraction > 0.02 else None
        emit({"type": "progress", "fraction": fraction, "eta_s": eta, "text": text})

    if mode == "model" and recordings:
        emit({"type": "progress", "fraction": 0.0, "eta_s": None, "text": "Loading the voice model"})
        from focusdesk.diarize.engine import load_model

        load_model()
    for rec in recordings:
        rec_ms = max(1, int(rec.get("duration_ms") or 1))
        t0 = time.monotonic()

        def cb(f: float, text: str, rec_ms: int = rec_ms) -> None:
            progress(f, text, rec_ms)

        if mode == "channels":
            from focusdesk.diarize.channels import diarize_channels

            result = diarize_channels(rec["path"], progress=cb)
        else:
            from focusdesk.diarize.engine import diarize_file

            result = diarize_file(rec["path"], num_speakers=params.get("num_speakers"),
                                  max_speakers=params.get("max_speakers"), progress=cb,
                                  setting=params.get("setting"))
        emit({"type": "diarization", "recording_id": rec["id"], "mode": mode, "engine": result.engine,
              "duration_ms": result.duration_ms,
              "turns": [[t.start_ms, t.end_ms, t.speaker] for t in result.turns],
              "centroids": result.centroids, "settings": result.settings, "requested": params.get("num_speakers"),
              "max_speakers": params.get("max_speakers"), "elapsed_s": time.monotonic() - t0})
        done_ms += rec_ms
        progress(0.0, f"{len(result.speakers)} voice(s) found", 0)
