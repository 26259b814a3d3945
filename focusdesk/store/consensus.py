"""Settling a disagreement: the codings the coders agree to keep are written by coder "consensus".

A disagreement is one code over a stretch of one session (``analysis/agreement.py`` finds them);
its passage is the stretch widened to the two coders' codings of that code that touch it (the
codings the disagreement is about). Keep A / keep B / keep both copy that coder's (or both
coders') codings of the passage, whole, to the consensus coder; neither writes nothing. Copying the same coding twice
adds nothing (``apply_code`` returns the existing one), so settling again is harmless.
"""

from __future__ import annotations

from enum import Enum

import sqlite_utils

from focusdesk.core.model import Coding
from focusdesk.store import coders as coder_store
from focusdesk.store.coding_ops import apply_code
from focusdesk.store.tx import transaction


class Choice(Enum):
    KEEP_A = "a"
    KEEP_B = "b"
    KEEP_BOTH = "both"
    NEITHER = "neither"


def consensus_coder(db: sqlite_utils.Database) -> coder_store.Coder:
    return coder_store.coder_by_name(db, coder_store.CONSENSUS, create=True)


def codings_in(db: sqlite_utils.Database, session_id: int, code_id: int, coder_id: int, start_ms: int,
               end_ms: int) -> list[Coding]:
    """A coder's codings of one code that overlap ``[start_ms, end_ms)``."""
    return [c for c in coder_store.codings_of(db, [coder_id], session_id)
            if c.code_id == code_id and c.start_ms < end_ms and c.end_ms > start_ms]


def passage(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
            coder_a: int, coder_b: int) -> tuple[int, int, list[Coding], list[Coding]]:
    """The disagreement's passage (start, end) and each coder's codings of the code in it."""
    touching = [c for cid in (coder_a, coder_b)
                for c in codings_in(db, session_id, code_id, cid, start_ms, end_ms)]
    lo = min([start_ms] + [c.start_ms for c in touching])
    hi = max([end_ms] + [c.end_ms for c in touching])
    return (lo, hi, codings_in(db, session_id, code_id, coder_a, lo, hi),
            codings_in(db, session_id, code_id, coder_b, lo, hi))


def settle(db: sqlite_utils.Database, session_id: int, code_id: int, start_ms: int, end_ms: int,
           choice: Choice, coder_a: int, coder_b: int) -> list[Coding]:
    """Write the chosen codings as the consensus coder; returns what the consensus now holds there."""
    chosen = {Choice.KEEP_A: [coder_a], Choice.KEEP_B: [coder_b], Choice.KEEP_BOTH: [coder_a, coder_b],
              Choice.NEITHER: []}[choice]
    lo, hi, of_a, of_b = passage(db, session_id, code_id, start_ms, end_ms, coder_a, coder_b)
    keep = {coder_a: of_a, coder_b: of_b}
    with transaction(db):
        target = consensus_coder(db).id
        for cid in chosen:
            for c in keep[cid]:
                apply_code(db, session_id, code_id, c.start_ms, c.end_ms, c.speaker_id, c.memo, target)
    return codings_in(db, session_id, code_id, target, lo, hi)
