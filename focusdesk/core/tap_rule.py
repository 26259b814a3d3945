"""Naming voices from taps, as a pure rule (no store, no model).

A tap says "this person is speaking now". Each tap votes for the voice active at its moment
(several voices at once share the vote; between turns the nearest turn within ``REACH_MS`` gets
it, since a tap often lands just after someone stops). A voice is given a person when that
person holds most of the voice's tap votes *and* the voice holds most of that person's taps;
anything less clear is left for the user to confirm.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from focusdesk.core.turns import Turn

REACH_MS = 500  # a tap in a pause counts for a turn at most this far away (further: a guess)
MAJORITY = 0.5  # "most": strictly more than half


@dataclass
class VoiceVerdict:
    """What the taps say about one voice. ``person`` is set when the taps name it clearly."""

    voice: str
    votes: dict[Hashable, float] = field(default_factory=dict)  # person -> tap votes in this voice
    person: Hashable | None = None
    reason: str = ""  # why not, when ``person`` is None and there are votes


def tap_votes(turns: list[Turn], taps: Iterable[tuple[Hashable, int]]) -> dict[str, dict[Hashable, float]]:
    """voice -> person -> votes, from (person, t_ms) taps."""
    ordered = sorted(turns, key=lambda t: t.start_ms)
    starts = [t.start_ms for t in ordered]
    longest = max((t.duration_ms for t in ordered), default=0)
    out: dict[str, dict[Hashable, float]] = {}
    for person, t in taps:
        lo = bisect.bisect_left(starts, t - longest - REACH_MS)
        hi = bisect.bisect_right(starts, t + REACH_MS)
        near = ordered[lo:hi]
        active = sorted({x.speaker for x in near if x.start_ms <= t < x.end_ms})
        if not active:
            gaps = [(min(abs(t - x.start_ms), abs(t - x.end_ms)), x.speaker) for x in near]
            gaps = [g for g in gaps if g[0] <= REACH_MS]
            active = [min(gaps)[1]] if gaps else []
        for voice in active:
            box = out.setdefault(voice, {})
            box[person] = box.get(person, 0.0) + 1.0 / len(active)
    return out


def decide(turns: list[Turn], taps: list[tuple[Hashable, int]],
           name=str) -> tuple[list[VoiceVerdict], dict[Hashable, str]]:
    """A verdict per voice that has tap votes, and the people none of whose taps named a voice
    (person -> why). ``name`` writes a person for the reasons (a pseudonym, never a real name)."""
    votes = tap_votes(turns, taps)
    per_person: dict[Hashable, float] = {}  # taps that reached a voice (a tap in silence has no say)
    for box in votes.values():
        for person, n in box.items():
            per_person[person] = per_person.get(person, 0.0) + n
    tapped: dict[Hashable, int] = {}
    for person, _t in taps:
        tapped[person] = tapped.get(person, 0) + 1
    verdicts = []
    placed: set[Hashable] = set()
    for voice in sorted(votes, key=lambda v: (len(v), v)):
        box = votes[voice]
        top, w = max(box.items(), key=lambda kv: (kv[1], str(kv[0])))
        v = VoiceVerdict(voice, dict(box))
        voice_share, person_share = w / sum(box.values()), w / per_person[top]
        if voice_share <= MAJORITY:
            v.reason = "taps of several people: " + ", ".join(
                f"{name(p)} ({n:g})" for p, n in sorted(box.items(), key=lambda kv: -kv[1]))
        elif person_share <= MAJORITY:
            v.reason = (f"only {w:g} of {name(top)}'s {per_person[top]:g} taps fall in this voice; "
                        "most are in another")
        else:
            v.person = top
            placed.add(top)
        verdicts.append(v)
    unplaced = {}
    for person in tapped:
        if person in placed:
            continue
        where = [v.voice for v in verdicts if person in v.votes]
        unplaced[person] = (f"{tapped[person]} tap(s) name no voice clearly"
                            + (f" (they fall in {', '.join(where)})" if where else " (no voice speaks there)"))
    return verdicts, unplaced
