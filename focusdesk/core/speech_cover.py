"""Speech coverage: how much detected speech carries transcript words, and where it does not.

Why: a transcript that silently drops a quiet participant looks complete. The transcription
pipeline knows where it heard speech (its VAD regions, stored per recording); any such stretch
that ends with no word is speech the researcher has not got. This turns regions and word times
into one share per session and the stretches to mark in the editor and to transcribe again.

Definitions (milliseconds, session time), as measured in issue 12:

* a word *covers* ``[start - TOLERANCE_MS, end + TOLERANCE_MS]``: Whisper's word times are
  approximate, and the short gaps between the words of one utterance are speech too;
* detected speech is the union of the stored regions (stored without the VAD's padding);
* untranscribed stretches are detected speech minus covered time, merged across gaps shorter than
  ``MERGE_GAP_MS`` and kept from ``MIN_STRETCH_MS`` on: a breath or a backchannel the model
  rightly skipped is not worth a marker.

Exact interval arithmetic on sorted lists, no grid, so it is cheap for the study overview.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

TOLERANCE_MS = 200
MERGE_GAP_MS = 500
MIN_STRETCH_MS = 1000

Span = tuple[int, int]


@dataclass(frozen=True)
class Stretch:
    """Detected speech that carries no transcript word."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class SpeechCoverage:
    speech_ms: int  # detected speech
    covered_ms: int  # of which within TOLERANCE_MS of a word
    stretches: list[Stretch] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        """Covered share of detected speech; None when no speech was detected (or none stored)."""
        return self.covered_ms / self.speech_ms if self.speech_ms > 0 else None


def union(spans: Iterable[Span], gap_ms: int = 0) -> list[Span]:
    """Sorted, non-overlapping spans; spans closer than ``gap_ms`` are joined."""
    out: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in spans if e > s):
        if out and (s <= out[-1][1] or s - out[-1][1] < gap_ms):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    """``a`` minus ``b``; both sorted and non-overlapping (as :func:`union` gives them)."""
    out: list[Span] = []
    j = 0
    for s, e in a:
        while j < len(b) and b[j][1] <= s:
            j += 1
        k, cur = j, s
        while k < len(b) and b[k][0] < e:
            if b[k][0] > cur:
                out.append((cur, b[k][0]))
            cur = max(cur, b[k][1])
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def length(spans: Iterable[Span]) -> int:
    return sum(e - s for s, e in spans)


def speech_coverage(regions: Iterable[Span], words: Iterable[Span], *,
                    tolerance_ms: int = TOLERANCE_MS, merge_gap_ms: int = MERGE_GAP_MS,
                    min_stretch_ms: int = MIN_STRETCH_MS) -> SpeechCoverage:
    """Coverage of ``regions`` (detected speech) by ``words`` (see the module docstring)."""
    speech = union(regions)
    covered = union((s - tolerance_ms, e + tolerance_ms) for s, e in words)
    missing = subtract(speech, covered)
    total = length(speech)
    stretches = [Stretch(s, e) for s, e in union(missing, merge_gap_ms) if e - s >= min_stretch_ms]
    return SpeechCoverage(total, total - length(missing), stretches)
