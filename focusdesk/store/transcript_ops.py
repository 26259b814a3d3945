"""Transcript corrections, each one transaction: edit text, split, merge, change speaker, replace.

Word times are preserved by :mod:`focusdesk.core.word_align`. None of these touch markers or
codings: those point at media time, so correcting words never moves or drops them. Every
function returns what it needs for an exact undo (the old segments), which
:func:`restore_segments` and :func:`delete_segments` write back.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass

import sqlite_utils

from focusdesk.core import word_align
from focusdesk.core.model import Segment
from focusdesk.core.text import normalise_spaces
from focusdesk.store.study import NotFound
from focusdesk.store.transcripts import _segment_row, _write_words, get_segment, list_segments
from focusdesk.store.tx import transaction


def _get(db: sqlite_utils.Database, segment_id: int) -> Segment:
    seg = get_segment(db, segment_id)
    if seg is None:
        raise NotFound(f"Segment {segment_id} no longer exists; reload the transcript.")
    return seg


def _save(db: sqlite_utils.Database, seg: Segment) -> None:
    db["segments"].update(seg.id, _segment_row(seg))
    _write_words(db, seg)


def edit_segment_text(db: sqlite_utils.Database, segment_id: int, new_text: str) -> tuple[Segment, Segment]:
    """Replace a segment's text, realigning its words; returns (before, after)."""
    new_text = normalise_spaces(new_text)
    if not new_text:
        raise ValueError("A segment cannot be empty; merge it with a neighbour or undo instead.")
    with transaction(db):
        before = _get(db, segment_id)
        after = deepcopy(before)
        after.text = new_text
        after.words = word_align.align_words(before.words, new_text, before.start_ms, before.end_ms)
        _save(db, after)
    return before, get_segment(db, segment_id)


def split_segment(db: sqlite_utils.Database, segment_id: int, char_pos: int | None = None,
                  word_index: int | None = None, text: str | None = None) -> tuple[Segment, Segment, Segment]:
    """Split a segment at a cursor (``char_pos`` into ``text``, default its stored text) or
    before word ``word_index``. The first half keeps the id; returns (before, first, second)."""
    with transaction(db):
        before = _get(db, segment_id)
        if word_index is not None:
            res = word_align.split_index(before.words, word_index, before.start_ms, before.end_ms)
        else:
            if char_pos is None:
                raise ValueError("Say where to split: a cursor position or a word index.")
            res = word_align.split_words(before.words, text if text is not None else before.text,
                                         char_pos, before.start_ms, before.end_ms)
        first = deepcopy(before)
        first.text, first.words, first.end_ms = res.first_text, res.first_words, res.first_end
        second = deepcopy(before)
        second.id = None
        second.text, second.words, second.start_ms = res.second_text, res.second_words, res.second_start
        for w in second.words:
            w.id = None
        _save(db, first)
        second.id = db["segments"].insert(_segment_row(second)).last_pk
        _write_words(db, second)
    return before, get_segment(db, first.id), get_segment(db, second.id)


def merge_segments(db: sqlite_utils.Database, first_id: int, second_id: int) -> tuple[list[Segment], Segment]:
    """Join two neighbouring segments into the first (its speaker wins); returns (before, merged)."""
    with transaction(db):
        first, second = _get(db, first_id), _get(db, second_id)
        if first.session_id != second.session_id:
            raise ValueError("Only segments of the same session can be merged.")
        if (second.start_ms, second.id) < (first.start_ms, first.id):
            first, second = second, first
        before = [deepcopy(first), deepcopy(second)]
        merged = deepcopy(first)
        merged.text, merged.words = word_align.merge_words(first.text, first.words, second.text, second.words)
        merged.start_ms = min(first.start_ms, second.start_ms)
        merged.end_ms = max(first.end_ms, second.end_ms)
        db.execute("DELETE FROM segments WHERE id = ?", [second.id])
        _save(db, merged)
    return before, get_segment(db, merged.id)


def set_segment_speaker(db: sqlite_utils.Database, segment_id: int, speaker_id: int | None) -> tuple[Segment, Segment]:
    with transaction(db):
        before = _get(db, segment_id)
        if speaker_id is not None:
            row = db.execute("SELECT session_id FROM speakers WHERE id = ?", [speaker_id]).fetchone()
            if row is None or row[0] != before.session_id:
                raise NotFound("That speaker is not part of this session.")
        db.execute("UPDATE segments SET speaker_id = ? WHERE id = ?", [speaker_id, segment_id])
    return before, get_segment(db, segment_id)


def restore_segments(db: sqlite_utils.Database, segments: list[Segment]) -> None:
    """Write segments back exactly (ids, times, words), re-creating deleted ones: undo."""
    with transaction(db):
        for seg in segments:
            row = _segment_row(seg)
            if db.execute("SELECT 1 FROM segments WHERE id = ?", [seg.id]).fetchone():
                db["segments"].update(seg.id, row)
            else:
                db["segments"].insert({"id": seg.id, **row})
            db.execute("DELETE FROM words WHERE segment_id = ?", [seg.id])
            db.conn.executemany(
                "INSERT INTO words (id, segment_id, idx, start_ms, end_ms, text, probability) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(w.id, seg.id, i, int(w.start_ms), int(w.end_ms), w.text, w.probability)
                 for i, w in enumerate(seg.words)])


def delete_segments(db: sqlite_utils.Database, segment_ids: list[int]) -> None:
    with transaction(db):
        for seg_id in segment_ids:
            db.execute("DELETE FROM segments WHERE id = ?", [seg_id])


# --- find and replace ------------------------------------------------------------------------

@dataclass
class Match:
    segment_id: int
    start: int  # character offsets into the segment's text (display only; never stored)
    end: int
    ms: int  # time of the word where the match begins


def _pattern(find: str, case_sensitive: bool, whole_word: bool) -> re.Pattern:
    if not find:
        raise ValueError("Type something to find.")
    body = re.escape(find)
    if whole_word:
        body = rf"(?<!\w){body}(?!\w)"
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


def _ms_at(seg: Segment, char_pos: int) -> int:
    idx = word_align.char_to_word_index(seg.text, char_pos + 1) - 1
    if seg.words and 0 <= idx < len(seg.words) and len(seg.words) == len(word_align.tokens(seg.text)):
        return seg.words[idx].start_ms
    return seg.start_ms


def find_in_session(db: sqlite_utils.Database, session_id: int, find: str, case_sensitive: bool = False,
                    whole_word: bool = False) -> list[Match]:
    pattern = _pattern(find, case_sensitive, whole_word)
    out = []
    for seg in list_segments(db, session_id):
        for m in pattern.finditer(seg.text):
            out.append(Match(seg.id, m.start(), m.end(), _ms_at(seg, m.start())))
    return out


def find_replace(db: sqlite_utils.Database, session_id: int, find: str, replacement: str,
                 case_sensitive: bool = False, whole_word: bool = False,
                 segment_ids: list[int] | None = None) -> list[Segment]:
    """Replace every occurrence in the session (or in ``segment_ids``) in one transaction.

    Returns the segments as they were before, for undo; an empty list when nothing matched.
    A replacement that would leave a segment empty is refused (nothing is changed).
    """
    pattern = _pattern(find, case_sensitive, whole_word)
    wanted = set(segment_ids) if segment_ids is not None else None
    changed: list[Segment] = []
    with transaction(db):
        for seg in list_segments(db, session_id):
            if wanted is not None and seg.id not in wanted:
                continue
            new_text = pattern.sub(lambda _m: replacement, seg.text)
            if new_text == seg.text:
                continue
            if not new_text.split():
                raise ValueError(f"Replacing would leave the segment at {seg.start_ms} ms empty; "
                                 "nothing was replaced.")
            before, _ = edit_segment_text(db, seg.id, new_text)
            changed.append(before)
    return changed
