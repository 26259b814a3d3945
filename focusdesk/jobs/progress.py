"""A terminal progress bar for a job's Progress events (a redrawn line on a terminal, sparse lines
otherwise): the CLI's view of the same events the window's jobs panel shows."""

from __future__ import annotations

import sys
import time

from focusdesk.core.timefmt import format_ms
from focusdesk.jobs.session_job import Progress


def format_eta(eta_s: float | None) -> str:
    if eta_s is None:
        return "ETA --:--"
    return "ETA " + format_ms(int(eta_s * 1000))[3:] if eta_s < 3600 else "ETA " + format_ms(int(eta_s * 1000))


class ProgressBar:
    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.width = width
        self._last_pct = -100
        self._last_t = 0.0
        self.drawn = False

    def update(self, fraction: float, eta_s: float | None, text: str) -> None:
        pct = int(round(max(0.0, min(1.0, fraction)) * 100))
        if self.tty:
            now = time.monotonic()
            if now - self._last_t < 0.1 and pct < 100:
                return
            self._last_t = now
            filled = int(self.width * pct / 100)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {pct:3d}%  {format_eta(eta_s)}  {text}\x1b[K")
            self.drawn = True
        elif pct >= self._last_pct + 10 or (pct == 100 and self._last_pct < 100):
            self._last_pct = pct
            self.stream.write(f"{pct:3d}%  {format_eta(eta_s)}  {text}\n")
        self.stream.flush()

    def show(self, progress: Progress) -> None:
        self.update(progress.fraction, progress.eta_s, progress.text)

    def message(self, message: dict) -> None:
        """For a job run without a SessionJob (transcribe-file): its progress messages."""
        progress = Progress.from_message(message)
        if progress is not None:
            self.show(progress)

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
