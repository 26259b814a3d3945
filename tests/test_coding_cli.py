"""The coding and analysis commands, run through the real CLI entry point."""

from __future__ import annotations

import csv
import io

import pytest
from coding_study import build_transcripts

from focusdesk.cli import main


@pytest.fixture
def cli(seeded, capsys):
    build_transcripts(seeded.db)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--workspace", str(seeded.root), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_code_add_list_and_matrix(cli):
    rc, out, _ = cli("code", "add", "--session", "Focus group 1", "--code", "Added burden/Time-consuming",
                     "--from", "00:00:10", "--to", "00:00:15.000", "--speaker", "P02", "--memo", "set-up")
    assert rc == 0 and "coding 1" in out
    rc, out, _ = cli("code", "add", "--session", "Interview 1", "--code", "added burden/time-consuming",
                     "--from", "0", "--to", "00:00:07.5")
    assert rc == 0
    rc, out, _ = cli("codings", "--code", "Added burden/Time-consuming", "--format", "quotes")
    assert "(P02, Site A, Focus group 1, 00:00:10)" in out
    assert "“Setting it up took time every” (P03, Site B, Interview 1, 00:00:00)" in out
    rc, out, _ = cli("matrix", "--rows", "participant", "--measure", "duration", "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    col = table[0].index("Added burden/Time-consuming")
    assert {r[0]: r[col] for r in table[1:]} == {"P01": "0", "P02": "5000", "P03": "7500", "P04": "0"}
    rc, out, _ = cli("matrix", "--rows", "site", "--measure", "count")
    assert rc == 0 and "Time-consuming" in out and "Site A" in out
    rc, _, err = cli("code", "add", "--session", "Focus group 1", "--code", "No/Such", "--from", "1",
                     "--to", "2")
    assert rc == 2 and "No code 'No/Such'" in err
    rc, _, err = cli("code", "add", "--session", "Focus group 1", "--code", "Added value", "--from", "1",
                     "--to", "2", "--speaker", "P09")
    assert rc == 2 and "No speaker 'P09'" in err


def test_code_auto_preview_then_apply(cli):
    rc, out, _ = cli("code", "auto", "--all", "--query", "time", "--code", "Added burden/Time-consuming",
                     "--preview")
    assert rc == 0 and "2 hit(s); nothing coded" in out
    rc, out, _ = cli("codings")
    assert "No coded passages" in out
    rc, out, _ = cli("code", "auto", "--session", "Focus group 1", "--query", "time",
                     "--code", "Added burden/Time-consuming")
    assert "Coded 1 new passage" in out
    rc, out, _ = cli("codings", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["speaker"], r["text"]) for r in rows] == [("P02", "It took a lot of time to set up.")]


def test_code_frame_commands(cli):
    assert cli("code-frame", "add", "Added value/Builds confidence", "--include", "clients")[0] == 0
    cli("code", "add", "--session", "Focus group 1", "--code", "Added value/Builds confidence",
        "--from", "1", "--to", "2")
    rc, out, _ = cli("code-frame", "merge", "Added value/Builds confidence", "Added value/Fosters engagement")
    assert "now has 1 coding" in out
    rc, out, _ = cli("code-frame", "delete", "Added value")
    assert "4 code(s), 1 coding(s)" in out
    rc, out, _ = cli("code-frame", "trash")
    assert "Added value" in out
    rc, out, _ = cli("code-frame", "restore", "Added value")
    assert "with 0 coding(s)" in out  # the parent itself had none; its child has one
    rc, out, _ = cli("code-frame", "list")
    assert "Added value/Fosters engagement" in out
    assert cli("code-frame", "move", "Added burden/Disruptive", "--to", "Added value")[0] == 0
    assert cli("code-frame", "rename", "Added value/Disruptive", "Disrupting")[0] == 0
    assert cli("code-frame", "pin", "Added value/Disrupting", "2")[0] == 0
    rc, out, _ = cli("code-frame", "list")
    assert "Added value/Disrupting" in out and "Ctrl+2" in out


def test_framework_and_talk_time(cli):
    cli("code", "add", "--session", "Focus group 1", "--code", "Added burden/Time-consuming",
        "--from", "00:00:10", "--to", "00:00:15")
    assert cli("framework", "--summary", "P02", "Added burden/Time-consuming", "Set-up costs")[0] == 0
    rc, out, _ = cli("framework")
    assert "== P02 (Site A) ==" in out and "Summary: Set-up costs" in out
    rc, out, _ = cli("talk-time")
    assert "P01" in out and "66.7%" in out
    rc, out, _ = cli("coverage")
    assert "Never asked" in out
