"""The live transcriber: a job worker that transcribes a session's takes while they are recorded.

It runs in the job runner's child process at low priority (``os.nice``, one decoding thread) and
reads each take only through :func:`focusdesk.audio.growing.read_growing`, so the audio path
shares nothing with it: no lock, no queue, no waiting. If it falls behind, the recording does not
notice; it reports how far behind it is and carries on after Stop.

Why whole windows cut at pauses, and not Whisper-Streaming's local agreement: Whisper-Streaming
(Macháček et al. 2023) decodes a growing buffer again and again and confirms a word once two
passes agree, trimming the buffer at sentence ends and prompting with the confirmed text. That
buys low latency on a GPU, but costs several decodings of every second of audio and gives a
transcript that differs from an offline one (the prompt changes what tiny.en hears; the
pipeline measured it losing whole stretches). Here a window is committed once: when the recording
has 10–30 s past the last window and the VAD finds a pause there, the audio up to the middle of
the pause is decoded by the same :class:`~focusdesk.transcribe.pipeline.WindowDecoder` as the
offline pipeline (VAD groups, loop guard, vocabulary, second chance; no prompt), so the live
transcript is what the offline pipeline gives for those windows, and each second is decoded once.
While the transcriber keeps up, the unfinished tail is decoded now and then as a *provisional*
caption (shown, never stored), which keeps captions a few seconds behind speech.

params: ``{"settings", "tasks": [{"path", "start_s", "closed"}], "control": Queue, "nice",
"pace_s"}``. The parent puts ``{"op": "take", "task", "path", "start_s"}`` (a new take),
``{"op": "closed", "task"}`` (its file is complete), ``{"op": "dropped", "task"}`` (it held no
audio) and ``{"op": "stop"}`` (no more takes: finish what is there, then return) on ``control``.
Messages are the offline worker's (``engine``, ``task``, ``speech``, ``segment``, ``language``,
``task_done``, ``progress``; times in seconds of the take) plus ``{"type": "provisional",
"task", "start", "end", "text"}``, ``{"type": "position", "task", "end_s"}`` (transcribed up to
there) and ``{"type": "behind", "behind_s"}`` (audio read but not transcribed).
"""

from __future__ import annotations

import os
import queue
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from focusdesk.audio.decode import SAMPLE_RATE
from focusdesk.audio.growing import read_growing
from focusdesk.transcribe.engines import Engine, load_engine
from focusdesk.transcribe.pipeline import WindowDecoder, quiet_cut
from focusdesk.transcribe.types import Settings

LIVE_WORKER = "focusdesk.transcribe.live:live_worker"
MIN_WINDOW_S = 10.0  # a window is at least this long (Whisper needs context) ...
MAX_WINDOW_S = 30.0  # ... and at most this (one decoding input; caption latency)
PAUSE_MIN_MS = 400  # a gap in the VAD's speech at least this long is a pause to cut at
PAUSE_CONFIRM_S = 0.3  # audio after a trailing pause before it counts (speech may resume)
PAUSE_CONTEXT_S = 2.0  # audio before the earliest cut the VAD looks at
CHECK_EVERY_S = 1.0  # new audio before the buffer is searched for a pause again
READ_S = 5.0  # frames read from the take at a time
IDLE_S = 0.25  # wait for more audio
PROVISIONAL_EVERY_S = 2.0  # new tail audio before the tail is decoded again as a caption
PROVISIONAL_MAX_S = 10.0  # only the newest audio of the tail: what is being said now
PROVISIONAL_MAX_BEHIND_S = 4.0  # provisional captions only while the transcriber keeps up
NICE = 10


@dataclass
class _Take:
    """One take being read: its position, resampler and the 16-kHz audio not yet committed."""

    index: int
    path: Path
    start_s: float
    closed: bool = False
    dropped: bool = False
    announced: bool = False
    done: bool = False
    next_frame: int = -1  # -1: not opened yet
    total_frames: int = 0
    rate: int = 0
    buffer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    buffer_start: float = 0.0  # seconds of the take where ``buffer`` begins
    decoder: WindowDecoder | None = None
    resampler: object = None
    flushed: bool = False
    provisional_at: float = 0.0  # buffer end (s) when the tail was last decoded
    checked_at: float = 0.0  # buffer end (s) when it was last searched for a pause

    @property
    def buffer_end(self) -> float:
        return self.buffer_start + len(self.buffer) / SAMPLE_RATE

    @property
    def recorded_s(self) -> float:
        return self.total_frames / self.rate if self.rate else 0.0


def lower_priority() -> None:
    """Below the recorder and the window (Windows has no nice: there the single decoding thread
    is what leaves the other cores free)."""
    if hasattr(os, "nice"):
        try:
            os.nice(NICE)
        except OSError:
            pass


class _Reader:
    """Turns a take's int16 frames into 16-kHz mono float32 the way the offline decoder does
    (PyAV's resampler to planar float, then the channels' mean)."""

    def __init__(self, take: _Take):
        self.take = take

    def feed(self, final: bool) -> int:
        """Read what the file has now (up to ``READ_S``); returns frames read."""
        import av

        t = self.take
        if t.next_frame < 0:
            got = read_growing(t.path, 0, 0)
            t.rate = got.rate
            t.next_frame = int(round(t.start_s * got.rate))
            t.buffer_start = t.next_frame / got.rate
            t.resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
        got = read_growing(t.path, t.next_frame, int(READ_S * t.rate))
        t.total_frames = got.total
        n = len(got.frames)
        out: list[np.ndarray] = []
        if n:
            layout = "mono" if got.channels == 1 else "stereo" if got.channels == 2 else got.channels
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(got.frames).reshape(1, -1),
                                               format="s16", layout=layout)
            frame.sample_rate = got.rate
            frame.pts = t.next_frame
            out += [f.to_ndarray() for f in t.resampler.resample(frame)]
            t.next_frame += n
        if final and t.next_frame >= t.total_frames and not t.flushed:
            t.flushed = True
            out += [f.to_ndarray() for f in t.resampler.resample(None)]
        if out:
            t.buffer = np.concatenate([t.buffer] + [o.mean(axis=0).astype(np.float32) for o in out])
        return n


def find_cut(buffer: np.ndarray, threshold: float, final: bool) -> int | None:
    """Where to end the next window (samples), or None to wait for more audio.

    The middle of the first pause (``PAUSE_MIN_MS`` without speech, by the VAD) whose middle lies
    ``MIN_WINDOW_S`` or more into the buffer and within ``MAX_WINDOW_S``; a buffer that reaches
    ``MAX_WINDOW_S`` without one is cut at its quietest moment. A buffer with no speech at all is
    cut as soon as it is a minimum window long.
    """
    n = len(buffer)
    lo, hi = int(MIN_WINDOW_S * SAMPLE_RATE), int(MAX_WINDOW_S * SAMPLE_RATE)
    if final:
        return n if n else None
    if n < lo:
        return None
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    base = max(0, lo - int(PAUSE_CONTEXT_S * SAMPLE_RATE))  # only where a cut may fall: cheap
    chunks = [{"start": c["start"] + base, "end": c["end"] + base} for c in get_speech_timestamps(
        buffer[base:hi], VadOptions(threshold=threshold, min_silence_duration_ms=PAUSE_MIN_MS,
                                    speech_pad_ms=0), sampling_rate=SAMPLE_RATE)]
    if not chunks:
        return min(n, hi)
    confirm = int(PAUSE_CONFIRM_S * SAMPLE_RATE)
    gaps = [(a["end"], b["start"]) for a, b in zip(chunks, chunks[1:], strict=False)]
    if chunks[-1]["end"] < min(n, hi) - confirm:  # speech has stopped at the end of the buffer
        gaps.append((chunks[-1]["end"], min(n, hi)))
    for a, b in gaps:
        middle = (a + b) // 2
        if b - a >= PAUSE_MIN_MS * SAMPLE_RATE // 1000 and lo <= middle <= hi:
            return middle
    if n >= hi:
        return quiet_cut(buffer[:hi], MAX_WINDOW_S - 5.0)
    return None


def provisional_text(engine: Engine, piece: np.ndarray, settings: Settings,
                     language: str | None) -> str:
    """A quick decoding of the unfinished tail (speech only), for a caption that is replaced."""
    from focusdesk.transcribe.pipeline import _Speech

    speech = _Speech(piece, settings.vad, settings.vad_threshold)
    texts = []
    for audio, _ in speech.groups:
        if len(audio) >= SAMPLE_RATE // 2:
            _, segments = engine.transcribe(audio, language, None)
            texts += [s.text for s in segments if s.text]
    return " ".join(texts).strip()


class LiveWorker:
    """The loop of :func:`live_worker`, one object so the control messages and takes are shared."""

    def __init__(self, params: dict, emit):
        self.emit = emit
        self.settings = Settings.from_dict(params.get("settings") or {})
        self.control = params.get("control")
        self.pace_s = float(params.get("pace_s") or 0.0)  # tests: a starved transcriber
        self.takes: list[_Take] = [
            _Take(i, Path(t["path"]), float(t.get("start_s", 0.0)), closed=bool(t.get("closed")))
            for i, t in enumerate(params.get("tasks") or [])]
        self.stopping = False
        self.parent = os.getppid()
        self.engine: Engine | None = None

    def _drain(self, wait: float) -> None:
        if self.control is None:
            self.stopping = True
            return
        try:
            msg = self.control.get(timeout=wait) if wait > 0 else self.control.get_nowait()
        except queue.Empty:
            return
        while msg is not None:
            op = msg.get("op")
            if op == "take":
                while len(self.takes) <= msg["task"]:
                    self.takes.append(_Take(len(self.takes), Path(""), 0.0, dropped=True))
                self.takes[msg["task"]] = _Take(msg["task"], Path(msg["path"]),
                                                float(msg.get("start_s", 0.0)))
            elif op == "closed":
                self.takes[msg["task"]].closed = True
            elif op == "dropped":
                self.takes[msg["task"]].dropped = True
            elif op == "stop":
                self.stopping = True
            try:
                msg = self.control.get_nowait()
            except queue.Empty:
                msg = None

    def behind_s(self) -> float:
        return sum(max(0.0, t.recorded_s - t.buffer_start) for t in self.takes
                   if not (t.done or t.dropped) and t.next_frame >= 0)

    def run(self) -> None:
        lower_priority()
        self.emit({"type": "progress", "fraction": 0.0, "eta_s": None, "text": "Loading the model…"})
        self.engine = load_engine(self.settings)
        self.emit({"type": "engine", **self.engine.describe(), "settings": self.settings.to_dict(),
                   "live": True})
        last_behind = -1.0
        while True:
            self._drain(0)
            if os.getppid() != self.parent:
                return  # the window or CLI is gone; what it stored is stored
            pending = [t for t in self.takes if not (t.done or t.dropped)]
            if not pending:
                if self.stopping:
                    break
                self._drain(IDLE_S)
                continue
            # the take being recorded first (its captions are live); earlier takes not yet
            # transcribed (recovered after a crash, recorded with captions off) in its pauses
            worked = False
            for take in [t for t in pending if not t.closed] + [t for t in pending if t.closed][:1]:
                if self._step(take):
                    worked = True
                    break
            behind = self.behind_s()
            if abs(behind - last_behind) >= 1.0 or (behind < 1.0 <= last_behind):
                last_behind = behind
                self.emit({"type": "behind", "behind_s": round(behind, 1)})
            if not worked:
                self._drain(IDLE_S)
        self.emit({"type": "behind", "behind_s": 0.0})
        self.emit({"type": "progress", "fraction": 1.0, "eta_s": 0.0, "text": "Done"})

    def _step(self, take: _Take) -> bool:
        """Read, and decode one window of ``take`` if one is ready; False when there was nothing."""
        if not take.path.is_file():
            if take.closed:
                take.dropped = True
            return False
        if not take.announced:
            take.announced = True
            self.emit({"type": "task", "task": take.index, "start_s": take.start_s})
        reader = _Reader(take)
        while len(take.buffer) < (MAX_WINDOW_S + 2) * SAMPLE_RATE:
            if not reader.feed(final=take.closed):
                break
        final = take.closed and take.next_frame >= take.total_frames and take.flushed
        cut = None
        if final or take.buffer_end - take.checked_at >= CHECK_EVERY_S:
            take.checked_at = take.buffer_end
            cut = find_cut(take.buffer, self.settings.vad_threshold, final)
        if cut is None:
            return self._provisional(take)
        if take.decoder is None:
            take.decoder = WindowDecoder(self.engine, start_s=take.start_s,
                                         language=self.settings.language)
        if self.pace_s:
            time.sleep(self.pace_s)
        piece, take.buffer = take.buffer[:cut], take.buffer[cut:]
        start = take.buffer_start
        take.buffer_start += cut / SAMPLE_RATE
        if len(piece):
            take.decoder.decode(piece, start, on_segment=lambda s: self._segment(take, s),
                                on_speech=lambda r: self.emit(
                                    {"type": "speech", "task": take.index,
                                     "regions": [[a, b] for a, b in r]}))
        self.emit({"type": "position", "task": take.index, "end_s": take.buffer_start})
        if final and not len(take.buffer):
            stats = take.decoder.finish()
            take.done = True
            self.emit({"type": "language", "task": take.index, "language": stats.language})
            self.emit({"type": "task_done", "task": take.index, "end_s": take.recorded_s,
                       "stats": asdict(stats)})
        return True

    def _segment(self, take: _Take, seg) -> None:
        self.emit({"type": "segment", "task": take.index, "start": seg.start, "end": seg.end,
                   "text": seg.text, "words": [[w.start, w.end, w.text, w.probability] for w in seg.words],
                   "avg_logprob": seg.avg_logprob, "no_speech_prob": seg.no_speech_prob})

    def _provisional(self, take: _Take) -> bool:
        if take.closed or self.behind_s() - len(take.buffer) / SAMPLE_RATE > PROVISIONAL_MAX_BEHIND_S:
            return False
        if take.buffer_end - take.provisional_at < PROVISIONAL_EVERY_S:
            return False
        take.provisional_at = take.buffer_end
        language = take.decoder.stats.language if take.decoder else self.settings.language
        skip = max(0, len(take.buffer) - int(PROVISIONAL_MAX_S * SAMPLE_RATE))
        text = provisional_text(self.engine, take.buffer[skip:], self.settings, language)
        self.emit({"type": "provisional", "task": take.index,
                   "start": take.buffer_start + skip / SAMPLE_RATE, "end": take.buffer_end,
                   "text": text})
        return True


def live_worker(params: dict, emit) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    LiveWorker(params, emit).run()


SPEED_WORKER = "focusdesk.transcribe.live:speed_worker"
SPEED_SAMPLE_S = 10.0


def speed_worker(params: dict, emit) -> None:
    """How many times real time this computer decodes with the live settings (low priority, one
    thread): one Whisper input of ``SPEED_SAMPLE_S`` of quiet noise, after a warm-up. The encoder,
    which costs the same for any audio, is most of a window's cost with the small models."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    lower_priority()
    settings = Settings.from_dict(params.get("settings") or {})
    engine = load_engine(settings)
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(int(SPEED_SAMPLE_S * SAMPLE_RATE)) * 0.003).astype(np.float32)
    list(engine.transcribe(audio[:SAMPLE_RATE], "en", None)[1])  # warm-up
    began = time.perf_counter()
    list(engine.transcribe(audio, "en", None)[1])
    elapsed = max(1e-3, time.perf_counter() - began)
    emit({"type": "speed", "factor": round(SPEED_SAMPLE_S / elapsed, 1)})
