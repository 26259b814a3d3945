"""Recording a session: takes on the session's media timeline, kept in step with the database.

Each start or resume opens a new *take*: its own WAV file and ``recordings`` row at
``offset_ms`` on the session timeline. A start goes at the end of the session's last recording;
a resume goes where the pause ended, so a pause is a gap on the timeline as long as the pause
was (the player skips it, and time in a section keeps counting as the facilitator saw it).
Markers made during a pause point into the gap, at the moment they were made. A transcription
job transcribes every recording of a session and adds its ``offset_ms``.

A take's row has status ``recording`` while it is written (with a locked journal beside the
file, see ``wavjournal``), ``complete`` once it is closed, and ``recovered`` if focusdesk had to
repair it after a crash (``recovery.py``).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from focusdesk.audio.capture import Capture, InputDevice, TakeResult
from focusdesk.audio.media import unique_target
from focusdesk.audio.probe import sha256_file
from focusdesk.audio.wavjournal import Journal, JournalLock
from focusdesk.core.model import Recording
from focusdesk.store import transcripts
from focusdesk.store.tx import now_iso
from focusdesk.store.workspace import Workspace

log = logging.getLogger(__name__)


def session_end_ms(ws: Workspace, session_id: int) -> int:
    """Where the next take goes: the end of the session's last recording."""
    return max((r.offset_ms + r.duration_ms for r in transcripts.list_recordings(ws.db, session_id)),
               default=0)


class TakeListener(Protocol):
    """Told on the control thread when a take opens and closes (the live transcriber's parent
    side); never from the audio or writer thread, so it cannot hold up the audio path."""

    def add_take(self, rec: Recording) -> None: ...

    def take_closed(self, rec: Recording | None, recording_id: int | None = None) -> None: ...


@dataclass
class _Take:
    recording: Recording
    path: Path
    journal: JournalLock


class SessionRecorder:
    """Start, pause, resume and stop a session's recording; ``position_ms`` is "now" for markers."""

    def __init__(self, ws: Workspace, session_id: int, device: InputDevice, rate: int = 48000,
                 channels: int = 1, **capture_options):
        self.ws, self.session_id = ws, session_id
        self.capture = Capture(device, rate, channels, **capture_options)
        self.takes: list[Recording] = []
        self.state = "idle"  # idle | recording | paused | stopped
        self._take: _Take | None = None
        self._reported_error = False
        self._paused_at: float | None = None  # monotonic clock when the pause began
        self._pause_from_ms = 0  # where the pause begins on the session timeline
        self.listener: TakeListener | None = None  # e.g. the live transcript

    @property
    def rate(self) -> int:
        return self.capture.rate

    @property
    def channels(self) -> int:
        return self.capture.channels

    @property
    def error(self) -> str | None:
        return self.capture.error

    def position_ms(self) -> int:
        """The session media time of "now": what a marker made at this moment points at."""
        if self._take is not None:
            return self._take.recording.offset_ms + self.capture.take_frames * 1000 // self.rate
        if self.state == "paused" and self._paused_at is not None:
            return self._pause_from_ms + self.paused_ms()
        return session_end_ms(self.ws, self.session_id)

    def paused_ms(self) -> int:
        """How long the current pause has lasted (0 when not paused)."""
        if self.state != "paused" or self._paused_at is None:
            return 0
        return int((time.monotonic() - self._paused_at) * 1000)

    def recorded_ms(self) -> int:
        """Audio recorded in this run, all takes together (the elapsed-time display)."""
        done = sum(t.duration_ms for t in self.takes)
        if self._take is not None:
            done += self.capture.take_frames * 1000 // self.rate
        return done

    # --- control -----------------------------------------------------------------------------

    def start(self) -> Recording:
        if self.state != "idle":
            raise RuntimeError("This recorder has already been started.")
        take = self._new_take()
        try:
            self.capture.start(take.path)
        except BaseException:
            self._abandon(take)
            raise
        self._take, self.state = take, "recording"
        self._opened(take)
        return take.recording

    def pause(self) -> Recording | None:
        if self.state != "recording":
            return None
        rec = self._close_take(self.capture.pause())
        self._paused_at = time.monotonic()
        self._pause_from_ms = session_end_ms(self.ws, self.session_id)
        self.state = "paused"
        return rec

    def resume(self) -> Recording:
        if self.state != "paused":
            raise RuntimeError("Only a paused recording can be resumed.")
        if self.capture.error:
            raise RuntimeError(self.capture.error)
        take = self._new_take(offset_ms=self.position_ms())  # after the gap the pause left
        try:
            self.capture.resume(take.path)
        except BaseException:
            self._abandon(take)
            raise
        self._take, self.state, self._paused_at = take, "recording", None
        self._opened(take)
        return take.recording

    def stop(self) -> list[Recording]:
        """Stop and close the last take; returns every take of this run."""
        if self.state in ("idle", "stopped"):
            self.state = "stopped"
            return self.takes
        result = self.capture.stop()
        if self._take is not None:
            self._close_take(result)
        self.state = "stopped"
        return self.takes

    def poll(self) -> str | None:
        """Call regularly: after a failure (full disk, device gone) this stops the recording,
        keeping what was written, and returns the message once."""
        take = self._take
        if take is not None:
            dropped = self.capture.take_dropped_blocks
            if dropped != take.journal.journal.dropped_blocks:
                take.journal.write(dropped_blocks=dropped)
        if self.capture.error and not self._reported_error and self.state in ("recording", "paused"):
            self._reported_error = True
            self.stop()
            return self.capture.error
        return None

    # --- takes -------------------------------------------------------------------------------

    def _new_take(self, offset_ms: int | None = None) -> _Take:
        folder = self.ws.session_dir(self.session_id)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = unique_target(folder, f"recording-{stamp}.wav")
        end = session_end_ms(self.ws, self.session_id)
        offset = end if offset_ms is None else max(end, int(offset_ms))
        journal = JournalLock(path, Journal(session_id=self.session_id, rate=self.rate,
                                            channels=self.channels, offset_ms=offset,
                                            started_at=now_iso(), pid=os.getpid()))
        rec = Recording(session_id=self.session_id, path=self.ws.relative(path), duration_ms=0,
                        sample_rate=self.rate, channels=self.channels, offset_ms=offset,
                        status="recording")
        try:
            transcripts.add_recording(self.ws.db, rec)
            journal.write(recording_id=rec.id)
        except BaseException:
            journal.finish()
            raise
        return _Take(rec, path, journal)

    def _opened(self, take: _Take) -> None:
        if self.listener is not None:
            self.listener.add_take(take.recording)

    def _abandon(self, take: _Take) -> None:
        self.ws.db["recordings"].delete(take.recording.id)
        take.path.unlink(missing_ok=True)
        take.journal.finish()

    def _close_take(self, result: TakeResult | None) -> Recording | None:
        take, self._take = self._take, None
        if take is None:
            return None
        rec = take.recording
        frames = result.frames if result is not None else 0
        if frames == 0:
            self._abandon(take)
            if self.listener is not None:
                self.listener.take_closed(None, rec.id)
            return None
        rec.duration_ms = frames * 1000 // self.rate
        rec.dropped_blocks = result.dropped_blocks
        rec.sha256 = sha256_file(take.path)
        rec.status = "complete"
        transcripts.update_recording(self.ws.db, rec)
        take.journal.finish()
        self.takes.append(rec)
        if self.listener is not None:
            self.listener.take_closed(rec)
        log.info("take closed: %s ms, %s dropped blocks", rec.duration_ms, rec.dropped_blocks)
        return rec
