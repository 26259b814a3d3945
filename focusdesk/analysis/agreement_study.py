"""Agreement of a study's coders, read from the store (the figures are ``agreement.py``'s)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.analysis.agreement import Span, StudyAgreement, second_units, study_agreement
from focusdesk.store import coders as coder_store
from focusdesk.store import codes as code_store
from focusdesk.store import sessions as session_store
from focusdesk.store import transcripts
from focusdesk.store.coding_ops import session_extent_ms

UNITS = ("second", "segment")


@dataclass
class AgreementTable:
    """What the CLI prints and the window shows: one row per (session or study, code or overall)."""

    coder_names: list[str]
    unit: str
    overlap: float
    result: StudyAgreement
    session_names: dict[int, str]
    code_paths: dict[int, str]

    def rows(self) -> list[dict]:
        out = []
        scopes = [(sa.session_id, sa.by_code, sa.overall) for sa in self.result.sessions]
        if len(self.result.sessions) > 1:
            scopes.append((None, self.result.by_code, self.result.overall))
        for sid, by_code, overall in scopes:
            scope = self.session_names.get(sid, "") if sid is not None else "study"
            for code_id, k in list(by_code.items()) + [(None, overall)]:
                out.append({"scope": scope, "code": self.code_paths.get(code_id, "") if code_id else "(overall)",
                            "code_id": code_id, "session_id": sid, "units": k.units,
                            "percent": k.percent, "kappa": k.kappa, "alpha": k.alpha,
                            "overlap": k.overlap_percent})
        return out


def units_of(db: sqlite_utils.Database, session_id: int, unit: str) -> list[tuple[int, int]]:
    if unit == "segment":
        return sorted((s.start_ms, max(s.end_ms, s.start_ms + 1))
                      for s in transcripts.list_segments(db, session_id, with_words=False))
    if unit != "second":
        raise ValueError(f"Choose the unit from {', '.join(UNITS)}.")
    length = session_extent_ms(db, session_id)
    if not length:  # codings without media or transcript yet: up to the last coding
        row = db.execute("SELECT MAX(end_ms) FROM codings WHERE session_id = ?", [session_id]).fetchone()
        length = int(row[0] or 0)
    return second_units(length)


def agreement_table(db: sqlite_utils.Database, coder_names: list[str], unit: str = "second",
                    overlap: float = 0.9, session_id: int | None = None) -> AgreementTable:
    """Agreement of the named coders over one session or every session that either coded."""
    if len(coder_names) < 2:
        raise ValueError("Name at least two coders, for example 'AB,CD'.")
    if not 0 < overlap <= 1:
        raise ValueError("The overlap is a fraction between 0 and 1, for example 0.9.")
    coders = [coder_store.coder_by_name(db, n) for n in coder_names]
    ids = [c.id for c in coders]
    codings = coder_store.codings_of(db, ids, session_id)
    spans = [Span(c.session_id, c.code_id, c.coder_id, c.start_ms, c.end_ms) for c in codings]
    sids = [session_id] if session_id is not None else sorted({s.session_id for s in spans})
    units = {sid: units_of(db, sid, unit) for sid in sids}
    result = study_agreement(units, spans, ids, overlap=overlap)
    names = {s.id: s.name for s in session_store.list_sessions(db)}
    paths = {c.id: code_store.code_path(db, c.id) for c in code_store.list_codes(db)}
    return AgreementTable([c.name for c in coders], unit, overlap, result, names, paths)
