"""Intercoder agreement: percent agreement, Cohen's kappa, Krippendorff's alpha, segment overlap.

Pure and fast. A session's time is cut into units (seconds, or transcript segments); a coder
"coded" a unit with a code when one of their codings of that code covers the unit's midpoint.
Each (code, coder) is a Python int used as a bitset over the units, so every count is a
``bit_count`` of an AND/XOR: 2 coders × 4 sessions × 1,200 codings take milliseconds.

- percent agreement (three or more coders: the mean over coder pairs) and Cohen's kappa (two
  coders) over the code × unit decisions;
- Krippendorff's alpha, nominal, for two or more coders, every coder rating every unit (so the
  binary coincidence sums reduce to counts: alpha = 1 - (n-1)·D / ((m-1)·n0·n1), with D the
  disagreeing coder pairs summed over units);
- segment overlap, as MAXQDA: a coding counts as agreed when the other coder has a coding of the
  same code whose overlap is at least ``overlap`` of the two codings' combined extent (three or
  more coders: pooled over every coder pair).

A disagreement is a run of units where the coders do not all decide alike (some coded, some not).

"Overall" pools the code × unit decisions of every code; "study" pools every session.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """One coding, reduced to what agreement needs."""

    session_id: int
    code_id: int
    coder_id: int
    start_ms: int
    end_ms: int


@dataclass
class Counts:
    """Decisions pooled over units (and codes, sessions): enough for every figure."""

    units: int = 0
    both: int = 0  # coders 0 and 1 both coded (two-coder figures)
    only_a: int = 0
    only_b: int = 0
    neither: int = 0
    pairs_disagreeing: int = 0  # D: summed over units, coder pairs that differ
    coded: int = 0  # n1: coder × unit decisions "coded"
    values: int = 0  # n: coder × unit decisions
    coders: int = 2
    overlap_agreed: int = 0
    overlap_total: int = 0

    def add(self, o: Counts) -> None:
        for f in ("units", "both", "only_a", "only_b", "neither", "pairs_disagreeing", "coded",
                  "values", "overlap_agreed", "overlap_total"):
            setattr(self, f, getattr(self, f) + getattr(o, f))

    @property
    def percent(self) -> float | None:
        """Percent agreement; for three or more coders the mean over coder pairs (with two, the
        same as (both + neither) / units)."""
        pairs = self.coders * (self.coders - 1) // 2
        if not self.units or not pairs:
            return None
        return 100.0 * (1 - self.pairs_disagreeing / (self.units * pairs))

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(self.both, self.only_a, self.only_b, self.neither)

    @property
    def alpha(self) -> float | None:
        return binary_alpha(self.values, self.coded, self.pairs_disagreeing, self.coders)

    @property
    def overlap_percent(self) -> float | None:
        return 100.0 * self.overlap_agreed / self.overlap_total if self.overlap_total else None


def cohen_kappa(both: int, only_a: int, only_b: int, neither: int) -> float | None:
    """Cohen's kappa of a 2×2 table (None when chance agreement is total and observed is not)."""
    n = both + only_a + only_b + neither
    if not n:
        return None
    po = (both + neither) / n
    pa, pb = (both + only_a) / n, (both + only_b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1:
        return 1.0 if po >= 1 else None
    return (po - pe) / (1 - pe)


def binary_alpha(n: int, n1: int, disagreeing_pairs: int, m: int) -> float | None:
    """Nominal alpha for 0/1 values, m coders rating every unit (None: no variation at all)."""
    n0 = n - n1
    if m < 2 or n < 2 or not n0 or not n1:
        return None
    return 1 - (n - 1) * disagreeing_pairs / ((m - 1) * n0 * n1)


def nominal_alpha(units: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's nominal alpha, general form: each unit lists the coders' values (None:
    missing). Units with fewer than two values are not pairable and are left out."""
    o: dict[tuple, float] = defaultdict(float)
    for values in units:
        vals = [v for v in values if v is not None]
        mu = len(vals)
        if mu < 2:
            continue
        count: dict[Hashable, int] = defaultdict(int)
        for v in vals:
            count[v] += 1
        for c, nc in count.items():
            for k, nk in count.items():
                o[c, k] += (nc * (nk - (c == k))) / (mu - 1)
    nc: dict[Hashable, float] = defaultdict(float)
    for (c, _k), v in o.items():
        nc[c] += v
    n = sum(nc.values())
    expected = sum(nc[c] * nc[k] for c in nc for k in nc if c != k)
    if n <= 1 or not expected:
        return None
    observed = sum(v for (c, k), v in o.items() if c != k)
    return 1 - (n - 1) * observed / expected


def second_units(length_ms: int) -> list[tuple[int, int]]:
    """A session cut into whole seconds (the last one may be short)."""
    return [(s, min(s + 1000, length_ms)) for s in range(0, max(length_ms, 0), 1000)]


def _bitsets(spans: Iterable[Span], mids: list[int]) -> dict[tuple[int, int], int]:
    """(code, coder) -> bitset of the units whose midpoint one of its codings covers."""
    bits: dict[tuple[int, int], int] = defaultdict(int)
    for s in spans:
        i0, i1 = bisect_left(mids, s.start_ms), bisect_left(mids, s.end_ms)
        if i1 > i0:
            bits[s.code_id, s.coder_id] |= ((1 << (i1 - i0)) - 1) << i0
    return bits


def overlap_agreed(mine: list[Span], theirs: list[Span], threshold: float) -> int:
    """How many of ``mine`` the other coder matched (overlap / combined extent >= threshold)."""
    theirs = sorted(theirs, key=lambda s: s.start_ms)
    starts = [t.start_ms for t in theirs]
    agreed = 0
    for s in mine:
        # a match starts before s ends, and not so early that their union dwarfs s:
        # union >= s.end - t.start and inter <= len(s), so t.start >= s.end - len(s) / threshold
        lo = bisect_left(starts, s.end_ms - (s.end_ms - s.start_ms) / max(threshold, 1e-6))
        hi = bisect_left(starts, s.end_ms)
        for t in theirs[lo:hi]:
            inter = min(s.end_ms, t.end_ms) - max(s.start_ms, t.start_ms)
            union = max(s.end_ms, t.end_ms) - min(s.start_ms, t.start_ms)
            if inter > 0 and union > 0 and inter / union >= threshold - 1e-9:
                agreed += 1
                break
    return agreed


@dataclass
class SessionAgreement:
    session_id: int
    by_code: dict[int, Counts] = field(default_factory=dict)
    overall: Counts = field(default_factory=Counts)
    disagreements: list[tuple[int, int, int]] = field(default_factory=list)  # (code, start, end)
    coded_by: dict[tuple[int, int, int], tuple[int, ...]] = field(default_factory=dict)  # who coded in it


def session_agreement(session_id: int, units: list[tuple[int, int]], spans: list[Span],
                      coders: Sequence[int], code_ids: Iterable[int], overlap: float = 0.9
                      ) -> SessionAgreement:
    """Agreement of ``coders`` in one session over ``units`` (sorted (start, end) ms pairs)."""
    mids = [(a + b) // 2 for a, b in units]
    n = len(units)
    full = (1 << n) - 1
    own = [s for s in spans if s.coder_id in coders]
    bits = _bitsets(own, mids)
    by_code_coder: dict[tuple[int, int], list[Span]] = defaultdict(list)
    for s in own:
        by_code_coder[s.code_id, s.coder_id].append(s)
    m = len(coders)
    out = SessionAgreement(session_id, overall=Counts(coders=m))
    for code in code_ids:
        sets = [bits.get((code, c), 0) for c in coders]
        k = Counts(units=n, coders=m, values=m * n, coded=sum(b.bit_count() for b in sets))
        k.pairs_disagreeing = sum((sets[i] ^ sets[j]).bit_count() for i in range(m) for j in range(i + 1, m))
        if m == 2:
            a, b = sets
            k.both = (a & b).bit_count()
            k.only_a = (a & ~b & full).bit_count()
            k.only_b = (b & ~a & full).bit_count()
            k.neither = n - k.both - k.only_a - k.only_b
        for i in range(m):
            for j in range(i + 1, m):
                ca, cb = by_code_coder.get((code, coders[i]), []), by_code_coder.get((code, coders[j]), [])
                k.overlap_total += len(ca) + len(cb)
                k.overlap_agreed += overlap_agreed(ca, cb, overlap) + overlap_agreed(cb, ca, overlap)
        anyone = everyone = 0
        if sets:
            everyone = full
            for s in sets:
                anyone |= s
                everyone &= s
        for i, j in _runs(anyone & ~everyone):
            run = ((1 << (j - i + 1)) - 1) << i
            d = (code, units[i][0], units[j][1])
            out.disagreements.append(d)
            out.coded_by[d] = tuple(c for c, s in zip(coders, sets, strict=True) if s & run)
        out.by_code[code] = k
        out.overall.add(k)
    out.disagreements.sort(key=lambda d: (d[1], d[0]))
    return out


def _runs(bits: int) -> list[tuple[int, int]]:
    """Runs of set bits as (first, last) indexes."""
    runs, i = [], 0
    while bits:
        skip = (bits & -bits).bit_length() - 1
        bits >>= skip
        i += skip
        length = (~bits & (bits + 1)).bit_length() - 1
        runs.append((i, i + length - 1))
        bits >>= length
        i += length
    return runs


@dataclass
class StudyAgreement:
    coders: list[int]
    sessions: list[SessionAgreement]
    by_code: dict[int, Counts]
    overall: Counts


def study_agreement(units_by_session: dict[int, list[tuple[int, int]]], spans: list[Span],
                    coders: Sequence[int], code_ids: Iterable[int] | None = None,
                    overlap: float = 0.9) -> StudyAgreement:
    """Per session, then pooled over the study. ``code_ids`` None: every code either coder used."""
    if len(coders) < 2:
        raise ValueError("Agreement needs at least two coders.")
    codes = sorted(set(code_ids) if code_ids is not None
                   else {s.code_id for s in spans if s.coder_id in coders})
    per_session: dict[int, list[Span]] = defaultdict(list)
    for s in spans:
        per_session[s.session_id].append(s)
    sessions = [session_agreement(sid, units, per_session.get(sid, []), coders, codes, overlap)
                for sid, units in units_by_session.items()]
    by_code = {c: Counts(coders=len(coders)) for c in codes}
    overall = Counts(coders=len(coders))
    for sa in sessions:
        for c, k in sa.by_code.items():
            by_code[c].add(k)
        overall.add(sa.overall)
    return StudyAgreement(list(coders), sessions, by_code, overall)
