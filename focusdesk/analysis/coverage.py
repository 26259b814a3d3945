"""Topic coverage: time spent on each part of the guide per session, and questions never asked."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.analysis.sections import ensure_sections, list_sections
from focusdesk.core.model import GuideItemKind
from focusdesk.store.guide import load_guide


@dataclass
class ItemTime:
    key: str
    text: str
    kind: str  # section | question | probe
    depth: int
    ms: int  # time in this item and (for a section or question) the items below it
    planned_ms: int | None


@dataclass
class SessionCoverage:
    session_id: int
    session: str
    items: list[ItemTime] = field(default_factory=list)
    never_asked: list[ItemTime] = field(default_factory=list)  # questions without a marker
    unmarked_ms: int = 0  # media before the first guide marker

    @property
    def covered_ms(self) -> int:
        return sum(i.ms for i in self.items if i.depth == 0)


def topic_coverage(db: sqlite_utils.Database, session_id: int | None = None) -> list[SessionCoverage]:
    ensure_sections(db, session_id)
    guide = load_guide(db)
    sessions = db.execute("SELECT id, name FROM sessions" + (" WHERE id = ?" if session_id else "")
                          + " ORDER BY date, name", [session_id] if session_id else []).fetchall()
    out = []
    for sid, name in sessions:
        own: dict[str, int] = {}
        sections = list_sections(db, sid)
        for s in sections:
            own[s.guide_item_key] = own.get(s.guide_item_key, 0) + (s.end_ms - s.start_ms)
        cov = SessionCoverage(sid, name, unmarked_ms=min((s.start_ms for s in sections), default=0))

        for section in guide.sections:
            _visit(section, 0, own, cov)
        known = {i.key for i in cov.items}
        for key, ms in own.items():  # markers for items no longer in the guide
            if key not in known:
                cov.items.append(ItemTime(key, key, "", 0, ms, None))
        out.append(cov)
    return out


def _visit(item, depth: int, own: dict[str, int], cov: SessionCoverage) -> int:
    row = ItemTime(item.key, item.text, GuideItemKind(item.kind).value, depth, 0,
                   int(item.planned_minutes * 60_000) if item.planned_minutes is not None else None)
    cov.items.append(row)
    row.ms = own.get(item.key, 0) + sum(_visit(c, depth + 1, own, cov) for c in item.children)
    if row.kind == "question" and not any(c.key in own for c in item.walk()):
        cov.never_asked.append(row)
    return row.ms
