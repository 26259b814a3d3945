"""Bring in a transcript made elsewhere and attach it to a session's recording.

Reads WebVTT, SRT, DOCX and plain text with "Speaker: text" paragraphs and timestamps
(MAXQDA/f4 ``#hh:mm:ss-d#``, ATLAS.ti ``#hh:mm:ss#``, ``[hh:mm:ss]``). Speakers are created per
name and linked to a participant (by pseudonym or real name) or facilitator of that name.
A session that already has a transcript is left alone unless ``replace`` is given; codings
point at time, so they stay where they are either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from focusdesk.core.inputs import check_input_file
from focusdesk.core.model import Segment
from focusdesk.exchange.parsed import ParsedTranscript
from focusdesk.exchange.safe_zip import open_zip
from focusdesk.exchange.subtitles import parse_srt, parse_vtt
from focusdesk.exchange.text_formats import parse_speaker_text
from focusdesk.store import study as study_store
from focusdesk.store import transcripts
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace

FORMATS = ("vtt", "srt", "docx", "txt", "md", "maxqda", "atlas")


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


def docx_paragraphs(path: Path) -> list[str]:
    """Paragraph texts of a .docx, after checking the archive is safe to open."""
    with open_zip(path, "Word document (.docx)") as z:
        if "word/document.xml" not in z.names():
            raise ValueError(f"{path.name} is not a Word document (no word/document.xml).")
        xml = z.read("word/document.xml")
    from focusdesk.exchange.safe_zip import parse_xml

    root = parse_xml(xml, f"{path.name}:word/document.xml")
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    out = []
    for p in root.iter(f"{w}p"):
        parts = []
        for node in p.iter(f"{w}t", f"{w}tab", f"{w}br"):
            parts.append(node.text or "" if node.tag == f"{w}t" else " ")
        out.append("".join(parts))
    return out


def parse_transcript_file(path: Path | str, fmt: str | None = None) -> ParsedTranscript:
    path = Path(path)
    check_input_file(path, "transcript file")
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "docx":
        result = parse_speaker_text("\n".join(docx_paragraphs(path)), "docx")
    elif fmt == "vtt":
        result = parse_vtt(read_text(path))
    elif fmt == "srt":
        result = parse_srt(read_text(path))
    elif fmt in ("txt", "md", "maxqda", "atlas", "text"):
        text = read_text(path)
        result = parse_vtt(text) if text.lstrip("\ufeff").startswith("WEBVTT") else parse_speaker_text(text, fmt)
    else:
        raise ValueError(f"Cannot read {path.name}: use a .vtt, .srt, .docx, .txt or .md file "
                         "(or say which with --format).")
    return result


@dataclass
class TranscriptImport:
    segments: int
    speakers: list[str]
    warnings: list[str] = field(default_factory=list)


def _link_speaker(db, session_id: int, name: str) -> int:
    sp = transcripts.ensure_speaker(db, session_id, name)
    if sp.participant_id is None and sp.facilitator_id is None:
        key = name.casefold()
        p = next((p for p in study_store.list_participants(db)
                  if p.code.casefold() == key or (p.real_name and p.real_name.casefold() == key)), None)
        f = next((f for f in study_store.list_facilitators(db) if key in (f.code.casefold(), f.name.casefold())), None)
        if p is not None:
            sp.participant_id = p.id
        elif f is not None:
            sp.facilitator_id = f.id
        transcripts.update_speaker(db, sp)
    return sp.id


MAX_SESSION_MS = 24 * 3_600_000  # no recorded session lasts a day: a later cue is a typing slip


def check_times(parsed: ParsedTranscript, recorded_ms: int) -> None:
    """Refuse impossible cue times before anything is stored: a cue that ends before it starts,
    or one that starts after the recording ends (or past a day when there is no recording)."""
    from focusdesk.core.timefmt import format_ms

    limit = recorded_ms + 5000 if recorded_ms else MAX_SESSION_MS
    for n, seg in enumerate(parsed.segments, 1):
        span = f"{format_ms(seg.start_ms, millis=True)} --> {format_ms(seg.end_ms, millis=True)}"
        if seg.end_ms < seg.start_ms:
            raise ValueError(f"Cue {n} ({span}) ends before it starts. Correct its times in the "
                             "file and import it again; nothing was imported.")
        if seg.start_ms > limit:
            after = (f"after the recording ends ({format_ms(recorded_ms)})" if recorded_ms
                     else "more than a day into the session")
            raise ValueError(f"Cue {n} ({span}) starts {after}. Check that the file belongs to "
                             "this session and that its times are right; nothing was imported.")


def import_parsed(ws: Workspace, session_id: int, parsed: ParsedTranscript,
                  replace: bool = False) -> TranscriptImport:
    db = ws.db
    existing = db.execute("SELECT COUNT(*) FROM segments WHERE session_id = ?", [session_id]).fetchone()[0]
    if existing and not replace:
        raise ValueError(f"This session already has a transcript ({existing} segments). Use --replace "
                         "(or 'Replace' in the window) to replace it; codings stay where they are.")
    recs = transcripts.list_recordings(db, session_id)
    warnings = list(parsed.warnings)
    total = max((r.offset_ms + r.duration_ms for r in recs), default=0)
    check_times(parsed, total)
    if recs and parsed.segments and parsed.segments[-1].end_ms > total + 5000:
        warnings.append("The transcript runs past the end of the recording; check that it belongs "
                        "to this session.")

    def recording_for(ms: int) -> int | None:
        for r in recs:
            if r.offset_ms <= ms < r.offset_ms + r.duration_ms:
                return r.id
        return recs[-1].id if recs else None

    with transaction(db):
        if existing:
            transcripts.clear_transcript(db, session_id)
        ids: dict[str, int] = {}
        segs = []
        for p in parsed.segments:
            if p.speaker and p.speaker not in ids:
                ids[p.speaker] = _link_speaker(db, session_id, p.speaker)
            segs.append(Segment(session_id=session_id, start_ms=p.start_ms, end_ms=p.end_ms, text=p.text,
                                speaker_id=ids.get(p.speaker), recording_id=recording_for(p.start_ms),
                                source="import"))
        transcripts.add_segments(db, segs)
    return TranscriptImport(segments=len(segs), speakers=list(ids), warnings=warnings)


def import_transcript(ws: Workspace, session_id: int, path: Path | str, fmt: str | None = None,
                      replace: bool = False) -> TranscriptImport:
    return import_parsed(ws, session_id, parse_transcript_file(path, fmt), replace=replace)
