"""Playback of a session's timeline with QMediaPlayer + QAudioOutput.

A session may hold several recordings one after another (``Recording.offset_ms``); this maps the
session's time onto the right file, moves on at the end of a file, and reports position on a
fixed notify interval (a QTimer while playing) so follow mode costs a known, small amount.
Transcriber conveniences live here: rewind a little on resume, step back/forward, slower/faster
with pitch kept where Qt supports it, play a range.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

from focusdesk.store.protect.sealed import is_sealed
from focusdesk.ui.transcript.sealed_device import SealedDevice

NOTIFY_MS = 50
NO_OUTPUT = ("No sound output device: connect speakers or headphones (or choose one in the system's "
             "sound settings) to hear the recording.")
NO_AUDIO = "No audio in this session: import its recording (File ▸ Import ▸ Audio) to listen."


def has_output_device() -> bool:
    """Whether the system offers somewhere to play sound (none on a server or a muted VM)."""
    return bool(QMediaDevices.audioOutputs())
RATES = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0]


def _prime_notify_overrides(*objects: QObject) -> None:
    """Let PySide learn on this thread that we do not override connectNotify/disconnectNotify.

    Qt's FFmpeg backend connects its renderer (living on a media thread) to the player's and the
    audio output's signals and destroys it there on stop. Destroying calls the sender's virtual
    disconnectNotify with Qt's connection lock held; for an object made in Python, PySide then takes
    the GIL to look for a Python override, unless an earlier call cached that there is none. When
    the window thread holds the GIL and waits for that same lock (closing a widget), both wait
    forever: a real hang seen under load on PySide6 6.11.3. One connect/disconnect here fills the
    cache, so the media thread never needs the GIL for it.
    """
    def noop(*_args) -> None:
        return None

    for obj in objects:
        obj.objectNameChanged.connect(noop)
        obj.objectNameChanged.disconnect(noop)


@dataclass
class Track:
    path: Path
    offset_ms: int
    duration_ms: int


class SessionPlayer(QObject):
    position_changed = Signal(int)  # session ms
    playing_changed = Signal(bool)
    rate_changed = Signal(float)
    error = Signal(str)

    def __init__(self, tracks: list[Track], parent=None):
        super().__init__(parent)
        self.tracks = sorted(tracks, key=lambda t: t.offset_ms)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        _prime_notify_overrides(self.player, self.audio)
        self.rewind_ms = 1000
        self._track: int | None = None
        self._pending: int | None = None  # file position to apply once media is loaded
        self._virtual = 0  # session position when no media is loaded
        self._stop_at: int | None = None
        self._want_play = False
        self._rate = 1.0
        self._device: SealedDevice | None = None
        self._last_emitted = -1
        self.timer = QTimer(self)
        self.timer.setInterval(NOTIFY_MS)
        self.timer.timeout.connect(self._tick)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(lambda _e, msg: self.error.emit(msg))
        # Slower/faster keeps the pitch where the backend can (Qt >= 6.10, FFmpeg backend).
        self.pitch_kept = False
        if hasattr(self.player, "pitchCompensationAvailability"):
            avail = self.player.pitchCompensationAvailability()
            if avail != QMediaPlayer.PitchCompensationAvailability.Unavailable:
                self.player.setPitchCompensation(True)
                self.pitch_kept = bool(self.player.pitchCompensation())

    # --- state -----------------------------------------------------------------------------

    @property
    def has_media(self) -> bool:
        return bool(self.tracks)

    @property
    def duration_ms(self) -> int:
        return max((t.offset_ms + t.duration_ms for t in self.tracks), default=0)

    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def position(self) -> int:
        if self._track is None:
            return self._virtual
        local = self._pending if self._pending is not None else self.player.position()
        return self.tracks[self._track].offset_ms + int(local)

    def rate(self) -> float:
        return self._rate

    # --- commands --------------------------------------------------------------------------

    def _track_for(self, ms: int) -> int | None:
        if not self.tracks:
            return None
        for i in range(len(self.tracks) - 1, -1, -1):
            if ms >= self.tracks[i].offset_ms:
                return i
        return 0

    def set_position(self, ms: int) -> None:
        ms = max(0, min(int(ms), self.duration_ms or int(ms)))
        index = self._track_for(ms)
        if index is None:
            self._virtual = ms
            self._emit(force=True)
            return
        track = self.tracks[index]
        local = max(0, ms - track.offset_ms)
        if index != self._track:
            self._track = index
            self._pending = local
            self._load(track.path)
        elif self.player.mediaStatus() in (QMediaPlayer.MediaStatus.LoadingMedia,
                                           QMediaPlayer.MediaStatus.NoMedia):
            self._pending = local
        else:
            self._pending = None
            self.player.setPosition(local)
        self._emit(force=True)

    def play(self, rewind: bool = True) -> None:
        if not self.tracks:
            self.error.emit(NO_AUDIO)
            return
        if not has_output_device():
            self.error.emit(NO_OUTPUT)  # the playhead still moves, so the transcript can follow
        if self._track is None:
            self.set_position(self._virtual)
        elif rewind and self.rewind_ms:
            self.set_position(max(0, self.position() - self.rewind_ms))
        self._want_play = True
        if self._pending is None:
            self.player.play()
        self.timer.start()

    def pause(self) -> None:
        self._want_play = False
        self._stop_at = None
        # Only a playing player is paused: with Qt 6.12's FFmpeg backend, pause() on a stopped
        # player followed by stop() deadlocks (seen closing an editor after shutdown()).
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        self.timer.stop()
        self._emit(force=True)

    def toggle(self) -> None:
        if self.is_playing() or self._want_play:
            self.pause()
        else:
            self.play()

    def step(self, delta_ms: int) -> None:
        self.set_position(max(0, self.position() + delta_ms))

    def play_range(self, start_ms: int, end_ms: int) -> None:
        self.set_position(start_ms)
        self._stop_at = end_ms
        self.play(rewind=False)

    def set_rate(self, rate: float) -> None:
        self._rate = max(RATES[0], min(RATES[-1], rate))
        self.player.setPlaybackRate(self._rate)
        self.rate_changed.emit(self._rate)

    def slower(self) -> None:
        self.set_rate(max([r for r in RATES if r < self._rate - 1e-6], default=RATES[0]))

    def faster(self) -> None:
        self.set_rate(min([r for r in RATES if r > self._rate + 1e-6], default=RATES[-1]))

    def set_tracks(self, tracks: list[Track]) -> None:
        """The session's recordings changed (audio imported while the editor is open): play
        those from now on, at the same session time."""
        position = self.position()
        self.stop()
        self.tracks = sorted(tracks, key=lambda t: t.offset_ms)
        self._track, self._pending, self._virtual = None, None, position
        self.set_position(position)

    def _load(self, path: Path) -> None:
        """A plain file by its URL; a protected study's sealed file through a decrypting
        QIODevice (no plaintext copy on disk)."""
        previous, self._device = self._device, None
        if is_sealed(path):
            self._device = SealedDevice(Path(path), self)
            self.player.setSourceDevice(self._device, QUrl.fromLocalFile(str(path)))
        else:
            self.player.setSource(QUrl.fromLocalFile(str(path)))
        if previous is not None:
            previous.close()
            previous.deleteLater()

    def stop(self) -> None:
        self.pause()
        if self.player.playbackState() != QMediaPlayer.PlaybackState.StoppedState:
            self.player.stop()

    # --- internals -------------------------------------------------------------------------

    def _emit(self, force: bool = False) -> None:
        pos = self.position()
        if force or pos != self._last_emitted:
            self._last_emitted = pos
            self.position_changed.emit(pos)

    def _tick(self) -> None:
        pos = self.position()
        if self._stop_at is not None and pos >= self._stop_at:
            self.pause()
            return
        self._emit()

    def _on_status(self, status) -> None:
        if status in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia):
            if self._pending is not None:
                pending, self._pending = self._pending, None
                self.player.setPosition(pending)
                if self._want_play:
                    self.player.play()
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            if self._track is not None and self._track + 1 < len(self.tracks) and self._want_play:
                nxt = self.tracks[self._track + 1]
                self.set_position(nxt.offset_ms)
            else:
                self._want_play = False
                self.timer.stop()
                self._emit(force=True)
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self.error.emit(f"Cannot play {self.tracks[self._track].path.name if self._track is not None else 'media'}.")

    def _on_state(self, _state) -> None:
        self.playing_changed.emit(self.is_playing())
