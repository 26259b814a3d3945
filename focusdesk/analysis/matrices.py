"""Code matrices: codes (and topic sections) × participants, sites, sessions or any case variable.

Each cell has the number of coded passages, the coded duration (overlaps counted once) and that
duration's share of the row's talk time. A parent code's column includes its sub-codes'
codings (``aggregate``). A coding without a speaker counts for every participant who speaks
inside it, for the time they speak there (see ``StudyData.attribute``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.analysis.data import StudyData, union_length
from focusdesk.analysis.retrieval import code_paths
from focusdesk.analysis.sections import PREFIX, ensure_sections, guide_columns, list_sections
from focusdesk.core.timefmt import format_ms

MEASURES = ("count", "duration", "share")
NO_VALUE = "(none)"


@dataclass
class Column:
    key: int | str  # code id, or "guide:<key>" for a topic section
    label: str  # code path
    colour: str = "#888888"


@dataclass
class MatrixCell:
    count: int = 0
    duration_ms: int = 0
    share: float | None = None  # of the row's talk time; None when the row has no talk
    spans: list[tuple[int, int, int]] = field(default_factory=list, repr=False)  # session, start, end


@dataclass
class Matrix:
    row_kind: str
    rows: list[tuple[int | str, str]]  # (row key, label)
    columns: list[Column]
    cells: dict[tuple[int | str, int | str], MatrixCell]
    talk_ms: dict[int | str, int]

    def cell(self, row, col) -> MatrixCell:
        return self.cells.get((row, col)) or MatrixCell()

    def value(self, row, col, measure: str = "count") -> float:
        c = self.cell(row, col)
        if measure == "count":
            return c.count
        if measure == "duration":
            return c.duration_ms
        return c.share or 0.0

    def max_value(self, measure: str = "count") -> float:
        return max((self.value(r, c.key, measure) for r, _ in self.rows for c in self.columns), default=0)

    def column_totals(self, measure: str = "count") -> list[float]:
        return [sum(self.value(r, c.key, measure) for r, _ in self.rows) for c in self.columns]

    def formatted(self, row, col, measure: str = "count") -> str:
        v = self.value(row, col, measure)
        if measure == "count":
            return str(int(v))
        if measure == "duration":
            return format_ms(int(v)) if v else "0"
        return f"{v * 100:.1f}%" if v else "0%"

    def table(self, measure: str = "count", short_labels: bool = False) -> tuple[list[str], list[list[str]]]:
        """Headers and rows as text, ready for a CSV writer or the CLI."""
        heads = [c.label.rsplit("/", 1)[-1] if short_labels else c.label for c in self.columns]
        headers = [self.row_kind] + heads
        rows = [[label] + [self.formatted(r, c.key, measure) for c in self.columns] for r, label in self.rows]
        return headers, rows

    def to_csv(self, measure: str = "count") -> str:
        """CSV with raw numbers (milliseconds for duration, a 0–1 fraction for share)."""
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow([self.row_kind] + [c.label for c in self.columns])
        for r, label in self.rows:
            vals = [self.value(r, c.key, measure) for c in self.columns]
            w.writerow([label] + [f"{v:.4f}" if measure == "share" else int(v) for v in vals])
        return out.getvalue()


def _columns(db: sqlite_utils.Database, codes: list[int | str] | None,
             include_sections: bool) -> list[Column]:
    paths = code_paths(db)
    from focusdesk.store.frame_ops import list_frame

    if codes is None:
        cols = [Column(c.id, c.path, c.colour) for c in list_frame(db)]
        if include_sections:
            cols += [Column(k, label, "#607d8b") for k, label in guide_columns(db)]
        return cols
    guide = dict(guide_columns(db))
    cols = []
    for key in codes:
        if isinstance(key, str) and key.startswith(PREFIX):
            cols.append(Column(key, guide.get(key, key), "#607d8b"))
        else:
            if int(key) not in paths:
                raise LookupError(f"No code with id {key}; it may have been deleted.")
            cols.append(Column(int(key), *paths[int(key)]))
    return cols


def code_matrix(db: sqlite_utils.Database, rows: str = "participant", codes: list[int | str] | None = None,
                include_sections: bool = False, where: dict[str, str] | None = None,
                aggregate: bool = True, data: StudyData | None = None) -> Matrix:
    """Build the matrix. ``rows`` is participant, site, session, or any case variable (e.g.
    "role", "profession", "attr:years"); ``where`` keeps only participants whose variables have
    the given values (codings are then counted only for the time those participants speak)."""
    kind = rows.removeprefix("attr:")
    by_case = kind not in ("session", "site")
    data = data or StudyData(db)
    if include_sections or any(isinstance(k, str) for k in codes or []):
        ensure_sections(db)
    columns = _columns(db, codes, include_sections)
    wanted = {c.key for c in columns}
    for name in [kind] * by_case + list(where or {}):
        check_variable(data, name)
    cases = {pid: c for pid, c in data.cases.items()
             if all(c.variable(k).casefold() == str(v).casefold() for k, v in (where or {}).items())}

    def case_row(pid: int):
        if kind == "participant":
            return pid
        return cases[pid].variable(kind) or NO_VALUE

    def session_row(sid: int):
        return sid if kind == "session" else (data.sessions[sid].site or NO_VALUE)

    # which columns each code feeds: itself and (aggregate) its ancestors
    parent = dict(db.execute("SELECT id, parent_id FROM codes").fetchall())
    feeds: dict[int | str, list[int | str]] = {}
    for cid in parent:
        cur, hits = cid, []
        while cur is not None:
            if cur in wanted:
                hits.append(cur)
            cur = parent.get(cur) if aggregate else None
        if hits:
            feeds[cid] = hits
    spans: list[tuple[int | str, int, int, int, int | None]] = []
    if feeds:
        marks = ", ".join("?" * len(feeds))
        spans += db.execute(f"SELECT code_id, session_id, start_ms, end_ms, speaker_id FROM codings "
                            f"WHERE code_id IN ({marks})", [k for k in feeds]).fetchall()
    for s in list_sections(db) if any(isinstance(k, str) for k in wanted) else []:
        if s.column_key in wanted:
            feeds[s.column_key] = [s.column_key]
            spans.append((s.column_key, s.session_id, s.start_ms, s.end_ms, None))

    cells: dict[tuple, MatrixCell] = {}
    for code, sid, start, end, spk in spans:
        if sid not in data.sessions or end <= start:
            continue
        owners = data.attribute(sid, start, end, spk)
        per_row: dict[int | str, list[tuple[int, int]]] = {}
        if by_case:
            for pid, iv in owners.items():
                if pid in cases:
                    per_row.setdefault(case_row(pid), []).extend(iv)
        elif where:
            iv = [x for pid, ivs in owners.items() if pid in cases for x in ivs]
            if iv:
                per_row[session_row(sid)] = iv
        else:
            per_row[session_row(sid)] = [(start, end)]
        for row, iv in per_row.items():
            for col in feeds[code]:
                cell = cells.setdefault((row, col), MatrixCell())
                cell.count += 1
                cell.spans.extend((sid, s, e) for s, e in iv)

    talk = _talk(data, kind, by_case, cases, where is not None and bool(where), case_row, session_row)
    for (row, _), cell in cells.items():
        per_session: dict[int, list[tuple[int, int]]] = {}
        for sid, s, e in cell.spans:
            per_session.setdefault(sid, []).append((s, e))
        cell.duration_ms = sum(union_length(v) for v in per_session.values())
        cell.share = cell.duration_ms / talk[row] if talk.get(row) else None

    if kind == "participant":
        row_list = [(pid, c.code) for pid, c in cases.items()]
    elif kind == "session":
        row_list = [(sid, s.name) for sid, s in data.sessions.items()]
    elif kind == "site":
        names = sorted({s.site or NO_VALUE for s in data.sessions.values()}, key=lambda n: (n == NO_VALUE, n))
        row_list = [(n, n) for n in names]
    else:
        values = sorted({case_row(pid) for pid in cases}, key=lambda n: (n == NO_VALUE, n))
        row_list = [(v, v) for v in values]
    return Matrix(row_kind=kind, rows=row_list, columns=columns, cells=cells, talk_ms=talk)


def case_variables(data: StudyData) -> list[str]:
    """Every case variable: site, role and each attribute name used by some participant."""
    names = {k for c in data.cases.values() for k in c.attributes}
    return ["site", "role"] + sorted(names, key=str.casefold)


def check_variable(data: StudyData, name: str) -> None:
    known = {v.casefold() for v in case_variables(data)} | {"participant", "code", "case"}
    if name.casefold() not in known:
        raise ValueError(f"No case variable {name!r}. Use participant, site, session or one of: "
                         f"{', '.join(case_variables(data))}.")


def _talk(data: StudyData, kind: str, by_case: bool, cases: dict, filtered: bool, case_row,
          session_row) -> dict[int | str, int]:
    out: dict[int | str, int] = {}
    for (sid, spk), ms in data.talk_time().items():
        pid = data.sessions[sid].speaker_participant.get(spk) if spk is not None else None
        if by_case:
            if pid in cases:
                out[case_row(pid)] = out.get(case_row(pid), 0) + ms
        elif not filtered or pid in cases:
            out[session_row(sid)] = out.get(session_row(sid), 0) + ms
    return out


# --- talk time -------------------------------------------------------------------------------

@dataclass
class TalkRow:
    session: str
    speaker: str  # display name (pseudonym, facilitator, or label)
    participant_id: int | None
    talk_ms: int
    share: float  # of everything said in the session
    turns: int


def talk_time(db: sqlite_utils.Database, session_id: int | None = None,
              data: StudyData | None = None) -> list[TalkRow]:
    """Talk time per speaker and session, most talkative first within each session."""
    data = data or StudyData(db)
    totals = data.talk_time()
    out = []
    for sid, info in data.sessions.items():
        if session_id is not None and sid != session_id:
            continue
        session_total = sum(ms for (s, _), ms in totals.items() if s == sid)
        turns: dict[int | None, int] = {}
        for spk in info.turn_speakers:
            turns[spk] = turns.get(spk, 0) + 1
        rows = [TalkRow(info.name, info.speaker_name.get(spk, "(no speaker)") if spk else "(no speaker)",
                        info.speaker_participant.get(spk) if spk else None, ms,
                        ms / session_total if session_total else 0.0, turns.get(spk, 0))
                for (s, spk), ms in totals.items() if s == sid]
        out += sorted(rows, key=lambda r: -r.talk_ms)
    return out
