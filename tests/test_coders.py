"""Coders in the store and the CLI: migration, current coder, --coder, agreement, consensus."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from coding_study import build_transcripts

from focusdesk.analysis.agreement_study import agreement_table
from focusdesk.cli import main
from focusdesk.core.model import Memo
from focusdesk.store import annotations
from focusdesk.store import coders as cs
from focusdesk.store import coding_ops as co
from focusdesk.store.consensus import Choice, settle
from focusdesk.store.study import NotFound


@pytest.fixture
def study(seeded):
    return seeded.db, build_transcripts(seeded.db)


@pytest.fixture
def cli(seeded, capsys):
    build_transcripts(seeded.db)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--workspace", str(seeded.root), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_default_coder_owns_codings_and_current_coder_writes(study):
    db, ids = study
    fg, tc = ids["sess"]["Focus group 1"], ids["code"]["Time-consuming"]
    assert [c.name for c in cs.list_coders(db)] == ["default"]
    first = co.apply_code(db, fg, tc, 10_000, 20_000)
    assert first.coder_id == cs.DEFAULT_ID
    ab = cs.use_coder(db, "AB", create=True)
    assert cs.current_coder(db).id == ab.id
    mine = co.apply_code(db, fg, tc, 10_000, 20_000)
    assert mine.id != first.id and mine.coder_id == ab.id  # the same passage, another coder's coding
    assert co.apply_code(db, fg, tc, 10_000, 20_000).id == mine.id  # but once per coder
    assert co.get_coding(db, mine.id).coder_id == ab.id
    memo = annotations.add_memo(db, Memo("Reflexive note", session_id=fg))
    assert annotations.list_memos(db)[-1].coder_id == ab.id == memo.coder_id
    with pytest.raises(ValueError):
        cs.add_coder(db, "ab")  # names are unique in any case
    with pytest.raises(NotFound):
        cs.use_coder(db, "nobody")
    assert cs.coding_counts(db) == {cs.DEFAULT_ID: 1, ab.id: 1}


def _two_coders(db, ids):
    """FG1 Time-consuming: AB codes 10–20 s, CD 12–20 s (30 one-second units)."""
    fg, tc = ids["sess"]["Focus group 1"], ids["code"]["Time-consuming"]
    ab, cd = cs.add_coder(db, "AB"), cs.add_coder(db, "CD")
    co.apply_code(db, fg, tc, 10_000, 20_000, coder_id=ab.id)
    co.apply_code(db, fg, tc, 12_000, 20_000, coder_id=cd.id)
    return fg, tc, ab, cd


def test_agreement_from_the_study_by_hand(study):
    """both 8, only AB 2, neither 20: po 28/30, pe 26/45, kappa 16/19; alpha 1 - 59·2/(42·18);
    overlap 8 s of 10 s = 0.8. By segment (3 turns) both code the middle turn only: all agree."""
    db, ids = study
    _two_coders(db, ids)
    rows = agreement_table(db, ["AB", "CD"], "second", 0.9).rows()
    tc = next(r for r in rows if r["code"] == "Added burden/Time-consuming")
    assert tc["units"] == 30
    assert tc["percent"] == pytest.approx(100 * 28 / 30)
    assert tc["kappa"] == pytest.approx(16 / 19)
    assert tc["alpha"] == pytest.approx(1 - 59 * 2 / (42 * 18))
    assert tc["overlap"] == 0.0
    assert agreement_table(db, ["AB", "CD"], "second", 0.8).rows()[0]["overlap"] == 100.0
    seg = agreement_table(db, ["ab", "cd"], "segment").rows()[0]
    assert (seg["units"], seg["percent"], seg["kappa"], seg["alpha"]) == (3, 100.0, 1.0, 1.0)


def test_consensus_choices_write_the_right_codings(study):
    db, ids = study
    fg, tc, ab, cd = _two_coders(db, ids)
    assert settle(db, fg, tc, 10_000, 12_000, Choice.NEITHER, ab.id, cd.id) == []
    kept = settle(db, fg, tc, 10_000, 12_000, Choice.KEEP_B, ab.id, cd.id)
    assert [(c.start_ms, c.end_ms) for c in kept] == [(12_000, 20_000)]
    kept = settle(db, fg, tc, 10_000, 12_000, Choice.KEEP_BOTH, ab.id, cd.id)
    assert sorted((c.start_ms, c.end_ms) for c in kept) == [(10_000, 20_000), (12_000, 20_000)]
    consensus = cs.coder_by_name(db, "consensus")
    assert all(c.coder_id == consensus.id and c.code_id == tc for c in kept)
    assert len(cs.codings_of(db, [consensus.id])) == 2  # keep both after keep B added only AB's
    assert len(cs.codings_of(db, [ab.id, cd.id])) == 2  # the coders' own codings are untouched


def test_cli_coders_and_agreement(cli):
    assert cli("coder", "add", "AB")[0] == 0
    rc, out, _ = cli("coder", "use", "CD", "--create")
    assert rc == 0 and "CD" in out
    args = ("code", "add", "--session", "Focus group 1", "--code", "Added burden/Time-consuming")
    assert cli(*args, "--from", "00:00:10", "--to", "00:00:20", "--coder", "AB")[0] == 0
    assert cli(*args, "--from", "00:00:12", "--to", "00:00:20")[0] == 0  # the current coder, CD
    rc, out, _ = cli("coder", "list")
    lines = {line.split()[-2].lstrip("* "): line for line in out.splitlines()[2:]}
    assert lines["AB"].split()[-1] == "1" and lines["CD"].split()[-1] == "1"
    assert lines["CD"].startswith("*")
    rc, out, _ = cli("agreement", "--coders", "AB,CD", "--format", "csv", "--overlap", "0.8")
    table = list(csv.DictReader(io.StringIO(out)))
    row = next(r for r in table if r["code"] == "Added burden/Time-consuming")
    assert (row["units"], row["percent"], row["kappa"], row["overlap>=0.8"]) == ("30", "93.3", "0.842", "100.0")
    rc, out, _ = cli("agreement", "--coders", "AB,CD", "--session", "Focus group 1", "--unit", "segment")
    assert rc == 0 and "(overall)" in out
    rc, _, err = cli("agreement", "--coders", "AB,XY")
    assert rc != 0 and "No coder called 'XY'" in err



def test_qdpx_carries_coders_both_ways(seeded, tmp_path):
    from lxml import etree

    from focusdesk.exchange import refi_export
    from focusdesk.exchange.refi_import import import_qdpx
    from focusdesk.store import open_workspace

    db = seeded.db
    fg, tc, ab, cd = _two_coders(db, build_transcripts(db))
    cs.use_coder(db, "CD")
    annotations.add_memo(db, Memo("CD's note", session_id=fg))
    out = tmp_path / "coders.qdpx"
    refi_export.write_qdpx(seeded, out, include_media=False)
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
    ns = "{urn:QDA-XML:project:1.0}"
    users = {u.get("name"): u.get("guid") for u in root.iter(f"{ns}User")}
    assert set(users) == {"default", "AB", "CD"}
    made_by = sorted(users_inv for c in root.iter(f"{ns}Coding")
                     for users_inv in [next(n for n, g in users.items() if g == c.get("creatingUser"))])
    assert made_by == ["AB", "CD"]
    other = open_workspace(tmp_path / "other")
    try:
        cs.add_coder(other.db, "ab")  # an existing coder of that name takes the user's codings
        import_qdpx(other, out)
        got = sorted((cs.get_coder(other.db, c.coder_id).name, c.start_ms)
                     for c in cs.codings_of(other.db))
        assert got == [("CD", 12_000), ("ab", 10_000)]
        memo = next(m for m in annotations.list_memos(other.db) if m.title == "CD's note")
        assert cs.get_coder(other.db, memo.coder_id).name == "CD"
        assert cs.coder_by_name(other.db, "CD").guid == users["CD"].strip("{}").upper()
    finally:
        other.close()


def test_codings_export_names_the_coder(study):
    from focusdesk.exchange.spreadsheets import CODING_HEADERS, coding_rows

    db, ids = study
    _two_coders(db, ids)
    col = CODING_HEADERS.index("coder")
    assert sorted((r[col], r[5]) for r in coding_rows(db)) == [("AB", 10_000), ("CD", 12_000)]


def test_codings_of_an_old_study_belong_to_the_default_coder(tmp_path):
    import shutil

    from conftest import ROOT

    from focusdesk.store import open_workspace
    from focusdesk.store.workspace import DB_NAME

    root = tmp_path / "legacy"
    root.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "study-v1.sqlite", root / DB_NAME)
    with open_workspace(root) as ws:
        old = annotations.list_codings(ws.db)
        assert old and {c.coder_id for c in old} == {cs.DEFAULT_ID}
        assert cs.current_coder(ws.db).name == "default"
        assert [(c.name, n) for c in cs.list_coders(ws.db) for n in [cs.coding_counts(ws.db)[c.id]]] == \
            [("default", len(old))]


def test_coder_choice_is_asked_until_someone_chooses(seeded, tmp_path):
    db = seeded.db
    assert cs.needs_coder_choice(db)
    cs.mark_coder_chosen(db)  # "default" it is: never asked again
    assert not cs.needs_coder_choice(db) and cs.current_coder(db).id == cs.DEFAULT_ID
    from focusdesk.store import open_workspace

    other = open_workspace(tmp_path / "other")
    try:
        assert cs.needs_coder_choice(other.db)
        cs.use_coder(other.db, "Ann Baker", create=True)  # choosing by Code ▸ Coder… or the CLI
        assert not cs.needs_coder_choice(other.db)
    finally:
        other.close()


def test_several_coders_shown_and_their_marks(study):
    from focusdesk.core.errors import UserError

    db, ids = study
    _fg, _tc, ab, cd = _two_coders(db, ids)
    assert cs.set_shown(db, ab.id, False) == [cs.DEFAULT_ID, cd.id]
    assert cs.set_shown(db, cs.DEFAULT_ID, False) == [cd.id]
    assert [c.coder_id for c in cs.visible(db, cs.codings_of(db))] == [cd.id]
    with pytest.raises(UserError, match="At least one coder"):
        cs.set_shown(db, cd.id, False)
    assert cs.shown_coders(db) == [cd.id]  # refused: nothing changed
    assert cs.set_shown(db, ab.id, True) == [ab.id, cd.id]
    assert cs.set_shown(db, cs.DEFAULT_ID, True) is None  # everyone again
    assert [cs.initials(n) for n in ("Ann Baker", "AB", "alice", "jean-luc")] == ["AB", "AB", "AL", "JL"]
    assert len({cs.mark_colour(i) for i in (cs.DEFAULT_ID, ab.id, cd.id)}) == 3
    assert cs.mark_colour(ab.id) == cs.mark_colour(ab.id)


def test_cli_memo_as_the_codings_coder(cli, seeded):
    db = seeded.db
    args = ("code", "add", "--session", "Focus group 1", "--code", "Added burden/Time-consuming",
            "--from", "00:00:10", "--to", "00:00:20")
    assert cli(*args, "--coder", "AB")[0] != 0  # no such coder yet: refused, nothing written
    assert cli("coder", "add", "AB")[0] == 0
    assert cli(*args, "--coder", "AB")[0] == 0
    ab = cs.coder_by_name(db, "AB")
    (coding,) = cs.codings_of(db, [ab.id])
    rc, _, err = cli("code", "memo", str(coding.id), "my note")  # the current coder is "default"
    assert rc == 2 and "is AB's" in err and "--coder 'AB'" in err
    assert co.get_coding(db, coding.id).memo == ""
    rc, out, _ = cli("code", "memo", str(coding.id), "my note", "--coder", "ab")
    assert rc == 0 and "coder AB" in out
    assert co.get_coding(db, coding.id).memo == "my note"
    cs.use_coder(db, "AB")
    assert cli("code", "memo", str(coding.id), "now mine")[0] == 0  # the current coder by default
    assert co.get_coding(db, coding.id).memo == "now mine"
    memo = co.set_code_memo(db, coding.code_id, "why this code")
    row = db.execute("SELECT coder_id FROM memos WHERE id = ?", [memo.id]).fetchone()
    assert row[0] == ab.id  # a code's memo records who wrote it
