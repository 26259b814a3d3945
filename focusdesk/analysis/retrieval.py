"""Retrieval: every passage of a code (or topic section) across the study, with attribution.

The text of a passage is read from the words that overlap its time range *now*, so a passage
shows the corrected transcript and never loses its place when words are edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.analysis.data import StudyData
from focusdesk.analysis.sections import GUIDE_ROOT, PREFIX, ensure_sections, list_sections
from focusdesk.core.timefmt import format_ms
from focusdesk.store.coders import list_coders
from focusdesk.store.codes import code_path


@dataclass
class Passage:
    session: str  # session name
    site: str  # site name ("" when the session has none)
    speaker: str  # pseudonym(s) or speaker label(s); "" when nobody speaks in it
    start_ms: int
    end_ms: int
    code_path: str
    text: str
    memo: str = ""
    session_id: int = 0
    code_id: int | None = None  # None for a topic section
    coding_id: int | None = None
    section_id: int | None = None
    speaker_id: int | None = None
    participant_ids: list[int] = field(default_factory=list)
    colour: str = "#888888"
    coder: str = ""  # who made the coding

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def attribution(self) -> str:
        """E.g. "(P07, Site A, Focus group 2, 00:14:32)"."""
        parts = [p for p in (self.speaker, self.site, self.session, format_ms(self.start_ms)) if p]
        return f"({', '.join(parts)})"

    def quote(self) -> str:
        """The passage as a quotation ready to paste into a write-up."""
        return f"“{self.text}” {self.attribution()}"


def _descendant_ids(db: sqlite_utils.Database, code_id: int) -> list[int]:
    out, todo = [], [code_id]
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo.extend(r[0] for r in db.execute("SELECT id FROM codes WHERE parent_id = ?", [cur]))
    return out


def code_paths(db: sqlite_utils.Database) -> dict[int, tuple[str, str]]:
    """Code id -> (path, colour) for every code, in one query."""
    rows = {r[0]: r[1:] for r in db.execute("SELECT id, parent_id, name, colour FROM codes")}
    out: dict[int, tuple[str, str]] = {}

    def path(cid: int) -> str:
        if cid in out:
            return out[cid][0]
        parent, name, _ = rows[cid]
        text = f"{path(parent)}/{name}" if parent in rows else name
        out[cid] = (text, rows[cid][2])
        return text

    for cid in rows:
        path(cid)
    return out


def passages(db: sqlite_utils.Database, code_id: int | str | None = None, session_id: int | None = None,
             participant_id: int | None = None, include_children: bool = False,
             data: StudyData | None = None) -> list[Passage]:
    """Coded passages, oldest session first then by time.

    ``code_id`` is a code id, or ``"guide:<key>"`` for a topic section; ``None`` gives every
    coding. ``participant_id`` keeps passages attributed to that case, with only their words.
    """
    data = data or StudyData(db)
    if isinstance(code_id, str) and code_id.startswith(PREFIX):
        return _section_passages(db, data, code_id[len(PREFIX):], session_id, participant_id)
    where, args = [], []
    if code_id is not None:
        ids = _descendant_ids(db, int(code_id)) if include_children else [int(code_id)]
        where.append(f"code_id IN ({', '.join('?' * len(ids))})")
        args += ids
    if session_id is not None:
        where.append("session_id = ?")
        args.append(session_id)
    rows = db.execute("SELECT id, session_id, code_id, start_ms, end_ms, speaker_id, memo, coder_id FROM codings"
                      + (f" WHERE {' AND '.join(where)}" if where else "")
                      + " ORDER BY start_ms, id", args).fetchall()
    order = {sid: n for n, sid in enumerate(data.sessions)}
    rows.sort(key=lambda r: (order.get(r[1], 0), r[3], r[0]))
    paths = code_paths(db)
    out = []
    rows = [r for r in rows if r[1] in data.sessions]
    data.prefetch_words([(r[1], r[3], r[4]) for r in rows])
    coder_names = {c.id: c.name for c in list_coders(db)}
    for cid, sid, code, start, end, spk, memo, coder in rows:
        path, colour = paths.get(code, (code_path(db, code), "#888888"))
        p = make_passage(data, sid, start, end, spk, participant_id)
        if p is None:
            continue
        p.code_path, p.colour, p.memo, p.code_id, p.coding_id = path, colour, memo, code, cid
        p.coder = coder_names.get(coder, "")
        out.append(p)
    return out


def make_passage(data: StudyData, session_id: int, start: int, end: int, speaker_id: int | None,
                 participant_id: int | None = None) -> Passage | None:
    """A passage for a span; with ``participant_id``, None unless that case speaks in it."""
    info = data.sessions[session_id]
    owners = data.attribute(session_id, start, end, speaker_id)
    if participant_id is not None and participant_id not in owners:
        return None
    if participant_id is not None:
        spk_ids = {s for s, p in info.speaker_participant.items() if p == participant_id}
        spans = owners[participant_id]
        text_start, text_end = min(s for s, _ in spans), max(e for _, e in spans)
        text = data.text(session_id, text_start, text_end, spk_ids if speaker_id is None else None)
        speakers = [s for s in data.speakers_in(session_id, start, end) if s in spk_ids] or sorted(spk_ids)
    else:
        text = data.text(session_id, start, end, {speaker_id} if speaker_id is not None else None)
        speakers = [speaker_id] if speaker_id is not None else data.speakers_in(session_id, start, end)
    name = " & ".join(dict.fromkeys(info.speaker_name.get(s, "") for s in speakers if s is not None))
    return Passage(session=info.name, site=info.site, speaker=name, start_ms=start, end_ms=end,
                   code_path="", text=text, session_id=session_id, speaker_id=speaker_id,
                   participant_ids=[p for p in owners if p is not None])


def _section_passages(db: sqlite_utils.Database, data: StudyData, key: str, session_id: int | None,
                      participant_id: int | None) -> list[Passage]:
    ensure_sections(db, session_id)
    out = []
    order = {sid: n for n, sid in enumerate(data.sessions)}
    sections = [s for s in list_sections(db, session_id) if s.guide_item_key == key]
    sections.sort(key=lambda s: (order.get(s.session_id, 0), s.start_ms))
    for s in sections:
        p = make_passage(data, s.session_id, s.start_ms, s.end_ms, None, participant_id)
        if p is None:
            continue
        p.code_path, p.section_id, p.colour = f"{GUIDE_ROOT}/{s.text}", s.id, "#607d8b"
        out.append(p)
    return out
