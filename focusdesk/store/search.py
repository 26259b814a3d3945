"""Full-text search across every session of the study (SQLite FTS5 over ``segments``).

The user types words, not FTS syntax: each word must occur (prefix match on the last one so that
"engag" finds "engagement"); text in double quotes is a phrase. A hit carries the session, the
speaker's display name (pseudonym, via ``speaker_names``) and the time of the first matching
word, so a window can open the session there and play from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.text import normalise_spaces
from focusdesk.core.word_align import normalise
from focusdesk.store.transcripts import speaker_names


@dataclass
class SearchHit:
    session_id: int
    session_name: str
    segment_id: int
    speaker_id: int | None
    speaker: str  # display name (participant code, facilitator, or diarization label)
    ms: int  # start of the first matching word (segment start when words are unknown)
    segment_start_ms: int
    text: str  # the segment's text
    snippet: str  # the text around the match, matches in [brackets]


_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(query: str) -> tuple[str, list[str]]:
    """(FTS5 MATCH expression, plain terms) for what the user typed; ValueError when empty.

    Search rules: words and "quoted phrases" in any order, all required; the last word is
    completed as the user types (a prefix) unless the query ends with a quote. Auto-coding reads
    its query differently (``fts_phrase_prefilter``)."""
    terms: list[str] = []
    parts: list[str] = []
    for phrase, bare in re.findall(r'"([^"]*)"|(\S+)', query):
        words = _TOKEN.findall(phrase or bare)
        if not words:
            continue
        terms.extend(w.casefold() for w in words)
        quoted = " ".join(f'"{w}"' for w in words)
        parts.append(f'"{" ".join(words)}"' if phrase else quoted)
    if not parts:
        raise ValueError("Type one or more words to search for.")
    if not query.rstrip().endswith('"'):
        parts[-1] = parts[-1] + "*"
    return " AND ".join(parts), terms


def fts_phrase_prefilter(terms: list[str], prefix: bool) -> str:
    """FTS5 MATCH for segments holding every term of a phrase (the last one as a prefix when
    ``prefix``), for auto-coding. Unlike ``fts_query`` the whole query is one phrase and a
    prefix needs an explicit ``*``: auto-coding codes what it finds, so it must not guess
    completions; it checks the exact phrase in each segment's words afterwards."""
    return " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"' + ("*" if prefix else "")


def search(db: sqlite_utils.Database, query: str, session_id: int | None = None,
           limit: int = 500) -> list[SearchHit]:
    """Hits in session order (by date, name) then time; at most ``limit``."""
    match, terms = fts_query(query)
    where = "segments_fts MATCH ?"
    args: list = [match]
    if session_id is not None:
        where += " AND s.session_id = ?"
        args.append(session_id)
    rows = db.execute(
        "SELECT s.id, s.session_id, ses.name, s.speaker_id, s.start_ms, s.text, "
        "snippet(segments_fts, 0, '[', ']', '…', 16) "
        "FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid "
        f"JOIN sessions ses ON ses.id = s.session_id WHERE {where} "
        "ORDER BY ses.date, ses.name, s.start_ms, s.id LIMIT ?", [*args, limit]).fetchall()
    if not rows:
        return []
    names: dict[int, dict[int, str]] = {}
    first_ms = _first_word_times(db, [r[0] for r in rows], terms)
    hits = []
    for seg_id, sess_id, sess_name, spk, start, text, snip in rows:
        if sess_id not in names:
            names[sess_id] = speaker_names(db, sess_id)
        hits.append(SearchHit(
            session_id=sess_id, session_name=sess_name, segment_id=seg_id, speaker_id=spk,
            speaker=names[sess_id].get(spk, "") if spk is not None else "",
            ms=first_ms.get(seg_id, start), segment_start_ms=start, text=normalise_spaces(text),
            snippet=normalise_spaces(snip)))
    return hits


def _first_word_times(db: sqlite_utils.Database, segment_ids: list[int], terms: list[str]) -> dict[int, int]:
    """Start of the first word in each segment that matches a search term (prefix-wise)."""
    out: dict[int, int] = {}
    if not terms:
        return out
    for chunk_start in range(0, len(segment_ids), 500):
        chunk = segment_ids[chunk_start:chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for seg_id, start, text in db.execute(
                f"SELECT segment_id, start_ms, text FROM words WHERE segment_id IN ({marks}) "
                "ORDER BY segment_id, idx", chunk):
            if seg_id in out:
                continue
            word = normalise(text)
            if any(word.startswith(t) for t in terms):
                out[seg_id] = start
    return out
