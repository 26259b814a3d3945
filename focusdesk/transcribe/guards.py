"""Guards against Whisper's failure modes on long recordings: repetition loops and text over silence.

Why: on 90-minute focus groups Whisper can fall into a loop ("I think that I think that ...", or
the same sentence every segment) and invents text over long silences. The pipeline runs VAD first
(no audio without speech reaches the model); these functions clean what still comes out and tell
the pipeline when to reset the prompt so a loop does not carry into the next window.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

from focusdesk.transcribe.types import SegmentResult, WordResult

MAX_COMPRESSION_RATIO = 2.4  # Whisper's own threshold for "this text is repetitive"
_WORD = re.compile(r"[^\w']+")


def norm(text: str) -> str:
    return " ".join(_WORD.sub(" ", text.lower()).split())


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / max(1, len(zlib.compress(raw))) if raw else 0.0


def collapse_repeated_ngrams(words: list[WordResult], max_n: int = 8,
                             keep: int = 2) -> tuple[list[WordResult], int]:
    """Drop consecutive repeats of any n-gram (n ≤ ``max_n``) beyond ``keep`` copies.

    Single words may repeat ``keep + 1`` times ("no, no, no" is speech). Returns the words kept
    and how many were dropped.
    """
    keys = [norm(w.text) for w in words]
    out_words: list[WordResult] = []
    out_keys: list[str] = []
    dropped = 0
    i = 0
    while i < len(words):
        removed = False
        for n in range(1, max_n + 1):
            allowed = keep + 1 if n == 1 else keep
            if len(out_keys) < n * allowed or i + n > len(words):
                continue
            gram = keys[i:i + n]
            if not any(gram):
                continue
            if all(out_keys[len(out_keys) - n * (r + 1): len(out_keys) - n * r] == gram
                   for r in range(allowed)):
                dropped += n
                i += n
                removed = True
                break
        if not removed:
            out_words.append(words[i])
            out_keys.append(keys[i])
            i += 1
    return out_words, dropped


_SENTENCE_END = (".", "?", "!")


def split_long_segment(seg: SegmentResult, max_s: float = 12.0, min_s: float = 2.0) -> list[SegmentResult]:
    """Split a segment longer than ``max_s`` at sentence ends (VAD-joined speech can come out
    as one 30-second segment). Short pieces stay with the one before; text is kept word for word."""
    if seg.end - seg.start <= max_s or len(seg.words) < 2:
        return [seg]
    groups: list[list[WordResult]] = [[]]
    for w in seg.words:
        groups[-1].append(w)
        if w.text.strip().endswith(_SENTENCE_END) and groups[-1][-1].end - groups[-1][0].start >= min_s:
            groups.append([])
    groups = [g for g in groups if g]
    if len(groups) > 1 and groups[-1][-1].end - groups[-1][0].start < min_s:
        groups[-2].extend(groups.pop())
    if len(groups) == 1:
        return [seg]
    return [SegmentResult(g[0].start, g[-1].end, "".join(w.text for w in g).strip(), g,
                          seg.avg_logprob, seg.no_speech_prob, seg.compression_ratio) for g in groups]


def is_prompt_echo(text: str, prompt_terms: set[str]) -> bool:
    """Text made only of the vocabulary prompt's words ("B, Site B, Site B.") is not speech."""
    tokens = norm(text).split()
    return bool(tokens) and bool(prompt_terms) and all(t in prompt_terms for t in tokens)


def squeezed(words: list[WordResult]) -> bool:
    """Most words with no duration: the model produced text it did not align to any sound."""
    if len(words) < 2:
        return False
    return sum(1 for w in words if w.end - w.start < 0.03) * 2 >= len(words)


@dataclass
class LoopGuard:
    """Filters segments in order; ``loop_detected`` tells the pipeline to reset the prompt."""

    history: list[str] = field(default_factory=list)
    prompt_terms: set[str] = field(default_factory=set)
    loop_detected: bool = False
    dropped_segments: int = 0
    dropped_words: int = 0
    last_end: float = -1.0

    def accept(self, seg: SegmentResult) -> SegmentResult | None:
        """The cleaned segment, or None when it is a loop, a duplicate or empty."""
        if seg.end <= self.last_end:  # overlaps what is already out (window seams)
            self.dropped_segments += 1
            return None
        words = [w for w in seg.words if w.end > self.last_end] if seg.words else []
        if seg.words:
            words, dropped = collapse_repeated_ngrams(words)
            self.dropped_words += dropped
            if dropped:
                self.loop_detected = True
            text = "".join(w.text for w in words).strip()
        else:
            text = seg.text.strip()
        key = norm(text)
        if not key or squeezed(words) or is_prompt_echo(text, self.prompt_terms):
            self.dropped_segments += 1
            return None
        if self.history.count(key) >= 2 or compression_ratio(text) > MAX_COMPRESSION_RATIO:
            self.loop_detected = True
            self.dropped_segments += 1
            return None
        self.history = (self.history + [key])[-4:]
        start = max(seg.start, words[0].start) if words else seg.start
        end = max(start, words[-1].end if words else seg.end)
        self.last_end = end
        return SegmentResult(start, end, text, words, seg.avg_logprob, seg.no_speech_prob,
                             seg.compression_ratio)
