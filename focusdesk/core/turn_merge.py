"""Word-level merge of speaker turns with a transcript (pure functions, no store, no model).

Each word gets the speaker whose turn overlaps it most (turns may overlap: where two cover a word
equally, the shorter one; a word between turns takes the nearest
turn within ``MAX_GAP_MS``; otherwise its neighbours' speaker). A segment whose words change
speaker is split at the first word of the new speaker, so "Yes. | I think..." becomes two
segments with their own speakers. Times never change, so codings (which point at time and
speaker, never at text offsets) stay where they are.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from focusdesk.core import text
from focusdesk.core.model import Segment, Word
from focusdesk.core.turns import Turn

MAX_GAP_MS = 1500  # a word this far from every turn keeps its neighbours' speaker


class TurnIndex:
    """Turns sorted by start for fast overlap queries."""

    def __init__(self, turns: list[Turn]):
        self.turns = sorted(turns, key=lambda t: (t.start_ms, t.end_ms))
        self.starts = [t.start_ms for t in self.turns]
        self.max_len = max((t.duration_ms for t in self.turns), default=0)

    def _near(self, start_ms: int, end_ms: int, pad: int) -> list[Turn]:
        lo = bisect.bisect_left(self.starts, start_ms - self.max_len - pad)
        hi = bisect.bisect_right(self.starts, end_ms + pad)
        return self.turns[lo:hi]

    def speaker_at(self, start_ms: int, end_ms: int, max_gap_ms: int = MAX_GAP_MS) -> str | None:
        """The speaker overlapping [start, end) most; else the nearest within ``max_gap_ms``."""
        end_ms = max(end_ms, start_ms + 1)
        overlap: dict[str, list[int]] = {}  # speaker -> [ms covered, -shortest covering turn]
        best_gap, nearest = max_gap_ms + 1, None
        for t in self._near(start_ms, end_ms, max_gap_ms):
            ov = min(end_ms, t.end_ms) - max(start_ms, t.start_ms)
            if ov > 0:
                cur = overlap.setdefault(t.speaker, [0, -t.duration_ms])
                cur[0] += ov
                cur[1] = max(cur[1], -t.duration_ms)
            else:
                gap = -ov
                if gap < best_gap:
                    best_gap, nearest = gap, t.speaker
        if overlap:  # where two people talk at once and both cover the word, the shorter turn
            # wins: an interjection inside a long turn is what a transcript cuts out on its own
            return max(overlap.items(), key=lambda kv: (kv[1][0], kv[1][1]))[0]
        return nearest


def word_speakers(words: list[Word], index: TurnIndex) -> list[str | None]:
    """Speaker per word; words no turn reaches take the previous word's speaker (else the next)."""
    out = [index.speaker_at(w.start_ms, w.end_ms) for w in words]
    for i in range(1, len(out)):
        if out[i] is None:
            out[i] = out[i - 1]
    for i in range(len(out) - 2, -1, -1):
        if out[i] is None:
            out[i] = out[i + 1]
    return out


def join_words(words: list[Word]) -> str:
    """Segment text from its words (Whisper words carry their leading space; typed ones don't)."""
    return text.join_words(w.text for w in words)


def _norm(value: str) -> str:
    return text.normalise_spaces(value)


def split_segment(seg: Segment, index: TurnIndex) -> list[tuple[str | None, Segment]]:
    """The segment as (speaker label, piece) pairs. One pair when the speaker does not change;
    also one pair (the majority speaker by time) when the text was edited since the words were
    timed, because then the words no longer say where to cut."""
    if not seg.words:
        return [(index.speaker_at(seg.start_ms, seg.end_ms), seg)]
    labels = word_speakers(seg.words, index)
    if len(set(labels)) <= 1:
        return [(labels[0], seg)]
    if _norm(join_words(seg.words)) != _norm(seg.text):
        time_by: dict[str | None, int] = {}
        for w, lab in zip(seg.words, labels):
            time_by[lab] = time_by.get(lab, 0) + max(1, w.end_ms - w.start_ms)
        return [(max(time_by.items(), key=lambda kv: kv[1])[0], seg)]
    pieces: list[tuple[str | None, list[Word]]] = []
    for w, lab in zip(seg.words, labels):
        if pieces and pieces[-1][0] == lab:
            pieces[-1][1].append(w)
        else:
            pieces.append((lab, [w]))
    out = []
    for n, (lab, words) in enumerate(pieces):
        start = seg.start_ms if n == 0 else words[0].start_ms
        end = seg.end_ms if n == len(pieces) - 1 else pieces[n + 1][1][0].start_ms
        out.append((lab, replace(seg, start_ms=start, end_ms=max(start, end), text=join_words(words),
                                 words=[replace(w, id=None) for w in words],
                                 id=seg.id if n == 0 else None)))
    return out


def merge_transcript(segments: list[Segment], turns: list[Turn]) -> list[tuple[str | None, Segment]]:
    """Every segment split by speaker. The first piece of a split keeps the segment's id (so the
    store updates it); later pieces have ``id=None`` (new segments). ``None`` speaker: no turn
    anywhere near (leave the segment's speaker as it is)."""
    index = TurnIndex(turns)
    out: list[tuple[str | None, Segment]] = []
    for seg in segments:
        out.extend(split_segment(seg, index))
    return out
