"""REFI-QDA: .qdpx and .qdc validated against the official XSDs, GUID references resolved,
round trips, the real ATLAS.ti export, and hostile or broken files refused."""

from __future__ import annotations

import zipfile

import pytest
from conftest import AUDIO, REFI
from exchange_data import fill_session
from lxml import etree

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Coding
from focusdesk.exchange import refi_export
from focusdesk.exchange.qdc import read_qdc, write_qdc
from focusdesk.exchange.refi_import import import_qdpx
from focusdesk.exchange.refi_schema import unresolved_refs
from focusdesk.exchange.safe_zip import UnsafeFileError
from focusdesk.store import annotations, codes, open_workspace, sessions, transcripts
from focusdesk.store import study as study_store

PROJECT_XSD = etree.XMLSchema(etree.parse(str(REFI / "Project-mrt2019.xsd")))
CODEBOOK_XSD = etree.XMLSchema(etree.parse(str(REFI / "Codebook-mrt2019.xsd")))
NS = "{urn:QDA-XML:project:1.0}"


@pytest.fixture
def coded(seeded):
    sid = fill_session(seeded.db)
    import_audio_file(seeded, sid, AUDIO / "jfk.flac")
    fill_session(seeded.db, "Interview 1", with_codings=False)
    return seeded, sid


@pytest.fixture
def other(tmp_path):
    ws = open_workspace(tmp_path / "other")
    yield ws
    ws.close()


def _project(path):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("project.qde")), z.namelist()


def test_qdpx_validates_and_every_reference_resolves(coded, tmp_path):
    ws, sid = coded
    out = tmp_path / "study.qdpx"
    refi_export.write_qdpx(ws, out)
    root, names = _project(out)
    assert PROJECT_XSD.validate(root), PROJECT_XSD.error_log
    assert unresolved_refs(root) == []
    # every internal:// path is in the archive
    for el in root.iter():
        for attr in ("path", "plainTextPath"):
            value = el.get(attr) or ""
            if value.startswith("internal://"):
                assert f"sources/{value[len('internal://'):]}" in names
    audio = root.findall(f"{NS}Sources/{NS}AudioSource")
    assert [a.get("name") for a in audio] == ["Focus group 1", "Interview 1"]
    assert audio[0].get("path", "").endswith(".flac")
    transcript = audio[0].find(f"{NS}Transcript")
    assert len(transcript.findall(f"{NS}SyncPoint")) >= 16
    assert len(transcript.findall(f"{NS}TranscriptSelection")) == 4
    assert [c.get("name") for c in root.iterfind(f"{NS}Cases/{NS}Case")] == ["P01", "P02", "P03", "P04"]
    assert {s.get("name") for s in root.iterfind(f"{NS}Sets/{NS}Set")} == {
        "Site: Site A", "Site: Site B", "Session: Focus group 1", "Session: Interview 1"}
    assert root.find(f"{NS}Notes/{NS}Note/{NS}PlainTextContent") is not None


def test_guids_are_stable_across_exports(coded, tmp_path):
    ws, _ = coded
    refi_export.write_qdpx(ws, tmp_path / "a.qdpx", include_media=False)
    refi_export.write_qdpx(ws, tmp_path / "b.qdpx", include_media=False)
    a, _ = _project(tmp_path / "a.qdpx")
    b, _ = _project(tmp_path / "b.qdpx")
    guids_a = [e.get("guid") for e in a.iter() if e.get("guid")]
    guids_b = [e.get("guid") for e in b.iter() if e.get("guid")]
    assert guids_a == guids_b and len(set(guids_a)) == len(guids_a)


def test_qdpx_round_trip(coded, other, tmp_path):
    ws, sid = coded
    out = tmp_path / "study.qdpx"
    refi_export.write_qdpx(ws, out)
    report = import_qdpx(other, out)
    assert report.sessions == ["Focus group 1", "Interview 1"] and report.recordings == 1
    new = sessions.session_by_name(other.db, "Focus group 1")
    a, b = transcripts.list_segments(ws.db, sid), transcripts.list_segments(other.db, new.id)
    names_a, names_b = transcripts.speaker_names(ws.db, sid), transcripts.speaker_names(other.db, new.id)
    assert len(a) == len(b) == 8
    for x, y in zip(a, b):
        assert abs(x.start_ms - y.start_ms) <= 1 and abs(x.end_ms - y.end_ms) <= 1
        assert names_a[x.speaker_id] == names_b[y.speaker_id]
    assert b[0].text == a[0].text
    assert [codes.code_path(ws.db, c.id) for c in codes.list_codes(ws.db)] == \
        [codes.code_path(other.db, c.id) for c in codes.list_codes(other.db)]
    ca, cb = annotations.list_codings(ws.db, sid), annotations.list_codings(other.db, new.id)
    assert len(ca) == len(cb) == 4
    for x, y in zip(ca, cb):
        assert abs(x.start_ms - y.start_ms) <= 1 and abs(x.end_ms - y.end_ms) <= 1
        assert codes.code_path(ws.db, x.code_id) == codes.code_path(other.db, y.code_id)
        assert names_a.get(x.speaker_id) == names_b.get(y.speaker_id)
    assert {c.memo for c in cb} >= {"Clear statement of engagement", "Spans two turns"}
    assert {p.code for p in study_store.list_participants(other.db)} == {"P01", "P02", "P03", "P04"}
    assert study_store.participant_by_code(other.db, "P01").attributes["years"] == "3"
    assert new.site_id == study_store.site_by_name(other.db, "Site A").id
    assert sorted(m.title for m in annotations.list_memos(other.db)) == ["Engagement theme", "Session reflections"]
    rec = transcripts.list_recordings(other.db, new.id)[0]
    assert rec.sha256 == transcripts.list_recordings(ws.db, sid)[0].sha256
    # a re-export of the imported study validates too
    again = tmp_path / "again.qdpx"
    refi_export.write_qdpx(other, again)
    root, _ = _project(again)
    assert PROJECT_XSD.validate(root) and unresolved_refs(root) == []


def test_qdc_export_validates_and_imports(coded, other, tmp_path):
    ws, _ = coded
    out = tmp_path / "frame.qdc"
    write_qdc(ws.db, out)
    root = etree.parse(str(out)).getroot()
    assert CODEBOOK_XSD.validate(root), CODEBOOK_XSD.error_log
    assert read_qdc(other.db, out) == len(codes.list_codes(ws.db))
    assert read_qdc(other.db, out) == 0  # merging twice adds nothing
    src = {codes.code_path(ws.db, c.id): (c.colour, c.description) for c in codes.list_codes(ws.db)}
    dst = {codes.code_path(other.db, c.id): (c.colour, c.description) for c in codes.list_codes(other.db)}
    assert src == dst


def test_atlas_ti_export_imports_users_codes_and_text_codings(other, tmp_path):
    qdpx = tmp_path / "atlas.qdpx"
    with zipfile.ZipFile(qdpx, "w") as z:
        z.write(REFI / "atlasti8-standard-project.qde", "project.qde")
    report = import_qdpx(other, qdpx)
    assert report.users == ["ATLAS.ti", "Friedrich Markgraf", "Sebastian Petrausch"]
    paths = {codes.code_path(other.db, c.id) for c in codes.list_codes(other.db)}
    assert {"happiness", "Coke", "Coke/diet Coke", "Coke/full-fat Coke", "cornflakes"} <= paths
    coke = codes.code_by_path(other.db, "Coke")
    assert coke.description == "the breakfast of champions" and coke.colour == "#966450"
    mabel = sessions.session_by_name(other.db, "Mabel")
    got = annotations.list_codings(other.db, mabel.id)
    assert len(got) == 3
    assert {codes.code_path(other.db, c.code_id) for c in got} == {"bacon and eggs", "cornflakes", "happiness"}
    assert all((c.start_ms, c.end_ms) == (0, 410 * 50) for c in got)
    simon = sessions.session_by_name(other.db, "Simon")
    memos = {c.memo for c in annotations.list_codings(other.db, simon.id)}
    assert "why does Simon feel the need to do this?" in memos
    assert report.codings == 8 and report.memos == 2
    assert any("PDFSource" in w for w in report.warnings)


def _zip(path, entries: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


MINIMAL = (b'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="x">'
           b'<Users><User guid="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B" name="u"/></Users></Project>')
BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        b']><Project xmlns="urn:QDA-XML:project:1.0" name="&lol2;"/>')


@pytest.mark.parametrize("case,message", [
    ("broken", "not a valid"),
    ("truncated", "not a valid|damaged"),
    ("slip", "leaving its folder"),
    ("absolute", "absolute path"),
    ("bomb", "DTD or entities"),
    ("wrong-root", "not a REFI-QDA project"),
    ("wrong-schema", "does not follow the REFI-QDA project schema"),
    ("no-project", "no project.qde"),
])
def test_malformed_projects_are_refused_and_change_nothing(other, tmp_path, case, message):
    path = tmp_path / f"{case}.qdpx"
    if case == "broken":
        path.write_bytes(b"this is not a zip at all")
    elif case == "truncated":
        _zip(path, {"project.qde": MINIMAL * 50})
        path.write_bytes(path.read_bytes()[:60])
    elif case == "slip":
        _zip(path, {"project.qde": MINIMAL, "../../evil.txt": b"x"})
    elif case == "absolute":
        _zip(path, {"project.qde": MINIMAL, "/etc/evil": b"x"})
    elif case == "bomb":
        _zip(path, {"project.qde": BOMB})
    elif case == "wrong-root":
        _zip(path, {"project.qde": b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>'})
    elif case == "wrong-schema":
        _zip(path, {"project.qde": b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Users/>'
                                   b'<Bogus/></Project>'})
    elif case == "no-project":
        _zip(path, {"readme.txt": b"hello"})
    with pytest.raises(UnsafeFileError, match=message):
        import_qdpx(other, path)
    assert codes.list_codes(other.db) == [] and sessions.list_sessions(other.db) == []
    assert not (tmp_path.parent / "evil.txt").exists()


def test_bad_codebooks_are_refused(other, tmp_path):
    bomb = tmp_path / "bomb.qdc"
    bomb.write_bytes(BOMB.replace(b"Project", b"CodeBook").replace(b"project", b"codebook"))
    with pytest.raises(UnsafeFileError, match="DTD"):
        read_qdc(other.db, bomb)
    wrong = tmp_path / "wrong.qdc"
    wrong.write_bytes(b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="x"/></Codes></CodeBook>')
    with pytest.raises(UnsafeFileError, match="codebook schema"):
        read_qdc(other.db, wrong)
    assert codes.list_codes(other.db) == []


def test_a_bare_qde_file_imports(other, tmp_path):
    path = tmp_path / "p.qde"
    path.write_bytes(MINIMAL)
    report = import_qdpx(other, path)
    assert report.users == ["u"]


def test_zip_bombs_and_unsafe_docx_are_refused(other, tmp_path):
    from focusdesk.core.model import Session
    from focusdesk.exchange.transcript_import import import_transcript

    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", MINIMAL)
        z.writestr("sources/zeros.txt", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(UnsafeFileError, match="expands suspiciously"):
        import_qdpx(other, bomb)
    slip = tmp_path / "slip.docx"
    _zip(slip, {"word/document.xml": b"<x/>", "../../outside.xml": b"x"})
    sid = sessions.add_session(other.db, Session("S")).id
    with pytest.raises(UnsafeFileError, match="leaving its folder"):
        import_transcript(other, sid, slip)
    entity = tmp_path / "entity.docx"
    _zip(entity, {"word/document.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'})
    with pytest.raises(UnsafeFileError, match="DTD or entities"):
        import_transcript(other, sid, entity)
    assert transcripts.list_segments(other.db, sid) == []


def test_a_session_recorded_in_parts_is_packed_as_one_file_on_its_timeline(coded, other, tmp_path):
    """REFI-QDA gives a source one file: the parts are joined at their offsets, not dropped."""
    import numpy as np

    from focusdesk.audio.decode import SAMPLE_RATE, decode_audio

    ws, sid = coded
    second = import_audio_file(ws, sid, AUDIO / "librispeech-2412-153948-0000.flac")
    assert second.offset_ms == 11000
    out = tmp_path / "parts.qdpx"
    build = refi_export.write_qdpx(ws, out)
    assert any("2 recordings are joined" in w for w in build.warnings)
    root, names = _project(out)
    PROJECT_XSD.assertValid(root)
    audio = [n for n in names if n.startswith("sources/") and not n.endswith(".txt")]
    assert len(audio) == 1 and audio[0].endswith(".m4a")
    source = next(e for e in root.iter(f"{NS}AudioSource") if e.get("name") == "Focus group 1")
    assert source.get("path") == "internal://" + audio[0].removeprefix("sources/")
    with zipfile.ZipFile(out) as z:
        z.extract(audio[0], tmp_path)
    joined = decode_audio(tmp_path / audio[0])
    libri = decode_audio(AUDIO / "librispeech-2412-153948-0000.flac")
    assert abs(len(joined) / SAMPLE_RATE - (11.0 + len(libri) / SAMPLE_RATE)) < 0.1
    # the second part sounds where the transcript says it starts: best alignment within 10 ms
    part = joined[11 * SAMPLE_RATE - 800: 11 * SAMPLE_RATE + 5 * SAMPLE_RATE + 800]
    ref = libri[: 5 * SAMPLE_RATE]
    scores = [float(np.dot(part[lag: lag + len(ref)], ref)) for lag in range(0, 1601, 8)]
    lag_ms = (int(np.argmax(scores)) * 8 - 800) / SAMPLE_RATE * 1000
    assert abs(lag_ms) <= 10 and max(scores) > 0.8 * float(np.dot(ref, ref))
    # and it comes back as one recording covering the whole session
    import_qdpx(other, out)
    new = sessions.session_by_name(other.db, "Focus group 1")
    recs = transcripts.list_recordings(other.db, new.id)
    assert len(recs) == 1 and abs(recs[0].duration_ms - len(joined) * 1000 / SAMPLE_RATE) < 100


def test_codings_that_start_or_end_between_turns_keep_the_turns_times(coded, other, tmp_path):
    """A coding that starts in the pause before a turn, or ends in the pause after one, gets its
    own sync point between the lines; on a turn's own boundary it moved that turn on import."""
    ws, sid = coded
    segs = transcripts.list_segments(ws.db, sid)
    gaps = [(a, b) for a, b in zip(segs, segs[1:]) if b.start_ms - a.end_ms >= 40]
    assert gaps, "the fixture needs a pause between two turns"
    a, b = gaps[0]
    code = codes.list_codes(ws.db)[0].id
    mid = (a.end_ms + b.start_ms) // 2
    annotations.add_coding(ws.db, Coding(sid, code, mid - 10, b.end_ms))  # starts in the pause
    annotations.add_coding(ws.db, Coding(sid, code, a.start_ms, mid + 10))  # ends in it
    out = tmp_path / "gaps.qdpx"
    refi_export.write_qdpx(ws, out, include_media=False)
    import_qdpx(other, out)
    new = sessions.session_by_name(other.db, "Focus group 1").id
    after = transcripts.list_segments(other.db, new)
    assert [(s.start_ms, s.end_ms) for s in after] == [(s.start_ms, s.end_ms) for s in segs]
    assert sorted((c.start_ms, c.end_ms) for c in annotations.list_codings(other.db, new)) == \
        sorted((c.start_ms, c.end_ms) for c in annotations.list_codings(ws.db, sid))
