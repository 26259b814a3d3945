"""Loads the waveform strip's peaks without blocking the window or decoding in its process.

Cached peaks are read with numpy on a worker thread; files without a valid cache are decoded by
``focusdesk.audio.peaks:peaks_job`` in a child process (``run_job``), which writes the cache.
Results arrive on the GUI thread through the ``ready`` signal; closing the editor cancels the
child.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from focusdesk.audio.peaks import BUCKET_MS, cache_path, cached_peaks
from focusdesk.jobs.runner import JobCancelled, run_job

__all__ = ["BUCKET_MS", "PeaksLoader", "cache_path"]

log = logging.getLogger(__name__)
WORKER = "focusdesk.audio.peaks:peaks_job"


class PeaksLoader(QObject):
    ready = Signal(int, object)  # offset ms of the track, (n, 2) peaks

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, tracks: list[tuple[Path, int]]) -> None:
        """Peaks for ``(path, offset_ms)`` tracks, each emitted as soon as it is known."""
        self.thread = threading.Thread(target=self._work, args=(list(tracks),), name="peaks", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.cancel.set()

    def _emit(self, offset_ms: int, peaks) -> bool:
        if self.cancel.is_set():
            return False
        try:
            self.ready.emit(int(offset_ms), peaks)
        except RuntimeError:  # the editor was closed meanwhile
            return False
        return True

    def _work(self, tracks: list[tuple[Path, int]]) -> None:
        missing: dict[str, int] = {}
        for path, offset in tracks:
            try:
                peaks = cached_peaks(path)
            except OSError:
                peaks = None
            if peaks is None:
                missing[str(path)] = offset
            elif not self._emit(offset, peaks):
                return
        if not missing or self.cancel.is_set():
            return

        def on_message(msg: dict) -> None:
            path = msg.get("path")
            if msg["type"] == "peaks" and path in missing:
                peaks = msg["peaks"] if msg["peaks"] is not None else cached_peaks(path)
                if peaks is not None:
                    self._emit(missing[path], peaks)
            elif msg["type"] == "error":
                log.warning("waveform failed: %s", msg.get("error_type") or "error")  # no name or text

        try:
            run_job(WORKER, {"paths": list(missing)}, on_message, cancel=self.cancel)
        except JobCancelled:
            return
        except Exception as exc:  # a crashed child must not take the editor down
            log.warning("waveform job failed: %s", type(exc).__name__)
