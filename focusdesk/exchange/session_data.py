"""One session as every export sees it: names resolved, pseudonyms and redaction applied.

Codings, markers and words point at media time; exports that need characters (DOCX comments,
REFI-QDA selections, CSV quotes) map time to characters here, at export time, using the words'
timings where they still match the text and interpolation where the text was corrected.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

import sqlite_utils

from focusdesk.core.model import Coding, GuideItem, Marker, Segment, Session
from focusdesk.core.text import join_words
from focusdesk.exchange.redact import Redactor, build_redactor
from focusdesk.store import annotations, coders, codes, diarization, guide, sessions, transcripts, withdrawal
from focusdesk.store import study as study_store


@dataclass
class ExportOptions:
    names: bool = False  # real names instead of pseudonyms
    redact: bool = True  # apply the study's redaction list
    timestamps: str = "turn"  # turn | interval | none
    interval_s: int = 60
    line_numbers: bool = False
    highlight: bool = False  # DOCX: shade coded words in the code's colour
    notes: bool = True  # live notes as comments / lines


@dataclass
class CodingView:
    coding: Coding
    path: str
    colour: str
    memo: str  # redacted
    coder: str = ""  # who coded it; "" for the built-in default coder (a study of one coder)


@dataclass
class SessionData:
    session: Session
    study_title: str
    site_name: str
    participants: list[str]
    facilitators: list[str]
    speakers: dict[int, str]
    segments: list[Segment]
    codings: list[CodingView]
    markers: list[Marker]
    guide_items: dict[str, tuple[GuideItem, int]]  # key -> (item, depth 0..2)
    duration_ms: int
    redactor: Redactor
    options: ExportOptions = field(default_factory=ExportOptions)
    overlaps: dict[int, list[int]] = field(default_factory=dict)  # segment id -> other speaker ids

    OVERLAP_MARK = "[overlapping]"

    def overlapping(self, *segs: Segment) -> bool:
        """Whether another speaker talks at the same time as any of these segments."""
        return any(s.id in self.overlaps for s in segs)

    def speaker(self, seg: Segment) -> str:
        return self.speakers.get(seg.speaker_id, "") if seg.speaker_id is not None else ""

    def text(self, seg: Segment) -> str:
        return self.redactor.apply(seg.text.strip())

    def turns(self) -> list[list[Segment]]:
        """Consecutive segments of one speaker, the unit of a paragraph."""
        out: list[list[Segment]] = []
        for seg in self.segments:
            if out and out[-1][-1].speaker_id == seg.speaker_id and seg.speaker_id is not None:
                out[-1].append(seg)
            else:
                out.append([seg])
        return out

    def guide_markers(self) -> list[Marker]:
        return [m for m in self.markers if m.guide_item_key and m.guide_item_key in self.guide_items]

    def note_markers(self) -> list[Marker]:
        return [m for m in self.markers if (m.note or m.tag)] if self.options.notes else []

    def note_text(self, m: Marker) -> str:
        parts = [p for p in (m.tag, self.redactor.apply(m.note or "")) if p]
        return " — ".join(parts)

    def coded_text(self, start_ms: int, end_ms: int) -> str:
        """The (redacted) words a coding covers, across segments."""
        out = []
        starts = [s.start_ms for s in self.segments]
        i = max(0, bisect.bisect_right(starts, start_ms) - 1)
        for seg in self.segments[i:]:
            if seg.start_ms >= end_ms and seg.start_ms > start_ms:
                break
            if seg.end_ms <= start_ms and seg.end_ms != seg.start_ms:
                continue
            text = seg.text.strip()
            a, b = ms_to_char(seg, max(start_ms, seg.start_ms)), ms_to_char(seg, min(end_ms, seg.end_ms), end=True)
            piece = self.redactor.apply(text[a:b].strip()) if b > a else ""
            if piece:
                out.append(piece)
        return join_words(out)


def load_session(db: sqlite_utils.Database, session_id: int,
                 options: ExportOptions | None = None) -> SessionData:
    options = options or ExportOptions()
    session = sessions.get_session(db, session_id)
    if session is None:
        raise LookupError(f"No session with id {session_id}.")
    st = study_store.get_study(db)
    site = study_store.get_site(db, session.site_id)
    people = {p.id: p for p in study_store.list_participants(db)}
    facs = {f.id: f for f in study_store.list_facilitators(db)}
    redactor = build_redactor(db, names=options.names, redact=options.redact)

    gone = withdrawal.withdrawn_codes(db)

    def person(pid: int) -> str:
        p = people[pid]
        if pid in gone:
            return f"{p.code} {withdrawal.WITHDRAWN_TEXT}"
        return p.real_name if options.names and p.real_name else p.code

    code_rows = {c.id: c for c in codes.list_codes(db)}
    paths: dict[int, str] = {}

    def path(cid: int) -> str:
        if cid not in paths:
            paths[cid] = codes.code_path(db, cid)
        return paths[cid]

    coder_names = {c.id: c.name for c in coders.list_coders(db) if c.id != coders.DEFAULT_ID}
    codings = [CodingView(c, path(c.code_id), code_rows[c.code_id].colour if c.code_id in code_rows
                          else "#888888", redactor.apply(c.memo), coder_names.get(c.coder_id, ""))
               for c in annotations.list_codings(db, session_id=session_id)]
    items: dict[str, tuple[GuideItem, int]] = {}
    for section in guide.load_guide(db).sections:
        items[section.key] = (section, 0)
        for q in section.children:
            items[q.key] = (q, 1)
            for p in q.children:
                items[p.key] = (p, 2)
    segs = transcripts.list_segments(db, session_id)
    removed = withdrawal.removed_speakers(db, session_id)
    if removed:  # the store says "[withdrawn]" already; this holds for turns assigned to them since
        segs = [replace(s, text=withdrawal.WITHDRAWN_TEXT, words=[]) if s.speaker_id in removed else s
                for s in segs]
    recs = transcripts.list_recordings(db, session_id)
    duration = max([r.offset_ms + r.duration_ms for r in recs] + [s.end_ms for s in segs] + [0])
    return SessionData(
        session=session, study_title=st.title if st else "", site_name=site.name if site else "",
        participants=[person(pid) for pid in session.participant_ids if pid in people],
        facilitators=[facs[f].label(options.names) for f in session.facilitator_ids if f in facs],
        speakers=transcripts.speaker_names(db, session_id, real_names=options.names),
        segments=segs, codings=codings, markers=annotations.list_markers(db, session_id),
        guide_items=items, duration_ms=duration, redactor=redactor, options=options,
        overlaps=diarization.segment_overlaps(db, session_id),
    )


# --- time <-> characters ---------------------------------------------------------------------

def word_anchors(seg: Segment) -> list[tuple[int, int, int]]:
    """(char start, start_ms, end_ms) of each word found, in order, in the stripped text."""
    text = seg.text.strip()
    out: list[tuple[int, int, int]] = []
    cursor = 0
    low = text.casefold()
    for w in seg.words:
        token = w.text.strip()
        if not token:
            continue
        pos = low.find(token.casefold(), cursor)
        if pos < 0 or pos - cursor > 40:  # the text was corrected here; skip this word
            continue
        out.append((pos, w.start_ms, w.end_ms))
        cursor = pos + len(token)
    return out


def _snap_start(text: str, pos: int) -> int:
    while 0 < pos < len(text) and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _snap_end(text: str, pos: int) -> int:
    while 0 < pos < len(text) and not text[pos].isspace():
        pos += 1
    return pos


def ms_to_char(seg: Segment, ms: int, end: bool = False) -> int:
    """Character offset in the stripped text for a time: a start snaps to the beginning of the
    word being spoken, an end to the end of the last word begun before it."""
    text = seg.text.strip()
    n = len(text)
    if ms <= seg.start_ms:
        return 0
    if ms >= seg.end_ms:
        return n
    anchors = word_anchors(seg)
    if anchors:
        if not end:
            pos = 0
            for a_pos, a_start, _ in anchors:
                if a_start <= ms:
                    pos = a_pos
                else:
                    break
            return pos
        pos = None
        for a_pos, a_start, _ in anchors:
            if a_start >= ms:
                pos = a_pos
                break
        if pos is None:
            return n
        return len(text[:pos].rstrip())
    span = max(seg.end_ms - seg.start_ms, 1)
    raw = round(n * (ms - seg.start_ms) / span)
    return _snap_end(text, raw) if end else _snap_start(text, raw)


def safe_cuts(text: str, cuts: list[int], redactor: Redactor) -> list[int]:
    """Move cut points out of redaction terms, so a term is never split (and so never missed)."""
    spans = redactor.spans(text)
    out = []
    for c in cuts:
        for a, b in spans:
            if a < c < b:
                c = a
                break
        out.append(c)
    return out


def redacted_pieces(text: str, cuts: list[int], redactor: Redactor) -> list[str]:
    """Split ``text`` at the sorted ``cuts`` and redact each piece."""
    bounds = [0] + sorted(set(min(max(c, 0), len(text)) for c in safe_cuts(text, cuts, redactor))) + [len(text)]
    return [redactor.apply(text[a:b]) for a, b in zip(bounds, bounds[1:])]
