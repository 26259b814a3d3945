"""The annotated DOCX: comments on the coded words, headings, options, and a real LibreOffice
conversion to PDF (no repair, the speakers and a coded quote readable)."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile

import pypdf
import pytest
from docx import Document
from exchange_data import fill_session

from focusdesk.exchange import exports
from focusdesk.exchange.session_data import ExportOptions

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def coded(seeded):
    return seeded, fill_session(seeded.db)


def _comment_ranges(path) -> dict[str, str]:
    """Comment id -> the document text between its range start and end."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    open_: dict[str, list[str]] = {}
    done: dict[str, str] = {}
    for el in body.iter():
        if el.tag == f"{W}commentRangeStart":
            open_[el.get(f"{W}id")] = []
        elif el.tag == f"{W}commentRangeEnd":
            cid = el.get(f"{W}id")
            done[cid] = "".join(open_.pop(cid, []))
        elif el.tag == f"{W}t":
            for parts in open_.values():
                parts.append(el.text or "")
    return done


def test_docx_comments_anchor_the_coded_words(coded, tmp_path):
    ws, sid = coded
    out = tmp_path / "s.docx"
    exports.export_session(ws, sid, "docx", out, ExportOptions(highlight=True, line_numbers=True))
    doc = Document(str(out))
    comments = {c.comment_id: c for c in doc.comments}
    assert len(comments) == 5  # 4 codings + 1 live note
    ranges = _comment_ranges(out)
    by_text = {c.text.split("\n")[0]: ranges[str(cid)] for cid, c in comments.items()}
    assert by_text["Added value/Fosters engagement"] in ("fosters engagement,", "I am P01 and I work in [PLACE] as an occupational therapist.")
    engaged = [ranges[str(cid)] for cid, c in comments.items() if "Clear statement" in c.text]
    assert engaged == ["fosters engagement,"]
    spans = [ranges[str(cid)] for cid, c in comments.items() if "Spans two turns" in c.text][0]
    assert spans.startswith("Honestly it was time-consuming") and spans.endswith("the added value.")
    note = [c for c in comments.values() if c.author == "Live note"][0]
    assert "[PLACE]" in note.text and "Springfield" not in note.text
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Welcome and introductions", "Added value and added burden"]
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "w:lnNumType" in xml and "w:shd" in xml
    assert "Participants: " in "\n".join(p.text for p in doc.paragraphs)


def test_docx_timestamp_options(coded, tmp_path):
    ws, sid = coded
    out = tmp_path / "none.docx"
    exports.export_session(ws, sid, "docx", out, ExportOptions(timestamps="none", notes=False))
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "[00:" not in text and "P01: I am P01" in text
    assert len(list(doc.comments)) == 4
    exports.export_session(ws, sid, "docx", out, ExportOptions(timestamps="interval", interval_s=20))
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert text.count("[00:") == 2


def test_docx_with_real_names_when_asked(coded, tmp_path):
    ws, sid = coded
    out = tmp_path / "names.docx"
    exports.export_session(ws, sid, "docx", out, ExportOptions(names=True))
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Real Name 1: I am Real Name 1" in text and "Participants: Real Name 1, Real Name 2" in text


def test_empty_session_exports(seeded, tmp_path):
    from focusdesk.store import sessions

    sid = sessions.session_by_name(seeded.db, "Interview 1").id
    out = tmp_path / "empty.docx"
    exports.export_session(seeded, sid, "docx", out)
    assert "no transcript" in "\n".join(p.text for p in Document(str(out)).paragraphs)


@pytest.mark.slow
def test_libreoffice_opens_the_docx_and_shows_speakers_and_quotes(coded, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed for this test (libreoffice-writer-nogui in setup.sh)"
    ws, sid = coded
    out = tmp_path / "session.docx"
    exports.export_session(ws, sid, "docx", out, ExportOptions(highlight=True, line_numbers=True))
    profile = tmp_path / "lo-profile"
    env = dict(os.environ, HOME=str(tmp_path))
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                          capture_output=True, text=True, timeout=240, env=env)
    pdf = tmp_path / "session.pdf"
    assert pdf.exists(), proc.stdout + proc.stderr
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(pdf)).pages)
    assert "F1:" in text and "P01:" in text and "P02:" in text and "Dana" not in text
    assert "It really fosters engagement, more than paper homework ever did." in text
    assert "Real Name" not in text and "Springfield" not in text


def test_a_coding_between_turns_still_gets_its_comment(coded, tmp_path):
    from focusdesk.core.model import Coding
    from focusdesk.store import annotations, codes

    ws, sid = coded
    code = codes.code_by_path(ws.db, "Added burden/Disruptive")
    annotations.add_coding(ws.db, Coding(session_id=sid, code_id=code.id, start_ms=4700, end_ms=5000))
    out = tmp_path / "gap.docx"
    exports.export_session(ws, sid, "docx", out)
    texts = [c.text for c in Document(str(out)).comments]
    assert any(t.startswith("Added burden/Disruptive") for t in texts) and len(texts) == 6


def test_docx_comments_name_their_coder(coded, tmp_path):
    """A team's codings in Word: each comment's author is its coder (Word colours them apart); a
    study of one coder keeps "focusdesk"."""
    from focusdesk.store import coders, coding_ops
    from focusdesk.store import codes as code_store

    ws, sid = coded
    ann = coders.add_coder(ws.db, "Ann Baker")
    code = code_store.list_codes(ws.db)[0]
    coding_ops.apply_code(ws.db, sid, code.id, 0, 3_000, coder_id=ann.id)
    out = tmp_path / "team.docx"
    exports.export_session(ws, sid, "docx", out, ExportOptions())
    comments = [c for c in Document(str(out)).comments if c.author != "Live note"]
    assert sorted(c.author for c in comments) == ["Ann Baker"] + ["focusdesk"] * 4
    assert [c.initials for c in comments if c.author == "Ann Baker"] == ["AB"]
