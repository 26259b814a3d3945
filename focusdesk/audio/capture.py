"""Audio capture with sounddevice: the callback copies, a writer thread writes.

The PortAudio callback does nothing but copy the block into a queue and count frames; it never
touches the disk, numpy maths or the database, so a slow disk or a busy window cannot make it
miss a deadline. A writer thread takes blocks off the queue, feeds the level meters and appends
them to a ``GrowingWav`` that is made durable about once a second.

Failures never lose what was written: a full disk (or less than ``min_free_bytes`` left), a write
error, or a device that goes away (unplugged, sound server killed: PortAudio ends the stream, or
no blocks arrive for ``stall_seconds``) stop the capture, keep the file valid up to the last
block, and leave a message in ``error`` for the caller to show.

sounddevice is imported lazily: PortAudio lists devices once, when it is first imported, so tests
start their sound server before the first call here (``refresh_devices()`` lists them again).
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from focusdesk.audio.levels import LevelMeter
from focusdesk.audio.wavjournal import DISK_FULL_ERRNOS, GrowingWav

log = logging.getLogger(__name__)

DEFAULT_RATE = 48000
QUEUE_SECONDS = 120  # blocks the writer may fall behind by before blocks are dropped
# The input buffer PortAudio asks the sound system for, in seconds. The callback runs Python, so
# it needs the GIL, and a busy window thread can keep it waiting; the buffer is how far it may fall
# behind before audio is lost. Measured with bench/record.py on the PulseAudio ALSA plugin: 0.25 s
# gives a steady block every 100 ms and no loss with the main thread busy, or holding the GIL for
# 300 ms at a time ("high" is about 35 ms, below one 100 ms block on a bare ALSA device);
# 0.5 s and more make the plugin deliver in bursts of up to 0.4 s, so the meters and "now" for
# markers jump. PulseAudio buffers about 2 s more on its side; beyond that audio is lost silently,
# which Capture._check_gaps counts.
INPUT_LATENCY_S = 0.25
GAP_WINDOW_S = 3.0  # see Capture._check_gaps
GAP_TOLERANCE_S = 0.3


class NoInputDevice(RuntimeError):
    """No usable input device: the message says what to check."""


class CaptureError(RuntimeError):
    """The stream could not be opened or failed; the message says what happened."""


def _sd():
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise NoInputDevice(
            "Audio capture is not available: the PortAudio library is missing "
            "(install libportaudio2).") from exc
    return sounddevice


@dataclass
class InputDevice:
    index: int
    name: str
    hostapi: str
    channels: int
    default_rate: int
    is_default: bool = False
    pulse_source: str | None = None  # a PulseAudio source reached through PortAudio's "pulse"
    description: str = ""

    @property
    def label(self) -> str:
        if self.pulse_source:
            return f"{self.description or self.name} (PulseAudio source {self.name}, {self.channels} ch)"
        return f"{self.name} ({self.hostapi}, {self.channels} ch)"


def list_input_devices() -> list[InputDevice]:
    sd = _sd()
    try:
        default_in = sd.default.device[0]
        devices = sd.query_devices()
        apis = sd.query_hostapis()
    except sd.PortAudioError:
        return []
    out = []
    for index, dev in enumerate(devices):
        if dev["max_input_channels"] > 0:
            out.append(InputDevice(index=index, name=dev["name"],
                                   hostapi=apis[dev["hostapi"]]["name"],
                                   channels=int(dev["max_input_channels"]),
                                   default_rate=int(dev["default_samplerate"]),
                                   is_default=index == default_in))
    pulse = next((d for d in out if d.name == "pulse"), None)
    if pulse is not None:
        out += [InputDevice(index=pulse.index, name=name, hostapi="PulseAudio", channels=ch,
                            default_rate=rate, pulse_source=name, description=desc)
                for name, desc, ch, rate in pulse_sources()]
    return out


def pulse_sources() -> list[tuple[str, str, int, int]]:
    """PulseAudio (or PipeWire) sources as ``(name, description, channels, rate)``.

    PortAudio sees the sound server as one device, "pulse", which records from the default
    source. A telephone call is often only reachable on another source, above all the *monitor*
    of the output the call plays on, so these are listed as inputs of their own; recording from
    one opens "pulse" with ``PULSE_SOURCE`` naming it. Empty when there is no server or pactl.
    """
    env = dict(os.environ, LC_ALL="C")
    try:
        out = subprocess.run(["pactl", "list", "sources"], capture_output=True, text=True,
                             timeout=5, env=env)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    found, current = [], {}
    for line in out.stdout.splitlines() + ["Source #end"]:
        text = line.strip()
        if line.startswith("Source #"):
            if current.get("name"):
                found.append((current["name"], current.get("desc", ""), current.get("ch", 2),
                              current.get("rate", DEFAULT_RATE)))
            current = {}
        elif text.startswith("Name: "):
            current["name"] = text[6:].strip()
        elif text.startswith("Description: "):
            current["desc"] = text[13:].strip()
        elif text.startswith("Sample Specification: "):
            spec = text.split()
            for part in spec:
                if part.endswith("ch") and part[:-2].isdigit():
                    current["ch"] = int(part[:-2])
                elif part.endswith("Hz") and part[:-2].isdigit():
                    current["rate"] = int(part[:-2])
    return found


def refresh_devices() -> None:
    """Ask PortAudio to list devices again (a microphone was plugged in, a server started)."""
    sd = _sd()
    sd._terminate()
    sd._initialize()


NO_DEVICE_HELP = ("Connect a microphone (or route the call to an input), check that the sound "
                  "system is running, then try again; 'focusdesk devices' shows what is there.")


def resolve_device(spec: str | int | None) -> InputDevice:
    """A device by index, by (part of) its name, or the system default input."""
    devices = list_input_devices()
    if not devices:
        raise NoInputDevice(f"No audio input device was found. {NO_DEVICE_HELP}")
    if spec is None or str(spec).strip() == "":
        return next((d for d in devices if d.is_default), devices[0])
    text = str(spec).strip()
    if text.isdigit():
        match = [d for d in devices if d.index == int(text)]
    else:
        match = [d for d in devices if d.name == text] or \
                [d for d in devices if text.casefold() in d.name.casefold()]
    if not match:
        known = "; ".join(f"{d.index}: {d.name}" for d in devices)
        raise NoInputDevice(f"There is no input device {text!r}. Inputs: {known}.")
    return match[0]


@dataclass
class TakeResult:
    """One continuous stretch of audio written to one file."""

    path: Path | None
    frames: int
    rate: int
    channels: int
    dropped_blocks: int

    @property
    def duration_ms(self) -> int:
        return self.frames * 1000 // self.rate


class _Cmd:
    def __init__(self, name: str, wav: GrowingWav | None = None):
        self.name, self.wav = name, wav
        self.done = threading.Event()
        self.result: TakeResult | None = None


class Capture:
    """One input stream, written take by take (a pause closes a take; resume opens the next)."""

    def __init__(self, device: InputDevice, rate: int = DEFAULT_RATE, channels: int = 1, *,
                 blocksize: int | None = None, sync_interval: float = 1.0,
                 min_free_bytes: int = 32 * 1024 * 1024, stall_seconds: float = 4.0,
                 latency: float | str = INPUT_LATENCY_S):
        if channels < 1 or channels > device.channels:
            raise CaptureError(f"{device.name} has {device.channels} input channel(s); "
                               f"{channels} were asked for.")
        self.device, self.rate, self.channels = device, int(rate), int(channels)
        self.blocksize = blocksize or self.rate // 10
        self.sync_interval, self.min_free_bytes = sync_interval, min_free_bytes
        self.stall_seconds = stall_seconds
        self.latency = latency  # seconds, or PortAudio's "low"/"high"
        self.levels = LevelMeter(self.channels)
        self.error: str | None = None
        self.error_kind: str | None = None  # disk-full | device-gone | write-error
        self._queue: queue.Queue = queue.Queue(maxsize=max(8, QUEUE_SECONDS * self.rate // self.blocksize))
        self._lock = threading.Lock()
        self._paused = True
        self._abort = False
        self._stopping = False
        self._captured = 0  # frames of the current take, counted in the callback
        self._overflows = 0
        self._queue_drops = 0
        self._gap_blocks = 0
        self._take_dropped_base = 0
        self._first_cb: float | None = None  # monotonic time of the first callback
        self._last_cb = 0.0
        self._delivered = 0  # frames delivered since the first callback, paused or not
        self._window_start, self._window_min, self._baseline = 0.0, float("inf"), float("inf")
        self._wav: GrowingWav | None = None
        self._stream = None
        self._writer: threading.Thread | None = None
        self.audio_thread_id: int | None = None  # native id, for the benchmark's CPU breakdown

    # --- what the caller reads ---------------------------------------------------------------

    @property
    def take_frames(self) -> int:
        """Frames of the current take so far (what a marker made now points at)."""
        return self._captured

    @property
    def dropped_blocks(self) -> int:
        """Blocks lost: PortAudio overflows, a full queue, and gaps the sound system left."""
        return self._overflows + self._queue_drops + self._gap_blocks

    @property
    def first_block_at(self) -> float | None:
        """``time.monotonic()`` of the first block from the device (None before it)."""
        return self._first_cb

    @property
    def take_dropped_blocks(self) -> int:
        return self.dropped_blocks - self._take_dropped_base

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def active(self) -> bool:
        return self._stream is not None and not self._stopping

    # --- the audio thread --------------------------------------------------------------------

    def _callback(self, indata, frames, time_info, status) -> None:
        now = time.monotonic()
        if status.input_overflow:
            self._overflows += 1
        if self._first_cb is None:
            self._first_cb, self._delivered = now, -frames  # count from the end of this block
            self._window_start = now
            self.audio_thread_id = threading.get_native_id()
        self._delivered += frames
        self._last_cb = now  # after _delivered: the writer reads them in the other order
        if self._abort:
            raise self._sd.CallbackAbort
        with self._lock:
            if self._paused:
                return
            try:
                self._queue.put_nowait(indata.copy())
            except queue.Full:
                self._queue_drops += 1
                return
            self._captured += frames

    def _finished(self) -> None:
        if not self._stopping and self.error is None:
            self._fail("device-gone", "The input device stopped delivering audio (it was unplugged, "
                       "or the sound system stopped).")

    # --- the writer thread -------------------------------------------------------------------

    def _fail(self, kind: str, message: str) -> None:
        if self.error is None:
            self.error_kind, self.error = kind, message
            log.warning("capture stopped: %s", kind)
        self._abort = True

    def _check_gaps(self, now: float) -> None:
        """Count audio the sound system lost without saying so, from the clock.

        A sound server (PulseAudio, PipeWire) that overruns while the callback is held up drops
        audio, and PortAudio reports no overflow. The writer compares the frames delivered with
        the time since the first callback. Delivery comes in bursts as long as the buffer, so
        the smallest shortfall seen over a few seconds is what counts, against the smallest
        ever seen; more than ``GAP_TOLERANCE_S`` beyond it is counted as dropped blocks. (A sound
        card's clock drifts from the computer's by tens of parts per million: less than that
        tolerance over hours.)
        """
        if self._first_cb is None:
            return
        last = self._last_cb
        delivered = self._delivered  # read after _last_cb: never newer time with older frames
        deficit = (last - self._first_cb) * self.rate - delivered
        self._window_min = min(self._window_min, deficit)
        if now - self._window_start < GAP_WINDOW_S:
            return
        self._baseline = min(self._baseline, self._window_min)
        lost = self._window_min - self._baseline - self._gap_blocks * self.blocksize
        if lost > GAP_TOLERANCE_S * self.rate:
            self._gap_blocks += int(lost // self.blocksize)
            log.warning("the sound system lost about %.1f s of audio", lost / self.rate)
        self._window_start, self._window_min = now, float("inf")

    @property
    def writer_thread_id(self) -> int | None:
        """Native id of the writer thread (the benchmark reads its CPU time from /proc)."""
        return self._writer.native_id if self._writer is not None else None

    def _write_loop(self) -> None:
        last_sync = last_block = last_space = time.monotonic()
        while True:
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                item = None
            now = time.monotonic()
            if isinstance(item, _Cmd):
                self._run_command(item)
                if item.name == "stop":
                    return
                last_block = now
                continue
            if item is not None:
                last_block = now
                self.levels.add(item)
                self._append(item)
            elif not self._paused and not self._stopping and now - last_block > self.stall_seconds:
                self._fail("device-gone", f"No audio arrived from {self.device.name} for "
                           f"{self.stall_seconds:.0f} seconds (was it unplugged?).")
            self._check_gaps(now)
            if self._wav is not None and now - last_sync >= self.sync_interval:
                last_sync = now
                self._sync()
            if self._wav is not None and now - last_space >= 2.0:
                last_space = now
                self._check_space()

    def _append(self, block) -> None:
        if self._wav is None or self._abort:
            return
        try:
            self._wav.append(memoryview(block).cast("B"))
        except OSError as exc:
            self._disk_error(exc)

    def _sync(self) -> None:
        try:
            self._wav.sync()
        except OSError as exc:
            self._disk_error(exc)

    def _disk_error(self, exc: OSError) -> None:
        if exc.errno in DISK_FULL_ERRNOS:
            self._fail("disk-full", "The disk is full: recording stopped. Everything up to this "
                       "moment is saved. Free some space before recording again.")
        else:
            self._fail("write-error", f"Writing the recording failed ({exc.strerror or exc}); "
                       "recording stopped. Everything written so far is saved.")

    def _check_space(self) -> None:
        try:
            free = shutil.disk_usage(self._wav.path.parent).free
        except OSError:
            return
        if free < self.min_free_bytes:
            self._fail("disk-full", f"The disk is almost full ({free // 1_000_000} MB left): "
                       "recording stopped so the study database keeps room to save. Everything "
                       "up to this moment is saved.")

    def _run_command(self, cmd: _Cmd) -> None:
        try:
            if cmd.name == "open":
                self._wav = cmd.wav
            elif cmd.name in ("close", "stop") and self._wav is not None:
                wav, self._wav = self._wav, None
                try:
                    wav.close()
                except OSError as exc:
                    self._disk_error(exc)
                cmd.result = TakeResult(wav.path, wav.frames, self.rate, self.channels, 0)
        finally:
            cmd.done.set()

    def _send(self, cmd: _Cmd, timeout: float = 30.0) -> _Cmd:
        self._queue.put(cmd)
        if not cmd.done.wait(timeout):
            raise CaptureError("The recording writer did not answer; the file so far is kept.")
        return cmd

    # --- control (one thread: the window's, or the CLI's) ------------------------------------

    def start(self, path: Path | None) -> None:
        """Open the stream and start the first take (``path=None``: levels only, no file)."""
        sd = self._sd = _sd()
        self._writer = threading.Thread(target=self._write_loop, name="focusdesk-writer", daemon=True)
        self._writer.start()
        try:
            with _pulse_source(self.device.pulse_source):
                self._stream = sd.InputStream(
                    samplerate=self.rate, channels=self.channels, dtype="int16",
                    device=self.device.index, blocksize=self.blocksize, latency=self.latency,
                    callback=self._callback, finished_callback=self._finished)
        except (sd.PortAudioError, ValueError) as exc:
            self._send(_Cmd("stop"))
            raise CaptureError(f"Cannot open {self.device.name} at {self.rate} Hz with "
                               f"{self.channels} channel(s): {exc}. {NO_DEVICE_HELP}") from exc
        self.resume(path)
        try:
            self._stream.start()
        except sd.PortAudioError as exc:
            self._stopping = True
            self._stream.close()
            self._send(_Cmd("stop"))
            raise CaptureError(f"Cannot start {self.device.name}: {exc}. {NO_DEVICE_HELP}") from exc

    def resume(self, path: Path | None) -> None:
        wav = GrowingWav(path, self.rate, self.channels) if path is not None else None
        self._send(_Cmd("open", wav))
        with self._lock:
            self._captured = 0
            self._take_dropped_base = self.dropped_blocks
            self._paused = False

    def pause(self) -> TakeResult | None:
        """Close the current take (its file is complete and valid); the stream keeps running."""
        with self._lock:
            if self._paused:
                return None
            self._paused = True
            cmd = _Cmd("close")
            self._queue.put(cmd)
        if not cmd.done.wait(30.0):
            raise CaptureError("The recording writer did not answer; the file so far is kept.")
        return self._take_result(cmd)

    def _take_result(self, cmd: _Cmd) -> TakeResult | None:
        if cmd.result is not None:
            cmd.result.dropped_blocks = self.dropped_blocks - self._take_dropped_base
        return cmd.result

    def stop(self) -> TakeResult | None:
        """Stop the stream and close the last take. Safe to call after a failure."""
        if self._stream is None:
            return None
        self._stopping = True
        with self._lock:
            self._paused = True
        try:
            self._stream.stop()
        except Exception as exc:  # noqa: BLE001 (a dead device may fail to stop; the file is fine)
            log.info("stream stop: %s", exc)
        try:
            self._stream.close()
        except Exception as exc:  # noqa: BLE001
            log.info("stream close: %s", exc)
        self._stream = None
        cmd = self._send(_Cmd("stop"))
        self._writer.join(5)
        return self._take_result(cmd)


_ENV_LOCK = threading.Lock()


@contextmanager
def _pulse_source(name: str | None):
    """``PULSE_SOURCE`` set while a stream opens: the sound client reads it when it connects."""
    if not name:
        yield
        return
    with _ENV_LOCK:
        saved = os.environ.get("PULSE_SOURCE")
        os.environ["PULSE_SOURCE"] = name
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("PULSE_SOURCE", None)
            else:
                os.environ["PULSE_SOURCE"] = saved


def bytes_per_second(rate: int, channels: int) -> int:
    return rate * channels * 2


def minutes_left(folder: Path, rate: int, channels: int) -> tuple[int, float]:
    """Free bytes where the recording goes, and how many minutes of audio that allows."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return 0, 0.0
        raise
    return free, free / bytes_per_second(rate, channels) / 60
