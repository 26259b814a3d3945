"""Consensus decisions (migration 021): every choice is recorded, "neither" included, so a settled
disagreement is known as such; three coders' agreement, disagreements and settling; the CLI with
``--coders A,B,C`` and ``--decisions``; a study copy, a session's deletion and a withdrawal."""

from __future__ import annotations

import csv
import io

import pytest
from coding_study import build_transcripts

from focusdesk.analysis.agreement_study import agreement_table
from focusdesk.cli import main
from focusdesk.store import coders as cs
from focusdesk.store import coding_ops as co
from focusdesk.store import consensus, withdrawal
from focusdesk.store.consensus import Choice
from focusdesk.store.schema import LATEST

# FG1, Time-consuming, 30 one-second units: AB 10–20 s, CD 12–20 s, EF 10–15 s.
# Disagreements (not all alike): 10–12 s (AB, EF coded) and 15–20 s (AB, CD coded).
# Pairs disagreeing: AB/CD 2, AB/EF 5, CD/EF 7 = 14 of 3 pairs × 30 units; coded 23 of 90 values.
ALPHA = 1 - 89 * 14 / (2 * 67 * 23)
MEAN_PERCENT = 100 * (1 - 14 / 90)


def three_coders(db) -> tuple[dict, int, int, dict[str, int]]:
    ids = build_transcripts(db)
    fg, tc = ids["sess"]["Focus group 1"], ids["code"]["Time-consuming"]
    who = {n: cs.add_coder(db, n).id for n in ("AB", "CD", "EF")}
    for name, (start, end) in {"AB": (10_000, 20_000), "CD": (12_000, 20_000), "EF": (10_000, 15_000)}.items():
        co.apply_code(db, fg, tc, start, end, coder_id=who[name])
    return ids, fg, tc, who


@pytest.fixture
def study(seeded):
    return (seeded, *three_coders(seeded.db))


def test_three_coders_alpha_mean_percent_and_disagreements(study):
    ws, ids, fg, tc, who = study
    table = agreement_table(ws.db, ["AB", "CD", "EF"], "second", 0.9)
    row = next(r for r in table.rows() if r["code_id"] == tc)
    assert row["alpha"] == pytest.approx(ALPHA)
    assert row["percent"] == pytest.approx(MEAN_PERCENT)
    assert row["kappa"] is None
    assert row["overlap"] == 0.0
    assert agreement_table(ws.db, ["AB", "CD", "EF"], "second", 0.5).rows()[0]["overlap"] == pytest.approx(400 / 6)
    sa = table.result.sessions[0]
    assert sa.disagreements == [(tc, 10_000, 12_000), (tc, 15_000, 20_000)]
    assert sa.coded_by[(tc, 10_000, 12_000)] == (who["AB"], who["EF"])
    assert sa.coded_by[(tc, 15_000, 20_000)] == (who["AB"], who["CD"])
    # two of them: the same percent as before (both + neither over units)
    pair = agreement_table(ws.db, ["AB", "CD"]).rows()[0]
    assert pair["percent"] == pytest.approx(100 * 28 / 30) and pair["kappa"] == pytest.approx(16 / 19)


def test_every_choice_is_recorded_neither_included(study):
    ws, ids, fg, tc, who = study
    db = ws.db
    assert ws.schema_version == LATEST >= 21
    ab, cd = who["AB"], who["CD"]
    assert consensus.settle(db, fg, tc, 10_000, 12_000, Choice.NEITHER, ab, cd) == []
    [d] = consensus.decisions(db)
    assert (d.session_id, d.code_id, d.start_ms, d.end_ms, d.choice, d.coders, d.kept) == \
        (fg, tc, 10_000, 12_000, Choice.NEITHER, (ab, cd), ())
    assert d.decided_by == cs.current_coder(db).id and d.decided_at.startswith("20")
    assert consensus.is_settled(db, fg, tc, 10_000, 12_000, [cd, ab]) == d
    assert consensus.is_settled(db, fg, tc, 10_000, 12_000, [ab, who["EF"]]) is None  # other coders
    assert consensus.is_settled(db, fg, tc, 9_000, 12_000, [ab, cd]) is None  # a larger disagreement
    assert consensus.is_settled(db, fg, tc + 1, 10_000, 12_000, [ab, cd]) is None
    assert cs.codings_of(db, [consensus.consensus_coder(db).id]) == []
    consensus.settle(db, fg, tc, 15_000, 20_000, Choice.KEEP_A, ab, cd)
    assert [x.choice for x in consensus.decisions(db, fg)] == [Choice.NEITHER, Choice.KEEP_A]
    assert consensus.decisions(db, ids["sess"]["Interview 1"]) == []
    consensus.reopen(db, d.id)
    assert consensus.is_settled(db, fg, tc, 10_000, 12_000, [ab, cd]) is None
    with pytest.raises(ValueError, match="two coders"):
        consensus.settle(db, fg, tc, 10_000, 12_000, Choice.KEEP_ALL, ab, cd)


def test_three_coders_keep_one_keep_all(study):
    ws, ids, fg, tc, who = study
    db = ws.db
    coders = [who["AB"], who["CD"], who["EF"]]
    kept = consensus.decide(db, fg, tc, 10_000, 12_000, coders, Choice.KEEP_ONE, [who["EF"]])
    assert [(c.start_ms, c.end_ms) for c in kept] == [(10_000, 15_000)]  # EF's coding, whole
    kept = consensus.decide(db, fg, tc, 15_000, 20_000, coders, Choice.KEEP_ALL, coders)
    assert sorted((c.start_ms, c.end_ms) for c in kept) == [(10_000, 15_000), (10_000, 20_000), (12_000, 20_000)]
    assert [(d.choice, d.kept) for d in consensus.decisions(db)] == [(Choice.KEEP_ONE, (who["EF"],)),
                                                                     (Choice.KEEP_ALL, tuple(coders))]
    with pytest.raises(ValueError, match="one of the coders"):
        consensus.decide(db, fg, tc, 10_000, 12_000, coders[:2], Choice.KEEP_ONE, [who["EF"]])
    assert len(consensus.decisions(db)) == 2  # the refused one wrote nothing


def test_cli_three_coders_and_decisions(study, capsys):
    ws, ids, fg, tc, who = study

    def run(*argv):
        code = main(["--workspace", str(ws.root), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    rc, out, _ = run("agreement", "--coders", "AB,CD,EF", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["code"] == "Added burden/Time-consuming")
    assert rc == 0 and (row["percent"], row["kappa"], row["alpha"]) == (f"{MEAN_PERCENT:.1f}", "", f"{ALPHA:.3f}")
    rc, out, _ = run("agreement", "--coders", "AB,CD,EF")
    assert rc == 0 and "mean over coder pairs" in out
    assert run("agreement", "--decisions")[1].strip() == "No consensus decisions yet."
    consensus.settle(ws.db, fg, tc, 10_000, 12_000, Choice.NEITHER, who["AB"], who["CD"])
    consensus.decide(ws.db, fg, tc, 15_000, 20_000, list(who.values()), Choice.KEEP_ONE, [who["CD"]])
    rc, out, _ = run("agreement", "--decisions")
    lines = out.splitlines()[2:]
    assert rc == 0 and len(lines) == 2
    assert "00:00:10-00:00:12" in lines[0] and "AB,CD" in lines[0] and "neither" in lines[0]
    assert "AB,CD,EF" in lines[1] and lines[1].split()[-2:] == ["CD", "default"]
    rc, _, err = run("agreement")
    assert rc != 0 and "--coders AB,CD" in err


def test_copy_and_session_deletion_keep_decisions_consistent(study, tmp_path):
    from focusdesk.store import deletes, open_workspace
    from focusdesk.store.study_copy import copy_for

    ws, ids, fg, tc, who = study
    consensus.settle(ws.db, fg, tc, 10_000, 12_000, Choice.NEITHER, who["AB"], who["CD"])
    copy_for(ws, "GH", tmp_path / "copy")
    with open_workspace(tmp_path / "copy") as other:
        assert [d.choice for d in consensus.decisions(other.db)] == [Choice.NEITHER]
    deletes.delete_session(ws, fg)
    assert consensus.decisions(ws.db) == []


@pytest.mark.parametrize("anonymised", [False, True])
def test_withdrawal_removes_decisions_inside_their_turns_as_it_does_codings(study, anonymised):
    """P02 spoke 10–20 s of FG1: a decision inside that turn goes with their codings; one that
    spans others' speech stays; keeping passages anonymised keeps both, as it keeps codings."""
    ws, ids, fg, tc, who = study
    consensus.settle(ws.db, fg, tc, 15_000, 20_000, Choice.NEITHER, who["AB"], who["CD"])
    consensus.settle(ws.db, fg, tc, 5_000, 25_000, Choice.KEEP_A, who["AB"], who["CD"])
    withdrawal.withdraw(ws, "P02", keep_anonymised=anonymised)
    left = [(d.start_ms, d.end_ms) for d in consensus.decisions(ws.db)]
    assert left == ([(15_000, 20_000), (5_000, 25_000)] if anonymised else [(5_000, 25_000)])


def test_code_trash_and_merge_carry_decisions(study):
    from focusdesk.store import frame_ops

    ws, ids, fg, tc, who = study
    db = ws.db
    consensus.settle(db, fg, tc, 10_000, 12_000, Choice.NEITHER, who["AB"], who["CD"])
    item = frame_ops.delete_code(db, tc)
    assert consensus.decisions(db) == []
    restored = frame_ops.restore_code(db, item.id)
    [d] = consensus.decisions(db)
    assert (d.code_id, d.choice, d.coders) == (restored.id, Choice.NEITHER, (who["AB"], who["CD"]))
    assert consensus.is_settled(db, fg, restored.id, 10_000, 12_000, [who["AB"], who["CD"]]) == d
    frame_ops.merge_codes(db, restored.id, ids["code"]["Overwhelming"])
    assert [x.code_id for x in consensus.decisions(db)] == [ids["code"]["Overwhelming"]]
