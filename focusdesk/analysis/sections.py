"""Topic sections: the live guide markers turned into structure.

Each guide-item marker starts a section that runs until the next guide-item marker or the end of
the recording ("question 3: 12:05–19:40"). Sections are stored so that the researcher can adjust
their start and end; deriving again keeps adjusted sections and rebuilds the rest. In retrieval
and matrices a section is addressed as ``"guide:<item key>"`` and used like a code.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.timefmt import format_ms
from focusdesk.store.study import NotFound
from focusdesk.store.tx import transaction

PREFIX = "guide:"
GUIDE_ROOT = "Topic guide"


@dataclass
class TopicSection:
    id: int
    session_id: int
    guide_item_key: str
    start_ms: int
    end_ms: int
    marker_id: int | None
    adjusted: bool
    text: str = ""  # the guide item's text (or its key if the guide lost it)
    kind: str = ""

    @property
    def column_key(self) -> str:
        return PREFIX + self.guide_item_key

    def label(self) -> str:
        return f"{self.text}: {format_ms(self.start_ms)}–{format_ms(self.end_ms)}"


def session_end_ms(db: sqlite_utils.Database, session_id: int) -> int:
    """Where the session's media ends: the last recording's end, else the last turn or marker."""
    values = [
        db.execute("SELECT MAX(offset_ms + duration_ms) FROM recordings WHERE session_id = ?",
                   [session_id]).fetchone()[0],
        db.execute("SELECT MAX(end_ms) FROM segments WHERE session_id = ?", [session_id]).fetchone()[0],
        db.execute("SELECT MAX(ms) FROM markers WHERE session_id = ?", [session_id]).fetchone()[0],
    ]
    return max((v for v in values if v is not None), default=0)


def _wanted(db: sqlite_utils.Database, session_id: int) -> list[tuple[str, int, int, int]]:
    """(key, start, end, marker id) of the sections the markers call for now."""
    end = session_end_ms(db, session_id)
    markers = db.execute("SELECT id, ms, guide_item_key FROM markers WHERE session_id = ? AND "
                         "guide_item_key IS NOT NULL AND guide_item_key != '' ORDER BY ms, id",
                         [session_id]).fetchall()
    return [(key, ms, markers[n + 1][1] if n + 1 < len(markers) else max(end, ms), mid)
            for n, (mid, ms, key) in enumerate(markers)]


def _current(db: sqlite_utils.Database, session_id: int) -> tuple[list[tuple], set[int]]:
    rows = db.execute("SELECT guide_item_key, start_ms, end_ms, marker_id, adjusted FROM topic_sections "
                      "WHERE session_id = ? ORDER BY start_ms, id", [session_id]).fetchall()
    auto = [tuple(r[:4]) for r in rows if not r[4]]
    kept = {r[3] for r in rows if r[4] and r[3] is not None}
    return auto, kept


def derive_sections(db: sqlite_utils.Database, session_id: int) -> list[TopicSection]:
    """Bring a session's sections in line with its guide markers, keeping the ones the user
    adjusted. Nothing is rewritten when nothing changed."""
    with transaction(db):
        auto, kept = _current(db, session_id)
        wanted = [w for w in _wanted(db, session_id) if w[3] not in kept]
        if sorted(auto, key=lambda r: (r[1], r[3] or 0)) != sorted(wanted, key=lambda r: (r[1], r[3])):
            db.execute("DELETE FROM topic_sections WHERE session_id = ? AND adjusted = 0", [session_id])
            for key, start, stop, mid in wanted:
                db["topic_sections"].insert({"session_id": session_id, "guide_item_key": key,
                                             "start_ms": start, "end_ms": stop, "marker_id": mid,
                                             "adjusted": 0})
    return list_sections(db, session_id)


def ensure_sections(db: sqlite_utils.Database, session_id: int | None = None) -> None:
    """Derive sections for one session or all, so that analyses see the current markers."""
    ids = [session_id] if session_id is not None else [r[0] for r in db.execute("SELECT id FROM sessions")]
    for sid in ids:
        derive_sections(db, sid)


def list_sections(db: sqlite_utils.Database, session_id: int | None = None) -> list[TopicSection]:
    texts = {k: (t, kind) for k, t, kind in db.execute("SELECT key, text, kind FROM guide_items")}
    where, args = ("WHERE session_id = ?", [session_id]) if session_id is not None else ("", [])
    out = []
    for r in db.execute("SELECT id, session_id, guide_item_key, start_ms, end_ms, marker_id, adjusted "
                        f"FROM topic_sections {where} ORDER BY session_id, start_ms, id", args):
        text, kind = texts.get(r[2], (r[2], ""))
        out.append(TopicSection(*r[:6], adjusted=bool(r[6]), text=text, kind=kind))
    return out


def adjust_section(db: sqlite_utils.Database, section_id: int, start_ms: int | None = None,
                   end_ms: int | None = None) -> TopicSection:
    """Move a section's start and/or end; it is then kept when sections are derived again."""
    row = db.execute("SELECT start_ms, end_ms, session_id FROM topic_sections WHERE id = ?",
                     [section_id]).fetchone()
    if row is None:
        raise NotFound(f"No topic section with id {section_id}.")
    start = row[0] if start_ms is None else int(start_ms)
    end = row[1] if end_ms is None else int(end_ms)
    if end <= start:
        raise ValueError("A topic section must end after it starts.")
    db.execute("UPDATE topic_sections SET start_ms = ?, end_ms = ?, adjusted = 1 WHERE id = ?",
               [start, end, section_id])
    return next(s for s in list_sections(db, row[2]) if s.id == section_id)


def reset_section(db: sqlite_utils.Database, section_id: int) -> None:
    """Forget a manual adjustment: the section follows its marker again."""
    row = db.execute("SELECT session_id FROM topic_sections WHERE id = ?", [section_id]).fetchone()
    if row is None:
        raise NotFound(f"No topic section with id {section_id}.")
    db.execute("UPDATE topic_sections SET adjusted = 0 WHERE id = ?", [section_id])
    derive_sections(db, row[0])


def guide_columns(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(column key, label) for every guide item that has a section somewhere, in guide order."""
    used = {r[0] for r in db.execute("SELECT DISTINCT guide_item_key FROM topic_sections")}
    out = []

    def visit(parent: str | None) -> None:
        for key, text in db.execute("SELECT key, text FROM guide_items WHERE parent_key IS ? "
                                    "ORDER BY position", [parent]).fetchall():
            if key in used:
                out.append((PREFIX + key, f"{GUIDE_ROOT}/{text}"))
            visit(key)

    visit(None)
    known = {k for k, _ in out}
    out += [(PREFIX + k, f"{GUIDE_ROOT}/{k}") for k in sorted(used) if PREFIX + k not in known]
    return out
