"""Agreement figures on constructed cases, computed by hand (and by the krippendorff package)."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest

from focusdesk.analysis.agreement import (
    Span,
    nominal_alpha,
    second_units,
    session_agreement,
    study_agreement,
)

X, Y = 1, 2
A, B, C = 10, 20, 30


def test_two_coders_by_hand():
    """10 one-second units. Code X: A codes 0–4 s, B codes 2–6 s. Code Y: A 7–9 s, B 7–9.5 s.

    X: both 2 (units 2, 3), only A 2, only B 2, neither 4: po 0.6, pe 0.4·0.4 + 0.6·0.6 = 0.52,
    kappa 0.08 / 0.48 = 1/6; alpha: n 20, n1 8, n0 12, 4 disagreeing pairs: 1 - 19·4/(12·8) = 5/24.
    Overlap: X's codings share 2 s of 6 s (1/3), Y's 2 s of 2.5 s (0.8).
    """
    spans = [Span(1, X, A, 0, 4000), Span(1, X, B, 2000, 6000),
             Span(1, Y, A, 7000, 9000), Span(1, Y, B, 7000, 9500)]
    units = second_units(10_000)
    x = session_agreement(1, units, spans, [A, B], [X, Y], overlap=0.9).by_code[X]
    assert (x.both, x.only_a, x.only_b, x.neither) == (2, 2, 2, 4)
    assert x.percent == pytest.approx(60.0)
    assert x.kappa == pytest.approx(1 / 6)
    assert x.alpha == pytest.approx(5 / 24)
    assert x.overlap_percent == 0.0
    res = session_agreement(1, units, spans, [A, B], [X, Y], overlap=0.8)
    y = res.by_code[Y]
    assert (y.percent, y.kappa, y.alpha) == (100.0, 1.0, 1.0)  # unit 9's midpoint (9.5 s) is not covered
    assert y.overlap_percent == 100.0
    assert res.by_code[X].overlap_percent == 0.0
    assert session_agreement(1, units, spans, [A, B], [X, Y], overlap=0.3).by_code[X].overlap_percent == 100.0
    # overall pools the 20 code × unit decisions: both 4, only A 2, only B 2, neither 12
    o = res.overall
    assert o.percent == pytest.approx(80.0)
    pa = pb = 6 / 20
    pe = pa * pb + (1 - pa) * (1 - pb)
    assert o.kappa == pytest.approx((0.8 - pe) / (1 - pe))
    assert o.alpha == pytest.approx(1 - 39 * 4 / (28 * 12))
    assert o.overlap_percent == pytest.approx(50.0)  # Y's two codings agree, X's two do not
    assert res.disagreements == [(X, 0, 2000), (X, 4000, 6000)]
    ref = krippendorff.alpha(reliability_data=[[1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
                                                [0, 0, 1, 1, 1, 1, 0, 0, 0, 0]],
                             level_of_measurement="nominal")
    assert x.alpha == pytest.approx(ref)


def test_study_pools_sessions_and_three_coders_match_krippendorff():
    rng = random.Random(7)
    spans, units = [], {}
    for sid in (1, 2):
        units[sid] = second_units(60_000 + sid * 7_500)
        for coder in (A, B, C):
            for _ in range(12):
                s = rng.randrange(0, 60_000)
                spans.append(Span(sid, X, coder, s, s + rng.randrange(500, 9_000)))
    res = study_agreement(units, spans, [A, B, C])
    matrix = []
    for coder in (A, B, C):
        row = []
        for sid, us in units.items():
            for a, b in us:
                mid = (a + b) // 2
                row.append(int(any(sp.start_ms <= mid < sp.end_ms for sp in spans
                                   if sp.session_id == sid and sp.coder_id == coder)))
        matrix.append(row)
    ref = krippendorff.alpha(reliability_data=np.array(matrix), level_of_measurement="nominal")
    assert res.by_code[X].alpha == pytest.approx(ref)
    assert res.overall.alpha == pytest.approx(ref)
    assert res.by_code[X].units == len(units[1]) + len(units[2])
    assert res.overall.kappa is None or len(res.coders) == 3  # kappa is a two-coder figure


def test_general_nominal_alpha_with_missing_values_matches_krippendorff():
    rng = random.Random(3)
    data = [[rng.choice([None, "a", "b", "c", "a"]) for _ in range(40)] for _ in range(4)]
    units = list(zip(*data))
    ref = krippendorff.alpha(reliability_data=[[np.nan if v is None else "abc".index(v) for v in row]
                                               for row in data], level_of_measurement="nominal")
    assert nominal_alpha(units) == pytest.approx(ref)
    # Krippendorff (2011)'s textbook reliability data, 4 coders × 12 units, nominal alpha 0.743
    book = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
            [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    assert nominal_alpha(list(zip(*book))) == pytest.approx(0.743, abs=5e-4)


def test_no_variation_and_too_few_coders():
    units = second_units(5_000)
    same = [Span(1, X, A, 0, 2000), Span(1, X, B, 0, 2000)]
    k = session_agreement(1, units, same, [A, B], [X]).by_code[X]
    assert (k.percent, k.kappa, k.alpha) == (100.0, 1.0, 1.0)
    nothing = session_agreement(1, units, [], [A, B], [X]).by_code[X]
    assert nothing.percent == 100.0 and nothing.alpha is None  # nobody coded anything: alpha undefined
    with pytest.raises(ValueError):
        study_agreement({1: units}, same, [A])


@pytest.mark.parametrize("threshold", [0.1, 0.5, 0.9, 1.0])
def test_overlap_matches_brute_force(threshold):
    from focusdesk.analysis.agreement import overlap_agreed

    rng = random.Random(5)
    mine, theirs = ([Span(1, X, who, s, s + rng.randrange(200, 20_000))
                     for s in (rng.randrange(0, 60_000) for _ in range(80))] for who in (A, B))
    theirs.append(Span(1, X, B, mine[0].start_ms, mine[0].end_ms))  # one exact match at least

    def brute(s):
        return any(min(s.end_ms, t.end_ms) - max(s.start_ms, t.start_ms) > 0 and
                   (min(s.end_ms, t.end_ms) - max(s.start_ms, t.start_ms))
                   / (max(s.end_ms, t.end_ms) - min(s.start_ms, t.start_ms)) >= threshold - 1e-9
                   for t in theirs)

    assert overlap_agreed(mine, theirs, threshold) == sum(brute(s) for s in mine) >= 1
