"""Speaker turns: the common currency of the model engine, channel mode and the merge."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Turn:
    """One stretch of speech by one voice, in ms on the file's (or session's) timeline."""

    start_ms: int
    end_ms: int
    speaker: str

    @property
    def duration_ms(self) -> int:
        return max(0, self.end_ms - self.start_ms)


@dataclass
class Diarization:
    """What a diarization of one recording produced. ``centroids`` are the mean voice embeddings
    per speaker (used to link speakers across recordings and runs and to recognise an enrolled
    facilitator); channel mode has none. ``engine`` names the voice space the centroids live in
    (runs of one engine can be compared); ``settings`` says how the run was made (method, step,
    why that method was chosen), stored on the run. Turns of different speakers may overlap."""

    turns: list[Turn]
    duration_ms: int
    engine: str
    centroids: dict[str, list[float]] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        return speakers_in_order(self.turns)


def speakers_in_order(turns: Iterable[Turn]) -> list[str]:
    """Speaker labels in order of first appearance."""
    return list(dict.fromkeys(t.speaker for t in sorted(turns, key=lambda t: (t.start_ms, t.end_ms))))


def talk_time(turns: Iterable[Turn]) -> dict[str, int]:
    """Total ms per speaker. Overlapping turns of one speaker count once."""
    by_speaker: dict[str, list[Turn]] = {}
    for t in turns:
        by_speaker.setdefault(t.speaker, []).append(t)
    out: dict[str, int] = {}
    for spk, items in by_speaker.items():
        total, cur_s, cur_e = 0, None, None
        for t in sorted(items, key=lambda t: t.start_ms):
            if cur_e is None or t.start_ms > cur_e:
                if cur_e is not None:
                    total += cur_e - cur_s
                cur_s, cur_e = t.start_ms, t.end_ms
            else:
                cur_e = max(cur_e, t.end_ms)
        if cur_e is not None:
            total += cur_e - cur_s
        out[spk] = total
    return out


def longest_turn(turns: Iterable[Turn], speaker: str) -> Turn | None:
    """The speaker's longest turn: the sample the mapping panel plays."""
    own = [t for t in turns if t.speaker == speaker]
    return max(own, key=lambda t: t.duration_ms) if own else None


def relabel(turns: list[Turn], prefix: str = "S") -> tuple[list[Turn], dict[str, str]]:
    """Rename speakers S1, S2, ... in order of first appearance; returns the mapping too."""
    mapping = {old: f"{prefix}{i}" for i, old in enumerate(speakers_in_order(turns), start=1)}
    return [Turn(t.start_ms, t.end_ms, mapping[t.speaker]) for t in turns], mapping


def smooth(turns: list[Turn], min_turn_ms: int = 0, join_gap_ms: int = 0) -> list[Turn]:
    """Join same-speaker turns separated by at most ``join_gap_ms`` and drop isolated turns shorter
    than ``min_turn_ms`` when the neighbours on both sides are one other speaker (a blip)."""
    items = sorted(turns, key=lambda t: (t.start_ms, t.end_ms))
    if min_turn_ms > 0 and len(items) >= 3:
        kept: list[Turn] = []
        for i, t in enumerate(items):
            prev = kept[-1] if kept else None
            nxt = items[i + 1] if i + 1 < len(items) else None
            if (prev and nxt and t.duration_ms < min_turn_ms and prev.speaker == nxt.speaker
                    and prev.speaker != t.speaker and nxt.start_ms - prev.end_ms < min_turn_ms * 2):
                kept[-1] = Turn(prev.start_ms, max(prev.end_ms, t.end_ms), prev.speaker)
                continue
            kept.append(t)
        items = kept
    out: list[Turn] = []
    for t in items:
        if out and out[-1].speaker == t.speaker and t.start_ms - out[-1].end_ms <= join_gap_ms:
            out[-1] = Turn(out[-1].start_ms, max(out[-1].end_ms, t.end_ms), t.speaker)
        else:
            out.append(t)
    return out


OVERLAP_MIN_MS = 200  # less than this is two turns touching at a boundary, not two people at once


def overlapping_speakers(spans: Iterable[tuple[int, int, int, str]], turns: list[Turn],
                         min_ms: int = OVERLAP_MIN_MS) -> dict[int, list[str]]:
    """Which other speakers talk at the same time as each span's own speaker: ``spans`` are
    (key, start, end, speaker) (a transcript segment and its speaker); a span overlaps speaker Y
    when, inside it, the span speaker's turns and Y's turns run together for ``min_ms`` or more.
    A span whose speaker has no turn there (named by hand) is left out: there is nothing to say."""
    items = sorted(turns, key=lambda t: t.start_ms)
    starts = [t.start_ms for t in items]
    longest = max((t.duration_ms for t in items), default=0)
    out: dict[int, list[str]] = {}
    for key, start, end, speaker in spans:
        near = items[bisect_left(starts, start - longest):bisect_right(starts, end)]
        own = [(max(start, t.start_ms), min(end, t.end_ms)) for t in near
               if t.speaker == speaker and min(end, t.end_ms) > max(start, t.start_ms)]
        if not own:
            continue
        together: dict[str, int] = {}
        for t in near:
            if t.speaker == speaker:
                continue
            for a, b in own:
                ov = min(b, t.end_ms) - max(a, t.start_ms)
                if ov > 0:
                    together[t.speaker] = together.get(t.speaker, 0) + ov
        others = sorted(s for s, ms in together.items() if ms >= min_ms)
        if others:
            out[key] = others
    return out
