"""Auto-coding: find every passage where a word or phrase is said and code it, after a preview.

The unit coded is the whole turn (segment) or the sentence around the match, whose start and end
come from the word times (a sentence ends at a word ending in '.', '?' or '!'). Candidates come
from the FTS5 index; each is then checked word by word, so a hit always has exact times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.text import join_words, normalise_spaces
from focusdesk.store.coding_ops import apply_code
from focusdesk.store.search import fts_phrase_prefilter
from focusdesk.store.transcripts import speaker_names
from focusdesk.store.tx import transaction

UNITS = ("turn", "sentence")
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.?!…][\"'”’)\]]*$")


@dataclass
class AutoHit:
    session_id: int
    session: str
    segment_id: int
    speaker_id: int | None
    speaker: str
    start_ms: int
    end_ms: int
    text: str  # the unit's text
    already_coded: bool = False  # the code is already on exactly this unit


@dataclass
class _Query:
    terms: list[str]
    prefix: bool  # last term is a prefix ("engag*")

    def match(self, tokens: list[str]) -> list[int]:
        """Positions in ``tokens`` where the phrase starts."""
        n = len(self.terms)
        out = []
        for i in range(len(tokens) - n + 1):
            ok = all(tokens[i + k] == t for k, t in enumerate(self.terms[:-1]))
            last = tokens[i + n - 1]
            if ok and (last.startswith(self.terms[-1]) if self.prefix else last == self.terms[-1]):
                out.append(i)
        return out


def parse_query(text: str) -> _Query:
    text = text.strip().strip('"').strip()
    terms = [t.casefold() for t in _WORD.findall(text)]
    if not terms:
        raise ValueError("Type a word or phrase to look for (e.g. 'time' or 'took time').")
    return _Query(terms, text.endswith("*"))


def find_hits(db: sqlite_utils.Database, query: str, session_id: int | None = None,
              unit: str = "sentence", code_id: int | None = None) -> list[AutoHit]:
    """Preview: the units that would be coded, in session order then time; each unit once."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    q = parse_query(query)
    args: list = [fts_phrase_prefilter(q.terms, q.prefix).strip()]
    where = "segments_fts MATCH ?"
    if session_id is not None:
        where += " AND s.session_id = ?"
        args.append(session_id)
    rows = db.execute(
        "SELECT s.id, s.session_id, ses.name, s.speaker_id, s.start_ms, s.end_ms, s.text FROM segments_fts "
        "JOIN segments s ON s.id = segments_fts.rowid JOIN sessions ses ON ses.id = s.session_id "
        f"WHERE {where} ORDER BY ses.date, ses.name, s.start_ms, s.id", args).fetchall()
    existing = set()
    if code_id is not None:
        existing = {tuple(r) for r in db.execute(
            "SELECT session_id, start_ms, end_ms, speaker_id FROM codings WHERE code_id = ?", [code_id])}
    names: dict[int, dict[int, str]] = {}
    hits: list[AutoHit] = []
    for seg_id, sid, sname, spk, start, end, text in rows:
        words = db.execute("SELECT start_ms, end_ms, text FROM words WHERE segment_id = ? ORDER BY idx",
                           [seg_id]).fetchall()
        if sid not in names:
            names[sid] = speaker_names(db, sid)
        for s, e, unit_text in _units(q, words, start, end, normalise_spaces(text), unit):
            hit = AutoHit(sid, sname, seg_id, spk, names[sid].get(spk, "") if spk else "", s, e, unit_text)
            hit.already_coded = (sid, s, e, spk) in existing
            if not hits or (hits[-1].segment_id, hits[-1].start_ms) != (seg_id, s):
                hits.append(hit)
    return hits


def _units(q: _Query, words: list, start: int, end: int, text: str, unit: str):
    if not words:  # no word times: only the whole turn can be coded
        if q.match([t.casefold() for t in _WORD.findall(text)]):
            yield start, max(end, start + 1), text
        return
    tokens: list[str] = []
    owner: list[int] = []
    for n, (_, _, wtext) in enumerate(words):
        for t in _WORD.findall(wtext):
            tokens.append(t.casefold())
            owner.append(n)
    positions = q.match(tokens)
    if not positions:
        return
    if unit == "turn":
        yield start, max(end, start + 1), text
        return
    ends = [bool(_SENTENCE_END.search(w[2].strip())) for w in words]
    for pos in positions:
        first = last = owner[pos]
        while first > 0 and not ends[first - 1]:
            first -= 1
        while last < len(words) - 1 and not ends[last]:
            last += 1
        s, e = words[first][0], max(words[last][1], words[first][0] + 1)
        yield s, e, join_words(w[2] for w in words[first:last + 1])


def apply_hits(db: sqlite_utils.Database, code_id: int, hits: list[AutoHit], memo: str = "",
               coder_id: int | None = None) -> int:
    """Code the previewed hits (skipping ones already coded); returns how many codings were added."""
    before = db.execute("SELECT COUNT(*) FROM codings WHERE code_id = ?", [code_id]).fetchone()[0]
    with transaction(db):
        for h in hits:
            apply_code(db, h.session_id, code_id, h.start_ms, h.end_ms, h.speaker_id, memo, coder_id)
    return db.execute("SELECT COUNT(*) FROM codings WHERE code_id = ?", [code_id]).fetchone()[0] - before


def auto_code(db: sqlite_utils.Database, query: str, code_id: int, session_id: int | None = None,
              unit: str = "sentence", memo: str = "") -> tuple[list[AutoHit], int]:
    """Find and code in one go; returns the hits and the number of new codings."""
    hits = find_hits(db, query, session_id, unit, code_id)
    return hits, apply_hits(db, code_id, hits, memo)
