"""The seed study's whole path through the command line, from an empty workspace: the study
focusdesk was made for (two sites, eleven practitioners, three focus groups and a telephone
interview) set up, recorded (the demo's synthesized sessions), transcribed, diarized, its voices
named, marked, coded by hand and by auto-coding, analysed and exported; the DOCX files opened by
LibreOffice and the REFI-QDA project validated and imported into a fresh workspace.

It is one test on purpose: each step needs the ones before, and its timings are printed.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from focusdesk.cli import main
from focusdesk.core.outline import TEMPLATES
from focusdesk.demo.script import SCRIPTS, SUMMARIES
from focusdesk.demo.synth import synthesize
from focusdesk.exchange.refi_schema import project_schema, validation_errors
from focusdesk.store import annotations, sessions, study, transcripts
from focusdesk.store.workspace import open_workspace

pytestmark = pytest.mark.slow

SITES = {"Site A": "urban rehabilitation centre", "Site B": "rural community service"}
PROFESSIONS = ["occupational therapist", "physiotherapist", "speech therapist", "psychologist"]
PLAN = {"Focus group 1": ("focus-group", "Site A", "2024-03-04"),
        "Focus group 2": ("focus-group", "Site A", "2024-03-11"),
        "Focus group 3": ("focus-group", "Site B", "2024-03-18"),
        "Telephone interview 1": ("telephone-interview", "Site B", "2024-03-25")}


class Cli:
    """``focusdesk --workspace DIR ...`` in this process (jobs still run in child processes)."""

    def __init__(self, capsys, workspace: Path):
        self.capsys, self.workspace = capsys, workspace
        self.timings: dict[str, float] = {}

    def __call__(self, *args: str) -> str:
        self.capsys.readouterr()
        code = main(["--workspace", str(self.workspace), *args])
        out = self.capsys.readouterr()
        assert code == 0, f"focusdesk {' '.join(args)} failed: {out.err}"
        return out.out

    def timed(self, step: str, *args: str) -> str:
        began = time.monotonic()
        try:
            return self(*args)
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.monotonic() - began


def test_the_seed_study_through_the_cli(capsys, tmp_path):
    began = time.monotonic()
    cli = Cli(capsys, tmp_path / "study")
    with capsys.disabled():
        recs = {s.name: synthesize(s, tmp_path / "audio") for s in SCRIPTS}
    cli.timings["speech synthesis"] = time.monotonic() - began

    # sites, participants with attributes, guide and frame
    t = time.monotonic()
    cli("study", "init", "--title", "Digital therapy in practice")
    for name, notes in SITES.items():
        cli("site", "add", name, "--notes", notes)
    for i in range(1, 12):
        cli("participant", "add", f"P{i:02d}", "--site", "Site A" if i <= 6 else "Site B",
            "--role", "practitioner", "--attr", f"profession={PROFESSIONS[i % 4]}",
            "--attr", f"years={2 + (i * 3) % 15}")
    cli("facilitator", "add", "Facilitator", "--initials", "F")
    for script in SCRIPTS:
        kind, site, date = PLAN[script.name]
        people = sorted({line.who for line in script.lines} - {"F"})
        cli("session", "add", script.name, "--kind", kind, "--site", site, "--date", date,
            "--participants", ",".join(people), "--facilitators", "Facilitator")
    assert "guide" in cli("guide", "import", str(TEMPLATES / "topic-guide.md")).lower()
    assert "8 new codes" in cli("frame", "import", str(TEMPLATES / "coding-frame.yaml"))
    shown = cli("study", "show")
    assert "Participants (11)" in shown and "profession=physiotherapist" in shown and "years=14" in shown
    cli.timings["set-up"] = time.monotonic() - t

    hand = 0
    for script in SCRIPTS:
        rec = recs[script.name]
        name = script.name
        cli.timed("audio import", "import-audio", str(rec.path), "--session", name)
        for item in rec.lines:  # what the live console would have stored
            if item.line.guide:
                cli.timed("markers", "mark", "--session", name, "--at", f"{(item.start_ms + 300) / 1000:.3f}",
                          "--guide-item", item.line.guide)
            if item.line.tag:
                cli.timed("markers", "mark", "--session", name, "--at", f"{(item.start_ms + 1500) / 1000:.3f}",
                          "--tag", item.line.tag)
        options = ["--per-channel"] if script.telephone else []
        out = cli.timed("transcription", "transcribe", name, "--language", "en", *options)
        assert "segment(s)" in out
        people = {line.who for line in script.lines}
        if script.telephone:  # one speaker per channel, named by hand
            cli.timed("diarization", "diarize", name, "--channels")
            cli.timed("speaker mapping", "speaker", "assign", "--session", name, "S1", "Facilitator")
            cli.timed("speaker mapping", "speaker", "assign", "--session", name, "S2", "P11")
        else:  # seat taps during the session name the voices the model finds
            for item in rec.lines:
                if item.end_ms - item.start_ms >= 2400 and not item.line.overlap_ms:
                    who = "Facilitator" if item.line.who == "F" else item.line.who
                    cli.timed("speaker mapping", "taps", "add", "--session", name,
                              "--at", f"{(item.start_ms + 1200) / 1000:.3f}", "--person", who)
            out = cli.timed("diarization", "diarize", name, "--speakers", str(len(people)),
                            "--setting", "windows")
            assert "named:" in out
        voices = cli("speakers", "--session", name)
        assert "(not mapped)" not in voices, voices
        for who in people:  # a facilitator is shown by their code, never their name
            assert ("F1" if who == "F" else who) in voices
        for item in rec.lines:
            for path in item.line.codes:
                who = "Facilitator" if item.line.who == "F" else item.line.who
                cli.timed("coding by hand", "code", "add", "--session", name, "--code", path,
                          "--from", f"{item.start_ms / 1000:.3f}", "--to", f"{item.end_ms / 1000:.3f}",
                          "--speaker", who, *(["--memo", item.line.memo] if item.line.memo else []))
                hand += 1
        for query, path in script.auto_codes:
            out = cli.timed("auto-coding", "code", "auto", "--session", name, "--query", query, "--code", path)
    listed = cli("session", "list")
    for script in SCRIPTS:
        row = next(line for line in listed.splitlines() if line.startswith(script.name))
        n = len({line.who for line in script.lines})
        assert f"{n}/{n}" in row and row.rstrip().endswith("done"), row

    # analysis
    t = time.monotonic()
    ws = open_workspace(cli.workspace)
    try:
        all_codings = annotations.list_codings(ws.db)
        n_sessions = len(sessions.list_sessions(ws.db))
        n_segments = sum(len(transcripts.list_segments(ws.db, s.id)) for s in sessions.list_sessions(ws.db))
    finally:
        ws.close()
    assert hand < len(all_codings) <= hand + 12  # the auto-codes added some, not everything
    by_site = list(csv.reader(io.StringIO(cli("matrix", "--rows", "site", "--measure", "count",
                                              "--format", "csv"))))
    header, rows = by_site[0], {r[0]: r[1:] for r in by_site[1:]}
    assert {"Site A", "Site B"} <= set(rows)
    col = header.index("Added burden/Time-consuming") - 1
    assert int(rows["Site A"][col]) >= 2 and int(rows["Site B"][col]) >= 2
    by_person = list(csv.reader(io.StringIO(cli("matrix", "--rows", "participant", "--measure", "count",
                                                "--format", "csv"))))
    people_rows = {r[0]: r[1:] for r in by_person[1:]}
    assert {"P01", "P07", "P11"} <= set(people_rows)
    assert int(people_rows["P07"][by_person[0].index("Added burden/Overwhelming") - 1]) >= 1
    by_years = cli("matrix", "--rows", "profession", "--measure", "duration", "--format", "table")
    assert "psychologist" in by_years
    for code, theme, text in SUMMARIES:
        cli("framework", "--summary", code, theme, text)
    frame = cli("framework", "--format", "csv")
    assert SUMMARIES[0][2] in frame and "P11" in frame
    coverage = cli("coverage")
    assert "value-burden" in coverage.lower() or "added value and added burden" in coverage.lower()
    cli.timings["analysis"] = time.monotonic() - t

    # a DOCX per session, opened by LibreOffice
    t = time.monotonic()
    docs = []
    for script in SCRIPTS:
        docs.append(tmp_path / f"{script.name}.docx")
        cli("export", script.name, "--format", "docx", "-o", str(docs[-1]))
    texts = libreoffice_text(docs, tmp_path)
    for script, text in zip(SCRIPTS, texts):
        assert script.name in text and "Facilitator" in text, text[:500]
        for who in {line.who for line in script.lines} - {"F"}:
            assert f"{who}" in text
    assert "notification" in texts[0].lower() and "tablet" in texts[1].lower()
    cli.timings["DOCX + LibreOffice"] = time.monotonic() - t

    # the study as REFI-QDA: schema-valid, imported into a fresh workspace with the same content
    t = time.monotonic()
    qdpx = tmp_path / "study.qdpx"
    cli("export-study", "--format", "qdpx", "-o", str(qdpx))
    with zipfile.ZipFile(qdpx) as z:
        root = etree.fromstring(z.read("project.qde"))
    assert validation_errors(root, project_schema()) == []
    fresh = Cli(capsys, tmp_path / "fresh")
    fresh("import-qdpx", str(qdpx))
    compare_studies(cli.workspace, fresh.workspace, n_sessions, n_segments, len(all_codings))
    cli.timings["QDPX round trip"] = time.monotonic() - t

    total = time.monotonic() - began
    with capsys.disabled():
        print("\nseed study through the CLI: " + ", ".join(f"{k} {v:.1f} s" for k, v in cli.timings.items())
              + f"; total {total:.0f} s")


def libreoffice_text(docs: list[Path], tmp_path: Path) -> list[str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed for this test (libreoffice-writer-nogui in setup.sh)"
    out = tmp_path / "lo-out"
    env = dict(os.environ, HOME=str(tmp_path))
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                           "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(out), *map(str, docs)],
                          capture_output=True, text=True, timeout=240, env=env)
    texts = []
    for doc in docs:
        txt = out / (doc.stem + ".txt")
        assert txt.exists(), proc.stdout + proc.stderr
        texts.append(txt.read_text(encoding="utf-8-sig"))
    return texts


def compare_studies(a: Path, b: Path, n_sessions: int, n_segments: int, n_codings: int) -> None:
    wa, wb = open_workspace(a), open_workspace(b)
    try:
        da, db = wa.db, wb.db
        assert len(sessions.list_sessions(db)) == n_sessions
        assert [p.code for p in study.list_participants(da)] == [p.code for p in study.list_participants(db)]
        assert {p.code: p.attributes for p in study.list_participants(da)} == \
            {p.code: p.attributes for p in study.list_participants(db)}
        for sa in sessions.list_sessions(da):
            sb = sessions.session_by_name(db, sa.name)
            segs_a, segs_b = transcripts.list_segments(da, sa.id), transcripts.list_segments(db, sb.id)
            assert len(segs_a) == len(segs_b)
            for x, y in zip(segs_a, segs_b):
                assert abs(x.start_ms - y.start_ms) <= 1 and abs(x.end_ms - y.end_ms) <= 1
            ca = sorted((c.start_ms, c.end_ms) for c in annotations.list_codings(da, sa.id))
            cb = sorted((c.start_ms, c.end_ms) for c in annotations.list_codings(db, sb.id))
            assert len(ca) == len(cb)
            assert all(abs(x[0] - y[0]) <= 1 and abs(x[1] - y[1]) <= 1 for x, y in zip(ca, cb))
        assert sum(len(transcripts.list_segments(db, s.id)) for s in sessions.list_sessions(db)) == n_segments
        assert len(annotations.list_codings(db)) == n_codings
    finally:
        wa.close()
        wb.close()
