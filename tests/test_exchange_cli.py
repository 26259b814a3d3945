"""The exchange commands as a user types them, on a real study folder."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from exchange_data import fill_session

from focusdesk.cli import main
from focusdesk.store import open_workspace, sessions, transcripts


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def study(seeded):
    fill_session(seeded.db)
    root = seeded.root
    seeded.close()
    return root


@pytest.mark.parametrize("fmt", ["docx", "qdpx", "srt", "vtt", "txt", "md", "csv", "xlsx", "maxqda", "atlas"])
def test_export_every_format(study, tmp_path, capsys, fmt):
    out = tmp_path / f"fg1.{fmt}"
    code, text, err = run(capsys, "-w", study, "export", "Focus group 1", "--format", fmt, "-o", out)
    assert code == 0, err
    assert out.exists() and "pseudonyms" in text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_export_names_and_no_redact(study, tmp_path, capsys):
    out = tmp_path / "fg1.txt"
    code, text, _ = run(capsys, "-w", study, "export", "Focus group 1", "-f", "txt", "-o", out,
                        "--names", "--no-redact", "--timestamps", "none")
    assert code == 0 and "real names" in text and "NOT applied" in text
    body = out.read_text()
    assert "Real Name 1: I am Real Name 1 and I work in Springfield" in body and "[00:" not in body


def test_export_study_and_reimport(study, tmp_path, capsys):
    qdpx = tmp_path / "study.qdpx"
    assert run(capsys, "-w", study, "export-study", "-f", "qdpx", "-o", qdpx)[0] == 0
    assert zipfile.is_zipfile(qdpx)
    code, text, _ = run(capsys, "-w", tmp_path / "new", "import-qdpx", qdpx)
    assert code == 0 and "2 sources as sessions" in text and "4 codings" in text
    for table in ("codings", "framework"):
        out = tmp_path / f"{table}.csv"
        assert run(capsys, "-w", study, "export-study", "-f", "csv", "--table", table, "-o", out)[0] == 0
        assert out.stat().st_size > 0
    assert run(capsys, "-w", study, "export-study", "-f", "xlsx", "-o", tmp_path / "s.xlsx")[0] == 0


def test_import_transcript_and_errors(study, tmp_path, capsys):
    srt = tmp_path / "t.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,500\nP03: We tried it for a month.\n")
    code, text, _ = run(capsys, "-w", study, "import-transcript", srt, "--session", "Interview 1")
    assert code == 0 and "Imported 1 segments" in text and "P03" in text
    code, _, err = run(capsys, "-w", study, "import-transcript", srt, "--session", "Interview 1")
    assert code == 2 and "--replace" in err
    assert run(capsys, "-w", study, "import-transcript", srt, "--session", "Interview 1", "--replace")[0] == 0
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"garbage")
    code, _, err = run(capsys, "-w", study, "import-qdpx", bad)
    assert code == 2 and "not a valid REFI-QDA project" in err
    code, _, err = run(capsys, "-w", study, "export", "No such", "-f", "txt", "-o", tmp_path / "x.txt")
    assert code == 2 and "No session called" in err
    ws = open_workspace(study)
    sid = sessions.session_by_name(ws.db, "Interview 1").id
    assert len(transcripts.list_segments(ws.db, sid)) == 1
    ws.close()


def test_frame_export_import_guide_and_redaction(study, tmp_path, capsys):
    qdc = tmp_path / "frame.qdc"
    assert run(capsys, "-w", study, "frame", "export", "-f", "qdc", "-o", qdc)[0] == 0
    yaml_out = tmp_path / "frame.yaml"
    assert run(capsys, "-w", study, "frame", "export", "-f", "yaml", "-o", yaml_out)[0] == 0
    assert "Fosters engagement" in yaml_out.read_text()
    code, text, _ = run(capsys, "-w", tmp_path / "new", "frame", "import", qdc)
    assert code == 0 and "8 new codes" in text
    doc = Document()
    doc.add_heading("Opening", 1)
    doc.add_paragraph("How are you?", style="List Number")
    guide_path = tmp_path / "g.docx"
    doc.save(str(guide_path))
    code, text, _ = run(capsys, "-w", study, "guide", "import", guide_path)
    assert code == 0 and "1 sections, 1 questions" in text
    assert run(capsys, "-w", study, "redaction", "add", "St Mary's", "--placeholder", "[HOSPITAL]")[0] == 0
    code, text, _ = run(capsys, "-w", study, "redaction", "list")
    assert "St Mary's => [HOSPITAL]" in text and "Springfield => [PLACE]" in text
    assert run(capsys, "-w", study, "redaction", "remove", "St Mary's")[0] == 0
    code, _, err = run(capsys, "-w", study, "redaction", "remove", "Nowhere")
    assert code == 2 and "not on the redaction list" in err
