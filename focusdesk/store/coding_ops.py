"""Applying codes to media time: a range (optionally one speaker's), a whole turn, removal, memos.

Codings point at (session, start_ms, end_ms, speaker), never at characters, so correcting the
words of a transcript never moves or drops them. Codings of different codes, and of the same
code, may overlap; applying exactly the same coding twice returns the existing one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.errors import UserError
from focusdesk.core.model import Coding
from focusdesk.store.annotations import add_coding
from focusdesk.store.study import NotFound
from focusdesk.store.tx import now_iso, transaction

_COLS = ("id", "session_id", "code_id", "start_ms", "end_ms", "speaker_id", "memo", "created_at", "coder_id")


def _coding(row) -> Coding:
    return Coding(**dict(zip(_COLS, row)))


def get_coding(db: sqlite_utils.Database, coding_id: int) -> Coding:
    row = db.execute(f"SELECT {', '.join(_COLS)} FROM codings WHERE id = ?", [coding_id]).fetchone()
    if row is None:
        raise NotFound(f"No coding with id {coding_id}; list them with 'focusdesk codings'.")
    return _coding(row)


END_SLACK_MS = 1000  # rounding in a typed time or a player position


def session_extent_ms(db: sqlite_utils.Database, session_id: int) -> int:
    """Where the session's media and transcript end (0: it has neither yet)."""
    row = db.execute(
        "SELECT MAX(e) FROM (SELECT MAX(offset_ms + duration_ms) AS e FROM recordings "
        "WHERE session_id = ? UNION ALL SELECT MAX(end_ms) FROM segments WHERE session_id = ?)",
        [session_id, session_id]).fetchone()
    return int(row[0] or 0)


def _check_within_session(db: sqlite_utils.Database, session_id: int, start_ms: int,
                          end_ms: int) -> None:
    """A coding past the end of what was recorded points at nothing: refuse it, saying where
    the session ends (a session with no audio or transcript yet takes any time)."""
    from focusdesk.core.timefmt import format_ms

    extent = session_extent_ms(db, session_id)
    if extent and end_ms > extent + END_SLACK_MS:
        raise ValueError(f"The session ends at {format_ms(extent, millis=True)}; a coding "
                         f"{format_ms(start_ms, millis=True)}–{format_ms(end_ms, millis=True)} "
                         "runs past it. Choose times within the recording.")


def apply_code(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
               speaker_id: int | None = None, memo: str = "", coder_id: int | None = None) -> Coding:
    """Code ``[start_ms, end_ms)`` of a session (optionally only ``speaker_id``'s words) as
    ``coder_id`` (default: the study's current coder); each coder's codings are their own."""
    start_ms, end_ms = int(start_ms), int(end_ms)
    if end_ms <= start_ms:
        raise ValueError("Select a passage first: a coding must end after it starts.")
    if start_ms < 0:
        raise ValueError("A coding cannot start before the recording (negative time).")
    _check_within_session(db, session_id, start_ms, end_ms)
    if not db.execute("SELECT 1 FROM codes WHERE id = ?", [code_id]).fetchone():
        raise NotFound(f"No code with id {code_id}; it may have been deleted.")
    if speaker_id is not None and not db.execute(
            "SELECT 1 FROM speakers WHERE id = ? AND session_id = ?", [speaker_id, session_id]).fetchone():
        raise NotFound("That speaker does not belong to this session.")
    if coder_id is None:
        from focusdesk.store.coders import current_coder

        coder_id = current_coder(db).id
    row = db.execute(
        f"SELECT {', '.join(_COLS)} FROM codings WHERE session_id = ? AND code_id = ? AND start_ms = ? "
        "AND end_ms = ? AND speaker_id IS ? AND coder_id = ?",
        [session_id, code_id, start_ms, end_ms, speaker_id, coder_id]).fetchone()
    if row is not None:
        existing = _coding(row)
        if memo and memo not in existing.memo:
            set_memo(db, existing.id, "\n".join(t for t in (existing.memo, memo) if t))
            existing = get_coding(db, existing.id)
        return existing
    return add_coding(db, Coding(session_id=session_id, code_id=code_id, start_ms=start_ms,
                                 end_ms=end_ms, speaker_id=speaker_id, memo=memo, coder_id=coder_id))


def apply_codes(db: sqlite_utils.Database, session_id: int, code_ids: list[int], start_ms: int,
                end_ms: int, speaker_id: int | None = None, memo: str = "",
                coder_id: int | None = None) -> list[Coding]:
    """Several codes on one passage, in one transaction."""
    with transaction(db):
        return [apply_code(db, session_id, cid, start_ms, end_ms, speaker_id, memo, coder_id)
                for cid in code_ids]


def code_turn(db: sqlite_utils.Database, segment_id: int, code_id: int, memo: str = "",
              coder_id: int | None = None) -> Coding:
    """Code a whole speaker turn (a transcript segment) with its speaker."""
    row = db.execute("SELECT session_id, start_ms, end_ms, speaker_id FROM segments WHERE id = ?",
                     [segment_id]).fetchone()
    if row is None:
        raise NotFound(f"No transcript segment with id {segment_id}.")
    session_id, start, end, speaker = row
    return apply_code(db, session_id, code_id, start, max(end, start + 1), speaker, memo, coder_id)


def remove_coding(db: sqlite_utils.Database, coding_id: int) -> Coding:
    """Remove one coding; returns it so that the caller can offer undo (``restore_coding``)."""
    coding = get_coding(db, coding_id)
    db.execute("DELETE FROM codings WHERE id = ?", [coding_id])
    return coding


def restore_coding(db: sqlite_utils.Database, coding: Coding) -> Coding:
    """Undo a removal."""
    coding.id = None
    return add_coding(db, coding)


def set_memo(db: sqlite_utils.Database, coding_id: int, memo: str) -> Coding:
    get_coding(db, coding_id)
    db.execute("UPDATE codings SET memo = ? WHERE id = ?", [memo, coding_id])
    return get_coding(db, coding_id)


def write_memo(db: sqlite_utils.Database, coding_id: int, memo: str, coder_id: int | None = None) -> Coding:
    """Set a coding's memo as ``coder_id`` (default: the current coder). A coding's memo is its
    coder's, like the coding, so writing it as anyone else is refused: each coder's work stays
    their own for agreement and merging."""
    from focusdesk.store.coders import current_coder, get_coder

    coding = get_coding(db, coding_id)
    writer = current_coder(db).id if coder_id is None else coder_id
    if coding.coder_id != writer:
        owner, me = get_coder(db, coding.coder_id).name, get_coder(db, writer).name
        raise UserError(f"Coding {coding_id} is {owner}'s, and so is its memo (you are coding as {me}). "
                        f"Write it as them with --coder {owner!r}, or code the passage yourself and "
                        "give your own coding the memo.")
    return set_memo(db, coding_id, memo)


def set_range(db: sqlite_utils.Database, coding_id: int, start_ms: int, end_ms: int) -> Coding:
    """Adjust where a coding starts and ends."""
    if int(end_ms) <= int(start_ms):
        raise ValueError("A coding must end after it starts.")
    get_coding(db, coding_id)
    db.execute("UPDATE codings SET start_ms = ?, end_ms = ? WHERE id = ?", [int(start_ms), int(end_ms), coding_id])
    return get_coding(db, coding_id)


def codings_at(db: sqlite_utils.Database, session_id: int, start_ms: int, end_ms: int | None = None) -> list[Coding]:
    """Codings of a session that overlap ``[start_ms, end_ms]`` (or contain ``start_ms``)."""
    end_ms = start_ms if end_ms is None else end_ms
    return [_coding(r) for r in db.execute(
        f"SELECT {', '.join(_COLS)} FROM codings WHERE session_id = ? AND start_ms <= ? AND end_ms >= ? "
        "ORDER BY start_ms, id", [session_id, end_ms, start_ms])]


def session_codings(db: sqlite_utils.Database, session_id: int) -> list[Coding]:
    """Every coding of a session in time order (what the editor draws in its margin)."""
    return [_coding(r) for r in db.execute(
        f"SELECT {', '.join(_COLS)} FROM codings WHERE session_id = ? ORDER BY start_ms, id", [session_id])]


# --- memos on codes (the memos table) ---------------------------------------------------------

@dataclass
class CodeMemo:
    id: int | None
    code_id: int
    title: str
    body: str


def code_memo(db: sqlite_utils.Database, code_id: int) -> CodeMemo:
    """The analytic memo kept for a code (one per code; empty if none yet)."""
    row = db.execute("SELECT id, title, body FROM memos WHERE code_id = ? AND session_id IS NULL "
                     "AND participant_id IS NULL ORDER BY id LIMIT 1", [code_id]).fetchone()
    if row is None:
        return CodeMemo(None, code_id, "", "")
    return CodeMemo(row[0], code_id, row[1], row[2])


def set_code_memo(db: sqlite_utils.Database, code_id: int, body: str, title: str = "",
                  coder_id: int | None = None) -> CodeMemo:
    """Write a code's memo; it records its last writer (``coder_id``, default the current coder)."""
    from focusdesk.store.coders import current_coder

    coder_id = current_coder(db).id if coder_id is None else coder_id
    memo = code_memo(db, code_id)
    now = now_iso()
    if memo.id is None:
        memo.id = db["memos"].insert({"title": title or "Code memo", "body": body, "code_id": code_id,
                                      "created_at": now, "updated_at": now, "coder_id": coder_id}).last_pk
    else:
        db.execute("UPDATE memos SET body = ?, title = ?, updated_at = ?, coder_id = ? WHERE id = ?",
                   [body, title or memo.title, now, coder_id, memo.id])
    return code_memo(db, code_id)
