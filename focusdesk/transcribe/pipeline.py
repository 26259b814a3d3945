"""Transcribe a long file in windows, so memory stays flat however long the recording is.

Why: both engines build the whole input's spectrogram at once (a 60-minute file peaked at 3.4 GB).
Here the file is decoded block by block (focusdesk.audio.decode.stream_audio) and handed to the
engine in windows of ``Settings.window_s`` seconds, each cut at the quietest moment near its end so
no word is split. Within a window, silero VAD (the ONNX model in faster-whisper's wheel) removes
non-speech before the model sees it, which prevents text invented over silence, and its speech
regions are handed to the engine in groups of at most ``GROUP_MAX_S`` (one Whisper input each), so
no decoding runs across a pause (see _Speech); the
:class:`~focusdesk.transcribe.guards.LoopGuard` removes repetition loops.

Every window starts afresh, without a prompt: carrying the previous window's last words into the
prompt made tiny.en skip speech it took for already said (measured on 10 minutes of speech: two
thirds of the second window's words lost), and within a window the engines decode each 30-second
chunk without the text before it (see engines.py). So a loop never carries on. The study's
vocabulary corrects spellings after decoding (vocabulary.py); it is a prompt only when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from focusdesk.audio.decode import SAMPLE_RATE, stream_audio
from focusdesk.transcribe.engines import Engine
from focusdesk.transcribe.guards import LoopGuard, norm, split_long_segment
from focusdesk.transcribe.types import VAD_THRESHOLD, SegmentResult, WordResult
from focusdesk.transcribe.vocabulary import REVIEW_PROBABILITY, apply_vocabulary, build_terms

SEAM_SEARCH_S = 30.0  # look this far either side of the window's nominal end for a quiet cut
# Speech kept either side of each VAD region. faster-whisper's 400 ms clipped word edges at the
# joins; Whisper then fell back to sampling on whole segments (beam 5 on the benchmark's 3 minutes:
# 15-22 s and 11.8-17.5 % WER from run to run; with 800 ms: 11.2-12.1 s and 9.6 % every run).
VAD_PAD_MS = 800
# Speech handed to the engine at once: under Whisper's 30-s input, so the engine never seeks
# inside it (see _Speech), with room for the padding Whisper adds at the end.
GROUP_MAX_S = 28.0
RETRY_CONTEXT_S = 0.3  # audio either side of an unheard stretch decoded again (see second_chance)


@dataclass
class StreamStats:
    windows: int = 0
    speech_s: float = 0.0
    segments: int = 0
    dropped_segments: int = 0
    dropped_words: int = 0
    retried: int = 0  # segments found by decoding unheard speech again (second_chance)
    loops_detected: int = 0  # windows in which the guard removed a repetition loop
    language: str | None = None


def vocabulary_prompt(vocabulary: list[str]) -> str:
    """A short prompt that makes names and jargon come out as the study spells them."""
    terms = [t.strip() for t in vocabulary if t and t.strip()]
    return (", ".join(dict.fromkeys(terms)) + ".") if terms else ""


def quiet_cut(samples: np.ndarray, target_s: float) -> int:
    """Sample index of the quietest 300 ms within ``SEAM_SEARCH_S`` of ``target_s``."""
    frame = SAMPLE_RATE // 10
    lo = int(max(target_s - SEAM_SEARCH_S, target_s / 2) * SAMPLE_RATE) // frame
    hi = min(len(samples) // frame, int((target_s + SEAM_SEARCH_S) * SAMPLE_RATE) // frame)
    if hi - lo < 3:
        return min(len(samples), int(target_s * SAMPLE_RATE))
    region = samples[lo * frame: hi * frame].reshape(-1, frame)
    energy = np.convolve((region.astype(np.float64) ** 2).mean(axis=1), np.ones(3), mode="same")
    best = int(np.argmin(energy[1:-1])) + 1
    return (lo + best) * frame + frame // 2


class _Speech:
    """Speech-only audio of one window, in groups the engine decodes one at a time.

    Why groups: the VAD joins the window's speech end to end. When that exceeds Whisper's 30-s
    input, the engine seeks inside the joined audio at its own timestamps, and at that inner seam
    words from before a pause were decoded again inside the speech after it ("ask not to be a
    yankee what your country…" — "Yankee" was said in the call before) on some CPUs and compute
    types. Each group here is at most ``GROUP_MAX_S`` of speech, cut between VAD regions, so every
    engine call is one Whisper input and its text cannot cross a pause the VAD found.

    The VAD's threshold (``Settings.vad_threshold``, default ``VAD_THRESHOLD`` = 0.2) was chosen
    by bench/speech_coverage.py (tiny.en, int8, greedy, seed 0; issue 12), with and without the second
    chance for unheard speech (+r, ``second_chance``). Share of single-speaker AMI reference
    speech with no word within 0.2 s / trn07's quiet speaker FEE087 lost / words touching no
    reference speech / telephone-2spk WER / seam files WER, worst read-speech part (jfk and
    LibriSpeech 0 % everywhere; nothing written over silence or -60 dBFS noise):

    ======= ====== ===== ====== ====== =============
    thr     lost   quiet false  tel    seams
    0.50    16.4 % 89 %  0/426  16.0 % 10.2 %, 9.1 %   (the old setting)
    0.50+r  14.1 % 89 %  0/447  16.0 % 10.2 %, 9.1 %
    0.35    14.9 % 80 %  1/448  21.0 % 10.0 %, 0.0 %
    0.30    16.1 % 78 %  0/421  21.0 % 9.9 %, 0.0 %
    0.30+r  15.0 % 78 %  1/439  23.5 % 9.9 %, 0.0 %
    0.25    14.6 % 78 %  1/444  18.5 % 10.2 %, 0.0 %
    0.20    8.3 %  0 %   3/473  17.3 % 9.8 %, 0.0 %
    0.20+r  7.3 %  0 %   13/491 17.3 % 9.8 %, 0.0 %   (chosen)
    ======= ====== ===== ====== ====== =============

    0.2 halves the lost speech and keeps the quiet speaker, for one word more on the call. It
    sits on an edge (at 0.25 FEE087 is lost again), so a voice a little quieter can still be
    missed: the transcription stores the regions it found (``regions``) and the editor marks
    speech that got no words (focusdesk.core.speech_cover). Lower (0.15, in the prototype) lost
    more again (13 %), and levelling the audio before the VAD lost more too (13.6 %).
    """

    def __init__(self, piece: np.ndarray, vad: bool, threshold: float = VAD_THRESHOLD):
        self.groups: list[tuple[np.ndarray, object | None]] = []
        self.regions: list[tuple[float, float]] = []  # seconds in the piece, padding taken off
        if not vad:
            self.groups = [(piece, None)]
            self.seconds = len(piece) / SAMPLE_RATE
            return
        from faster_whisper.vad import SpeechTimestampsMap, VadOptions, get_speech_timestamps

        chunks = get_speech_timestamps(
            piece, VadOptions(threshold=threshold, speech_pad_ms=VAD_PAD_MS,
                              max_speech_duration_s=GROUP_MAX_S),
            sampling_rate=SAMPLE_RATE)
        self.regions = speech_regions(chunks, len(piece))
        for group in group_chunks(chunks, int(GROUP_MAX_S * SAMPLE_RATE)):
            audio = np.concatenate([piece[c["start"]:c["end"]] for c in group])
            self.groups.append((audio, SpeechTimestampsMap(group, SAMPLE_RATE)))
        self.seconds = sum(len(a) for a, _ in self.groups) / SAMPLE_RATE

    @staticmethod
    def restore(seg: SegmentResult, offset: float, m) -> SegmentResult:
        if m is None:
            return seg.shifted(offset)

        def t(x: float, end: bool = False) -> float:
            return m.get_original_time(x, is_end=end) + offset

        words = [WordResult(t(w.start), t(w.end, True), w.text, w.probability) for w in seg.words]
        return SegmentResult(t(seg.start), t(seg.end, True), seg.text, words, seg.avg_logprob,
                             seg.no_speech_prob, seg.compression_ratio)


def speech_regions(chunks: list[dict], n_samples: int) -> list[tuple[float, float]]:
    """VAD chunks (samples, padded by ``VAD_PAD_MS``) as seconds of speech, padding taken off.

    The pad comes off only where silero added it: not at the piece's edges, and not where two
    chunks meet (silero splits a pause shorter than two pads between them, so the pause there is
    unknown and short; it stays counted as speech).
    """
    pad = VAD_PAD_MS * SAMPLE_RATE // 1000
    out: list[tuple[float, float]] = []
    for i, c in enumerate(chunks):
        met_before = i > 0 and c["start"] - chunks[i - 1]["end"] <= 2
        met_after = i + 1 < len(chunks) and chunks[i + 1]["start"] - c["end"] <= 2
        s = c["start"] + (pad if c["start"] > 0 and not met_before else 0)
        e = c["end"] - (pad if c["end"] < n_samples and not met_after else 0)
        if e <= s:
            continue
        if out and met_before and abs(out[-1][1] - c["start"] / SAMPLE_RATE) < 0.001:
            out[-1] = (out[-1][0], e / SAMPLE_RATE)
        else:
            out.append((s / SAMPLE_RATE, e / SAMPLE_RATE))
    return out


def second_chance(engine: Engine, piece: np.ndarray, piece_start: float,
                  regions: list[tuple[float, float]], words: list[WordResult],
                  language: str | None, prompt: str | None) -> list[SegmentResult]:
    """Decode again, each on its own, the stretches of detected speech that got no word.

    Why: Whisper judges a voice against the loudest audio of its input. A LibriSpeech reader
    26 dB under JFK, in the same engine call, came out as nothing, though the VAD had found all
    of it; on its own the same audio is transcribed in full. So every stretch of a window's
    detected speech that is still without words (focusdesk.core.speech_cover: 1 s or more) is
    decoded alone, with the same settings; words are kept only inside it (nothing else moves),
    and a result that is only a stock phrase or improbable is dropped (fill.plausible). What is
    kept is flagged for review: on AMI it found real speech and also wrote words where the
    reference has none (13 against 3 without it; most of them one coherent sentence that the
    reference leaves out).
    """
    from focusdesk.core.speech_cover import speech_coverage
    from focusdesk.transcribe.fill import KEEP_TOLERANCE_S, plausible

    def ms(t: float) -> int:
        return round(t * 1000)

    cov = speech_coverage([(ms(piece_start + a), ms(piece_start + b)) for a, b in regions],
                          [(ms(w.start), ms(w.end)) for w in words])
    out: list[SegmentResult] = []
    for st in cov.stretches:
        start, end = st.start_ms / 1000, st.end_ms / 1000
        a = max(0, int((start - RETRY_CONTEXT_S - piece_start) * SAMPLE_RATE))
        b = min(len(piece), int((end + RETRY_CONTEXT_S - piece_start) * SAMPLE_RATE))
        if b - a < SAMPLE_RATE // 2:
            continue
        _, segments = engine.transcribe(piece[a:b], language, prompt)
        guard = LoopGuard()
        for seg in segments:
            kept = guard.accept(seg.shifted(piece_start + a / SAMPLE_RATE))
            inside = [w for w in (kept.words if kept else [])
                      if start - KEEP_TOLERANCE_S <= (w.start + w.end) / 2 <= end + KEEP_TOLERANCE_S]
            if inside and plausible(inside):
                # a guess from audio the first decoding passed over: flagged for review (F7)
                inside = [WordResult(w.start, w.end, w.text, min(w.probability, REVIEW_PROBABILITY))
                          for w in inside]
                out.append(SegmentResult(inside[0].start, inside[-1].end,
                                         "".join(w.text for w in inside).strip(), inside,
                                         kept.avg_logprob, kept.no_speech_prob, kept.compression_ratio))
    return out


def group_chunks(chunks: list[dict], max_samples: int) -> list[list[dict]]:
    """Pack consecutive VAD regions into groups of at most ``max_samples`` of speech.

    Greedy in time order: a group closes when the next region would not fit, so a group's cuts
    always fall in a pause between regions (a region longer than the limit, which the VAD's own
    ``max_speech_duration_s`` split already prevents, stays whole in a group of its own).
    """
    groups: list[list[dict]] = []
    size = 0
    for c in chunks:
        n = c["end"] - c["start"]
        if groups and size + n <= max_samples:
            groups[-1].append(c)
            size += n
        else:
            groups.append([c])
            size = n
    return groups


class WindowDecoder:
    """Decodes one window after another: VAD, engine calls per speech group, loop guard,
    vocabulary, second chance. The offline stream and the live transcriber both decode through
    this, so a live window gives what the offline pipeline gives for the same audio."""

    def __init__(self, engine: Engine, *, start_s: float = 0.0, language: str | None = None,
                 vocabulary: list[str] | None = None):
        self.engine = engine
        self.settings = settings = engine.settings
        vocabulary = vocabulary if vocabulary is not None else settings.vocabulary
        self.terms = build_terms(vocabulary)
        self.base_prompt = vocabulary_prompt(vocabulary) if settings.vocabulary_prompt else ""
        self.stats = StreamStats(language=language)
        self.guard = LoopGuard(last_end=start_s - 1e-6 if start_s > 0 else -1.0,
                               prompt_terms=set(norm(self.base_prompt).split()))

    def decode(self, piece: np.ndarray, piece_start: float, *,
               on_segment: Callable[[SegmentResult], None],
               on_speech: Callable[[list[tuple[float, float]]], None] | None = None,
               on_position: Callable[[float], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> bool:
        """Decode ``piece`` (16 kHz mono, starting at ``piece_start`` s); False if told to stop."""
        settings, stats, guard = self.settings, self.stats, self.guard
        prompt = self.base_prompt or None
        speech = _Speech(piece, settings.vad, settings.vad_threshold)
        if on_speech and speech.regions:
            on_speech([(piece_start + a, piece_start + b) for a, b in speech.regions])
        stats.windows += 1
        stats.speech_s += speech.seconds
        heard: list[WordResult] = []
        for audio, time_map in speech.groups:
            if len(audio) < SAMPLE_RATE // 10:
                continue
            guard.loop_detected = False
            detected, segments = self.engine.transcribe(audio, stats.language, prompt)
            stats.language = stats.language or detected
            for part in (p for seg in segments
                         for p in split_long_segment(speech.restore(seg, piece_start, time_map))):
                kept = guard.accept(part)
                if kept is None:
                    continue
                kept = apply_vocabulary(kept, self.terms)
                heard += kept.words
                stats.segments += 1
                on_segment(kept)
                if on_position:
                    on_position(kept.end)
                if should_stop and should_stop():
                    return False
            stats.loops_detected += guard.loop_detected
        if settings.retry_unheard and speech.regions:
            for seg in second_chance(self.engine, piece, piece_start, speech.regions, heard,
                                     stats.language, prompt):
                stats.segments += 1
                stats.retried += 1
                on_segment(apply_vocabulary(seg, self.terms))
                if should_stop and should_stop():
                    return False
        return True

    def finish(self) -> StreamStats:
        self.stats.dropped_segments = self.guard.dropped_segments
        self.stats.dropped_words = self.guard.dropped_words
        return self.stats


def transcribe_stream(engine: Engine, path: Path | str, *, channel: int | None = None,
                      start_s: float = 0.0, language: str | None = None,
                      vocabulary: list[str] | None = None, window_s: float | None = None,
                      on_segment: Callable[[SegmentResult], None],
                      on_speech: Callable[[list[tuple[float, float]]], None] | None = None,
                      on_position: Callable[[float], None] | None = None,
                      should_stop: Callable[[], bool] | None = None) -> StreamStats:
    """Transcribe ``path`` from ``start_s``; segments (file time, seconds) go to ``on_segment``.

    ``on_position(seconds)`` reports how far the file has been processed; ``on_speech(regions)``
    gets each window's detected speech (file seconds, without padding) before it is decoded, so a
    resumed run, which starts again after the last stored segment, finds it again from there.
    """
    window_s = window_s or engine.settings.window_s
    decoder = WindowDecoder(engine, start_s=start_s, language=language, vocabulary=vocabulary)
    window_n = int(window_s * SAMPLE_RATE)
    need = int((window_s + SEAM_SEARCH_S) * SAMPLE_RATE)
    blocks = stream_audio(path, channel=channel, start_s=start_s)
    buffer = np.zeros(0, dtype=np.float32)
    buffer_start = start_s
    exhausted = False
    while True:
        while not exhausted and len(buffer) < need:
            block = next(blocks, None)
            if block is None:
                exhausted = True
            else:
                buffer = np.concatenate([buffer, block])
        if not len(buffer):
            break
        cut = len(buffer) if exhausted and len(buffer) <= need else quiet_cut(buffer, window_s)
        cut = max(1, min(cut, len(buffer)))
        if exhausted and len(buffer) - cut < SAMPLE_RATE // 10:
            cut = len(buffer)  # do not leave a sliver for a last window
        piece, buffer = buffer[:cut], buffer[cut:]
        if not decoder.decode(piece, buffer_start, on_segment=on_segment, on_speech=on_speech,
                              on_position=on_position, should_stop=should_stop):
            return decoder.stats
        buffer_start += cut / SAMPLE_RATE
        if on_position:
            on_position(buffer_start)
        if len(piece) < window_n // 4 and exhausted and not len(buffer):
            break
    return decoder.finish()
