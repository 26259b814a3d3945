"""Subtitles, text formats, spreadsheets, transcript and guide imports, pseudonyms/redaction."""

from __future__ import annotations

import io
import zipfile

import pysrt
import pytest
import webvtt
from docx import Document
from exchange_data import fill_session
from openpyxl import load_workbook

from focusdesk.core.model import Session, SessionKind
from focusdesk.exchange import exports, subtitles, text_formats
from focusdesk.exchange.guide_docx import load_guide_docx
from focusdesk.exchange.safe_write import write_text
from focusdesk.exchange.session_data import ExportOptions, load_session
from focusdesk.exchange.transcript_import import import_parsed, import_transcript
from focusdesk.store import annotations, sessions, transcripts


@pytest.fixture
def coded(seeded):
    sid = fill_session(seeded.db)
    return seeded, sid


def _new_session(db, name="Copy"):
    return sessions.add_session(db, Session(name, SessionKind.FOCUS_GROUP)).id


def _assert_round_trip(ws, sid, new_sid, options=None):
    data = load_session(ws.db, sid, options or ExportOptions())
    a = transcripts.list_segments(ws.db, sid)
    b = transcripts.list_segments(ws.db, new_sid)
    assert len(a) == len(b)
    names_a = transcripts.speaker_names(ws.db, sid)
    names_b = transcripts.speaker_names(ws.db, new_sid)
    for x, y in zip(a, b):
        assert abs(x.start_ms - y.start_ms) <= 1 and abs(x.end_ms - y.end_ms) <= 1
        assert y.text == data.text(x)
        assert names_b[y.speaker_id] == names_a[x.speaker_id]
        assert y.source == "import"


@pytest.mark.parametrize("fmt", ["vtt", "srt", "maxqda"])
def test_round_trip_keeps_segments_speakers_and_times(coded, tmp_path, fmt):
    ws, sid = coded
    out = tmp_path / f"out.{fmt}.txt"
    exports.export_session(ws, sid, fmt, out)
    new_sid = _new_session(ws.db)
    result = import_transcript(ws, new_sid, out, fmt=fmt)
    assert result.segments == 8
    _assert_round_trip(ws, sid, new_sid)
    # the imported speakers are linked back to the participants they name
    spk = {s.label: s for s in transcripts.list_speakers(ws.db, new_sid)}
    assert spk["P01"].participant_id is not None and spk["F1"].facilitator_id is not None


def test_vtt_parses_with_webvtt_py_and_has_voice_tags(coded, tmp_path):
    ws, sid = coded
    out = tmp_path / "s.vtt"
    exports.export_session(ws, sid, "vtt", out)
    captions = webvtt.read(str(out))
    segs = transcripts.list_segments(ws.db, sid)
    assert len(captions) == len(segs)
    assert captions[1].voice == "P01"
    assert captions[1].start == "00:00:05.300" and captions[1].end == "00:00:10.900"
    assert "<v P01>" in out.read_text()


def test_srt_parses_with_pysrt(coded, tmp_path):
    ws, sid = coded
    out = tmp_path / "s.srt"
    exports.export_session(ws, sid, "srt", out)
    subs = pysrt.open(str(out))
    segs = transcripts.list_segments(ws.db, sid)
    assert len(subs) == len(segs)
    assert subs[0].start.ordinal == segs[0].start_ms and subs[-1].end.ordinal == segs[-1].end_ms
    assert subs[1].text.startswith("P01: ")


def _content(path, fmt) -> str:
    if fmt == "docx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    if fmt == "qdpx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8") for n in z.namelist())
    if fmt == "xlsx":
        wb = load_workbook(path)
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    return path.read_text(encoding="utf-8-sig")


# rttm holds speaker turns, no text: its pseudonyms are checked in tests/test_rttm.py
@pytest.mark.parametrize("fmt", [f for f in exports.SESSION_FORMATS if f != "rttm"])
def test_every_format_uses_pseudonyms_and_the_redaction_list(coded, tmp_path, fmt):
    ws, sid = coded
    out = tmp_path / f"out{exports.SUFFIX[fmt]}"
    exports.export_session(ws, sid, fmt, out)
    text = _content(out, fmt)
    assert "Real Name" not in text
    assert "Springfield" not in text
    assert "P01" in text
    assert "[PLACE]" in text
    named = tmp_path / f"named{exports.SUFFIX[fmt]}"
    exports.export_session(ws, sid, fmt, named, ExportOptions(names=True, redact=False))
    text = _content(named, fmt)
    assert "Real Name 1" in text and "Springfield" in text


@pytest.mark.parametrize("fmt", exports.STUDY_FORMATS)
def test_study_exports_use_pseudonyms_and_redaction(coded, tmp_path, fmt):
    ws, _ = coded
    out = tmp_path / f"study{exports.SUFFIX[fmt]}"
    exports.export_study(ws, fmt, out)
    text = _content(out, fmt)
    assert "Real Name" not in text and "Springfield" not in text
    assert "P01" in text and "[PLACE]" in text


def test_framework_matrix_csv(coded, tmp_path):
    ws, _ = coded
    out = tmp_path / "fw.csv"
    exports.export_study(ws, "csv", out, table="framework")
    import csv

    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["participant", "site"]
    assert "Added burden/Overwhelming" in rows[0]
    p01 = next(r for r in rows if r[0] == "P01")
    assert "overwhelming at first" in p01[rows[0].index("Added burden/Overwhelming")]


def test_codings_csv_rows_and_formula_guard(coded, tmp_path):
    ws, sid = coded
    annotations.update_coding  # noqa: B018 (the API the memo edit below goes through)
    c = annotations.list_codings(ws.db, sid)[0]
    c.memo = "=HYPERLINK(\"http://x\")"
    annotations.update_coding(ws.db, c)
    out = tmp_path / "c.csv"
    exports.export_session(ws, sid, "csv", out)
    import csv

    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 4
    assert {r["code"] for r in rows} >= {"Added value/Fosters engagement", "Added burden/Overwhelming"}
    row = next(r for r in rows if r["code"] == "Added burden/Overwhelming")
    assert row["participant"] == "P01" and row["start"] == "00:00:21.800" and row["site"] == "Site A"
    assert "overwhelming at first" in row["text"]
    assert any(r["memo"].startswith("'=") for r in rows)


def test_text_and_markdown_options(coded):
    ws, sid = coded
    data = load_session(ws.db, sid)
    txt = text_formats.to_txt(data)
    assert "--- Welcome and introductions ---" in txt and "[00:00:05] P01: I am P01" in txt
    assert "Note 00:00:22" in txt
    md = text_formats.to_markdown(data)
    assert "## Added value and added burden" in md and "**P02:**" in md
    none = text_formats.to_txt(load_session(ws.db, sid, ExportOptions(timestamps="none")))
    assert "[00:" not in none
    every = text_formats.to_txt(load_session(ws.db, sid, ExportOptions(timestamps="interval", interval_s=20)))
    assert every.count("[00:") == 2  # 00:00:01 and the first turn 20 s later (00:00:21)
    atlas = text_formats.to_atlas(data)
    assert "#00:00:05# P01: I am P01" in atlas


def test_atlas_and_f4_timestamps_parse(tmp_path):
    parsed = text_formats.parse_speaker_text(
        "Interview with a nurse\n\n#00:00:02# I: How are you?\n\n#00:00:05# B: Fine, thanks.\n")
    assert [(s.start_ms, s.speaker) for s in parsed.segments] == [(2000, "I"), (5000, "B")]
    assert parsed.segments[0].end_ms == 5000
    f4 = text_formats.parse_speaker_text("I: How are you? #00:00:03-5#\n\nB: Fine. #00:00:07-0#\n")
    assert [(s.start_ms, s.end_ms) for s in f4.segments] == [(0, 3500), (3500, 7000)]


def test_text_without_timestamps_is_estimated_with_a_warning():
    parsed = text_formats.parse_speaker_text("P01: one two three\nP02: four five\n")
    assert parsed.estimated_times and parsed.warnings
    assert parsed.segments[1].start_ms >= parsed.segments[0].end_ms


def test_docx_transcript_import(coded, tmp_path):
    ws, _ = coded
    doc = Document()
    doc.add_paragraph("Focus group transcript")
    doc.add_paragraph("[00:00:01] P03: We started using it in March.")
    doc.add_paragraph("[00:00:04.500] Dana Moderator: And then?")
    path = tmp_path / "t.docx"
    doc.save(str(path))
    sid = sessions.session_by_name(ws.db, "Interview 1").id
    result = import_transcript(ws, sid, path)
    assert result.segments == 2 and result.speakers == ["P03", "Dana Moderator"]
    segs = transcripts.list_segments(ws.db, sid)
    assert segs[0].start_ms == 1000 and segs[0].end_ms == 4500 and segs[1].start_ms == 4500
    assert transcripts.speaker_names(ws.db, sid)[segs[0].speaker_id] == "P03"


def test_import_refuses_to_overwrite_unless_replace_and_keeps_codings(coded, tmp_path):
    ws, sid = coded
    before = annotations.list_codings(ws.db, sid)
    f = tmp_path / "t.vtt"
    f.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v P01>Hello\n")
    with pytest.raises(ValueError, match="already has a transcript"):
        import_transcript(ws, sid, f)
    assert len(transcripts.list_segments(ws.db, sid)) == 8
    import_transcript(ws, sid, f, replace=True)
    assert [s.text for s in transcripts.list_segments(ws.db, sid)] == ["Hello"]
    assert annotations.list_codings(ws.db, sid) == before


def test_bad_transcripts_are_refused_clearly(coded, tmp_path):
    ws, _ = coded
    sid = _new_session(ws.db)
    bad = tmp_path / "x.vtt"
    bad.write_text("not a subtitle file")
    with pytest.raises(ValueError, match="WEBVTT"):
        import_transcript(ws, sid, bad)
    srt = tmp_path / "x.srt"
    srt.write_text("hello\nworld\n")
    with pytest.raises(ValueError, match="No subtitle cues"):
        import_transcript(ws, sid, srt)
    with pytest.raises(ValueError, match="use a .vtt"):
        import_transcript(ws, sid, write_text(tmp_path / "x.pdf", "x"))
    assert transcripts.list_segments(ws.db, sid) == []


def test_vtt_escapes_and_voice_names(tmp_path):
    parsed = subtitles.parse_vtt("WEBVTT\n\nNOTE x\n\n00:01.000 --> 00:02.500\n<v.loud Ann B>Fish &amp; chips <i>now</i>\n")
    seg = parsed.segments[0]
    assert (seg.start_ms, seg.end_ms, seg.speaker, seg.text) == (1000, 2500, "Ann B", "Fish & chips now")


def test_topic_guide_from_docx(tmp_path):
    doc = Document()
    doc.add_heading("Practitioner focus group", 0)
    doc.add_heading("Introductions (10 min)", 1)
    doc.add_paragraph("Please read this aloud first.")
    doc.add_paragraph("Could you say your role?", style="List Number")
    doc.add_heading("Experiences", 1)
    doc.add_paragraph("How have you used it?", style="List Number")
    doc.add_paragraph("An example where it worked?", style="List Number 2")
    doc.add_paragraph("What changed between sessions?", style="List Bullet")
    path = tmp_path / "guide.docx"
    doc.save(str(path))
    g = load_guide_docx(path)
    assert g.title == "Practitioner focus group"
    assert [s.text for s in g.sections] == ["Introductions", "Experiences"]
    assert g.sections[0].planned_minutes == 10
    assert [q.text for q in g.sections[1].children] == ["How have you used it?", "What changed between sessions?"]
    assert [p.text for p in g.sections[1].children[0].children] == ["An example where it worked?"]


def test_guide_docx_without_headings_is_refused(tmp_path):
    doc = Document()
    doc.add_paragraph("just text")
    path = tmp_path / "g.docx"
    doc.save(str(path))
    with pytest.raises(ValueError, match="no headings"):
        load_guide_docx(path)


def test_safe_write_replaces_atomically_and_keeps_old_file_on_failure(tmp_path):
    from focusdesk.exchange.safe_write import write_with

    target = tmp_path / "out.txt"
    write_text(target, "first")

    def boom(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_with(target, boom)
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left behind
    with pytest.raises(OSError, match="does not exist"):
        write_text(tmp_path / "missing" / "x.txt", "x")


def test_redaction_terms_are_not_split_by_coding_boundaries(coded):
    ws, sid = coded
    from focusdesk.exchange.redact import set_redaction_list

    set_redaction_list(ws.db, ["occupational therapist => [ROLE]", "Springfield"])
    data = load_session(ws.db, sid)
    text = data.text(transcripts.list_segments(ws.db, sid)[1])
    assert text == "I am P01 and I work in [NAME] as an [ROLE]."
    from focusdesk.exchange.session_data import redacted_pieces

    pieces = redacted_pieces("work in Springfield now", [12], data.redactor)  # cut inside the term
    assert "".join(pieces) == "work in [NAME] now"


def test_import_parsed_maps_segments_to_recordings(coded, tmp_path):
    from conftest import AUDIO

    from focusdesk.audio.media import import_audio_file
    from focusdesk.exchange.parsed import ParsedSegment, ParsedTranscript

    ws, _ = coded
    sid = _new_session(ws.db)
    rec = import_audio_file(ws, sid, AUDIO / "jfk.flac")
    result = import_parsed(ws, sid, ParsedTranscript([ParsedSegment(0, 1000, "And so", "P01")]))
    assert result.segments == 1
    assert transcripts.list_segments(ws.db, sid)[0].recording_id == rec.id


def test_exported_files_get_normal_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "x.txt"
    write_text(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    target.chmod(0o600)
    write_text(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "qdpx", "vtt"])
def test_control_characters_in_the_transcript_do_not_break_exports(coded, tmp_path, fmt):
    ws, sid = coded
    seg = transcripts.list_segments(ws.db, sid)[3]
    seg.text = seg.text.replace("really", "re\x0bally\x01")
    transcripts.update_segment(ws.db, seg, words=False)
    out = tmp_path / f"x{exports.SUFFIX[fmt]}"
    exports.export_session(ws, sid, fmt, out)
    assert "fosters engagement" in _content(out, fmt)


def test_first_names_and_surnames_alone_are_pseudonymised_too(seeded):
    """Facilitators say "thanks, Sheila": the name on its own must not reach an export."""
    from focusdesk.core.model import Participant
    from focusdesk.exchange.redact import build_redactor
    from focusdesk.store import study as study_store

    db = seeded.db
    study_store.add_participant(db, Participant(code="P07", real_name="Sheila Brown"))
    study_store.add_participant(db, Participant(code="P08", real_name="Sheila Green"))
    study_store.add_participant(db, Participant(code="P09", real_name="Diane Young"))
    text = "Thanks, Sheila. Diane, and you, Ms Young? SHEILA BROWN liked the brown bread; young people too."
    out = build_redactor(db).apply(text)
    assert out == ("Thanks, [NAME]. P09, and you, Ms P09? P07 liked the brown bread; young people too.")
    # real names asked for: nothing replaced; the study can turn name parts off
    assert build_redactor(db, names=True, redact=False).apply(text) == text
    study_store.update_settings(db, redact_name_parts=False)
    assert build_redactor(db).apply(text).startswith("Thanks, Sheila. Diane, and you, Ms Young? P07")
