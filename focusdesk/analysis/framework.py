"""The framework matrix: participants (cases) × themes, each cell the coded quotes of that case
for that theme and a summary the researcher writes (stored in ``framework_summaries``).

Each coder writes their own summary of a cell (migration 020). The matrix shows one coder's
(the current one unless told) as the cell's editable summary, and the other coders' summaries
beside it, read-only, so that independent summaries can be compared but never overwrite
each other."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.analysis.data import Case, StudyData
from focusdesk.analysis.retrieval import Passage, code_paths, make_passage
from focusdesk.store import coders as coder_store
from focusdesk.store.study import NotFound
from focusdesk.store.tx import now_iso


@dataclass
class Theme:
    id: int
    path: str
    colour: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Cell:
    quotes: list[Passage] = field(default_factory=list)
    summary: str = ""  # the shown coder's
    other_summaries: dict[str, str] = field(default_factory=dict)  # other coder's name -> summary


@dataclass
class FrameworkMatrix:
    rows: list[Case]  # participants
    columns: list[Theme]  # themes (codes)
    cells: dict[tuple[int, int], Cell]  # (participant id, code id) -> cell
    coder_id: int = 0  # whose summaries are the cells' own (the rest are other_summaries)

    def cell(self, participant_id: int, code_id: int) -> Cell:
        return self.cells.setdefault((participant_id, code_id), Cell())


def default_themes(db: sqlite_utils.Database) -> list[int]:
    """The codes without sub-codes (the themes of a domain → theme frame), in frame order."""
    from focusdesk.store.frame_ops import list_frame

    frame = list_frame(db)
    parents = {c.parent_id for c in frame}
    return [c.id for c in frame if c.id not in parents]


def framework_matrix(db: sqlite_utils.Database, theme_ids: list[int] | None = None,
                     where: dict[str, str] | None = None, data: StudyData | None = None,
                     coder_id: int | None = None) -> FrameworkMatrix:
    """Build the matrix. A theme's cell holds the codings of the theme and of its sub-codes;
    ``where`` keeps only cases whose variables (site, role, attributes) have the given values;
    a cell's summary is ``coder_id``'s (default: the current coder), the others' are beside it."""
    data = data or StudyData(db)
    theme_ids = default_themes(db) if theme_ids is None else list(theme_ids)
    paths = code_paths(db)
    for tid in theme_ids:
        if tid not in paths:
            raise NotFound(f"No code with id {tid}; it may have been deleted.")
    columns = [Theme(tid, *paths[tid]) for tid in theme_ids]
    from focusdesk.analysis.matrices import check_variable

    for name in where or {}:
        check_variable(data, name)
    rows = [c for c in data.cases.values()
            if all(c.variable(k).casefold() == str(v).casefold() for k, v in (where or {}).items())]
    row_ids = {c.id for c in rows}
    # which theme columns each code feeds (itself and its ancestors that are columns)
    parent = dict(db.execute("SELECT id, parent_id FROM codes").fetchall())
    feeds: dict[int, list[int]] = {}
    wanted = set(theme_ids)
    for cid in parent:
        cur, hits = cid, []
        while cur is not None:
            if cur in wanted:
                hits.append(cur)
            cur = parent.get(cur)
        if hits:
            feeds[cid] = hits
    cells: dict[tuple[int, int], Cell] = {}
    if feeds:
        marks = ", ".join("?" * len(feeds))
        coded = db.execute("SELECT id, session_id, code_id, start_ms, end_ms, speaker_id, memo FROM codings "
                          f"WHERE code_id IN ({marks}) ORDER BY session_id, start_ms, id", list(feeds)).fetchall()
        coded = [r for r in coded if r[1] in data.sessions]
        data.prefetch_words([(r[1], r[3], r[4]) for r in coded])
        for cid, sid, code, start, end, spk, memo in coded:
            owners = data.attribute(sid, start, end, spk)
            for pid in owners:
                if pid not in row_ids:
                    continue
                p = make_passage(data, sid, start, end, spk, pid)
                if p is None:
                    continue
                p.code_path, p.colour = paths[code]
                p.memo, p.code_id, p.coding_id = memo, code, cid
                for theme in feeds[code]:
                    cells.setdefault((pid, theme), Cell()).quotes.append(p)
    order = {sid: n for n, sid in enumerate(data.sessions)}
    for cell in cells.values():
        cell.quotes.sort(key=lambda p: (order.get(p.session_id, 0), p.start_ms))
    shown = coder_store.current_coder(db).id if coder_id is None else coder_id
    names = {c.id: c.name for c in coder_store.list_coders(db)}
    for pid, code, coder, summary in db.execute(
            "SELECT participant_id, code_id, coder_id, summary FROM framework_summaries ORDER BY coder_id"):
        if pid in row_ids and code in wanted and summary:
            cell = cells.setdefault((pid, code), Cell())
            if coder == shown:
                cell.summary = summary
            else:
                cell.other_summaries[names.get(coder, f"coder {coder}")] = summary
    return FrameworkMatrix(rows=rows, columns=columns, cells=cells, coder_id=shown)


def set_summary(db: sqlite_utils.Database, participant_id: int, code_id: int, summary: str,
                coder_id: int | None = None) -> None:
    """Save ``coder_id``'s (default: the current coder's) summary for one cell; an empty text
    clears it. Other coders' summaries of the cell are left alone."""
    if not db.execute("SELECT 1 FROM participants WHERE id = ?", [participant_id]).fetchone():
        raise NotFound(f"No participant with id {participant_id}.")
    if not db.execute("SELECT 1 FROM codes WHERE id = ?", [code_id]).fetchone():
        raise NotFound(f"No code with id {code_id}.")
    coder_id = coder_store.current_coder(db).id if coder_id is None else coder_store.get_coder(db, coder_id).id
    if not summary.strip():
        db.execute("DELETE FROM framework_summaries WHERE participant_id = ? AND code_id = ? AND coder_id = ?",
                   [participant_id, code_id, coder_id])
        return
    db.execute("INSERT INTO framework_summaries (participant_id, code_id, coder_id, summary, updated_at) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT(participant_id, code_id, coder_id) DO UPDATE SET "
               "summary = excluded.summary, updated_at = excluded.updated_at",
               [participant_id, code_id, coder_id, summary, now_iso()])


def get_summary(db: sqlite_utils.Database, participant_id: int, code_id: int,
                coder_id: int | None = None) -> str:
    """``coder_id``'s (default: the current coder's) summary of one cell, or ""."""
    coder_id = coder_store.current_coder(db).id if coder_id is None else coder_id
    row = db.execute("SELECT summary FROM framework_summaries WHERE participant_id = ? AND code_id = ? "
                     "AND coder_id = ?", [participant_id, code_id, coder_id]).fetchone()
    return row[0] if row else ""
