"""Settling a disagreement: the codings the coders agree to keep are written by coder "consensus",
and every decision is recorded (migration 021), "neither" included.

A disagreement is one code over a stretch of one session between a set of coders
(``analysis/agreement.py`` finds them); its passage is the stretch widened to the coders' codings of
that code that touch it (the codings the disagreement is about). Keep A / keep B / keep both (two
coders), keep one coder's or keep all (three or more) copy those coders' codings of the passage,
whole, to the consensus coder; neither writes no coding. Each choice writes a decision row, so a
settled disagreement is not offered again, and who decided what stays auditable. Copying the same
coding twice adds nothing (``apply_code`` returns the existing one), so settling again is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

import sqlite_utils

from focusdesk.core.model import Coding
from focusdesk.store import coders as coder_store
from focusdesk.store.coding_ops import apply_code
from focusdesk.store.tx import now_iso, transaction


class Choice(Enum):
    KEEP_A = "a"
    KEEP_B = "b"
    KEEP_BOTH = "both"
    NEITHER = "neither"
    KEEP_ONE = "one"  # three or more coders: one coder's codings
    KEEP_ALL = "all"  # three or more coders: every coder's codings


LABELS = {Choice.KEEP_A: "kept A", Choice.KEEP_B: "kept B", Choice.KEEP_BOTH: "kept both",
          Choice.NEITHER: "neither", Choice.KEEP_ONE: "kept one", Choice.KEEP_ALL: "kept all"}


@dataclass(frozen=True)
class Decision:
    """One settled disagreement: which coders were compared, whose codings were kept."""

    id: int
    session_id: int
    code_id: int
    start_ms: int
    end_ms: int
    choice: Choice
    coders: tuple[int, ...]
    kept: tuple[int, ...]
    decided_by: int | None
    decided_at: str

    def settles(self, session_id: int, code_id: int, start_ms: int, end_ms: int, coders: Iterable[int]) -> bool:
        """Does this decision cover the disagreement (same session, code and coders; its range
        within the decision's)? A disagreement that grows after new codings is open again."""
        return (self.session_id == session_id and self.code_id == code_id and set(self.coders) == set(coders)
                and self.start_ms <= start_ms and end_ms <= self.end_ms)


def consensus_coder(db: sqlite_utils.Database) -> coder_store.Coder:
    return coder_store.coder_by_name(db, coder_store.CONSENSUS, create=True)


def codings_in(db: sqlite_utils.Database, session_id: int, code_id: int, coder_id: int, start_ms: int,
               end_ms: int) -> list[Coding]:
    """A coder's codings of one code that overlap ``[start_ms, end_ms)``."""
    return [c for c in coder_store.codings_of(db, [coder_id], session_id)
            if c.code_id == code_id and c.start_ms < end_ms and c.end_ms > start_ms]


def passage_of(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
               coders: Sequence[int]) -> tuple[int, int, dict[int, list[Coding]]]:
    """The disagreement's passage (start, end) and each coder's codings of the code in it."""
    touching = [c for cid in coders for c in codings_in(db, session_id, code_id, cid, start_ms, end_ms)]
    lo = min([start_ms] + [c.start_ms for c in touching])
    hi = max([end_ms] + [c.end_ms for c in touching])
    return lo, hi, {cid: codings_in(db, session_id, code_id, cid, lo, hi) for cid in coders}


def passage(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
            coder_a: int, coder_b: int) -> tuple[int, int, list[Coding], list[Coding]]:
    """Two coders' passage: (start, end, A's codings, B's codings)."""
    lo, hi, of = passage_of(db, session_id, code_id, start_ms, end_ms, [coder_a, coder_b])
    return lo, hi, of[coder_a], of[coder_b]


def decide(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
           coders: Sequence[int], choice: Choice, keep: Sequence[int] = ()) -> list[Coding]:
    """Settle a disagreement of ``coders``: copy the codings of ``keep`` (a subset) to the consensus
    coder and record the decision; returns what the consensus now holds in the passage."""
    coders = list(dict.fromkeys(coders))
    if len(coders) < 2:
        raise ValueError("A disagreement is between at least two coders.")
    stray = [k for k in keep if k not in coders]
    if stray:
        raise ValueError("Keep the codings of one of the coders compared.")
    lo, hi, of = passage_of(db, session_id, code_id, start_ms, end_ms, coders)
    with transaction(db):
        target = consensus_coder(db).id
        for cid in keep:
            for c in of[cid]:
                apply_code(db, session_id, code_id, c.start_ms, c.end_ms, c.speaker_id, c.memo, target)
        db.execute("INSERT INTO consensus_decisions (session_id, code_id, start_ms, end_ms, choice, coders, kept, "
                   "decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [session_id, code_id, int(start_ms), int(end_ms), choice.value, _ids(coders), _ids(keep),
                    coder_store.current_coder(db).id, now_iso()])
    return codings_in(db, session_id, code_id, target, lo, hi)


def settle(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
           choice: Choice, coder_a: int, coder_b: int) -> list[Coding]:
    """Two coders: keep A, keep B, keep both or neither (see :func:`decide`)."""
    keep = {Choice.KEEP_A: [coder_a], Choice.KEEP_B: [coder_b], Choice.KEEP_BOTH: [coder_a, coder_b],
            Choice.NEITHER: []}.get(choice)
    if keep is None:
        raise ValueError("With two coders, keep A, keep B, keep both or neither.")
    return decide(db, session_id, code_id, start_ms, end_ms, [coder_a, coder_b], choice, keep)


def decisions(db: sqlite_utils.Database, session_id: int | None = None) -> list[Decision]:
    """Every recorded decision (of one session), oldest first."""
    where, args = ("WHERE session_id = ?", [session_id]) if session_id is not None else ("", [])
    rows = db.execute("SELECT id, session_id, code_id, start_ms, end_ms, choice, coders, kept, decided_by, "
                      f"decided_at FROM consensus_decisions {where} ORDER BY id", args).fetchall()
    return [Decision(r[0], r[1], r[2], r[3], r[4], Choice(r[5]), _parse(r[6]), _parse(r[7]), r[8], r[9])
            for r in rows]


def settled_by(found: Iterable[Decision], session_id: int, code_id: int, start_ms: int, end_ms: int,
               coders: Iterable[int]) -> Decision | None:
    """The latest of ``found`` that settles this disagreement, or None (pure: the view asks it
    for every disagreement listed, with one :func:`decisions` read)."""
    coders = list(coders)
    hits = [d for d in found if d.settles(session_id, code_id, start_ms, end_ms, coders)]
    return hits[-1] if hits else None


def is_settled(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
               coders: Iterable[int]) -> Decision | None:
    """The decision that settled this disagreement, or None when it is open."""
    return settled_by(decisions(db, session_id), session_id, code_id, start_ms, end_ms, coders)


def reopen(db: sqlite_utils.Database, decision_id: int) -> None:
    """Forget a decision, so its disagreement is offered again. Codings it copied to the consensus
    coder stay (they may be another decision's too); delete them in the transcript if unwanted."""
    with transaction(db):
        db.execute("DELETE FROM consensus_decisions WHERE id = ?", [decision_id])


def _ids(ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def _parse(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(",") if p)
