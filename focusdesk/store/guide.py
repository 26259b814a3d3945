"""The study's topic guide: sections -> questions -> probes, keyed by stable ids."""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.model import GuideItem, GuideItemKind, TopicGuide
from focusdesk.store.study import get_study, update_settings
from focusdesk.store.tx import transaction


def save_guide(db: sqlite_utils.Database, guide: TopicGuide) -> None:
    """Replace the guide. Markers keep pointing at item keys, so keep keys stable across edits."""
    with transaction(db):
        db.execute("DELETE FROM guide_items")
        for pos, section in enumerate(guide.sections):
            _insert(db, section, None, pos)
        if get_study(db) is not None:
            update_settings(db, guide_title=guide.title)


def _insert(db: sqlite_utils.Database, item: GuideItem, parent: str | None, pos: int) -> None:
    db["guide_items"].insert({
        "key": item.key, "parent_key": parent, "kind": GuideItemKind(item.kind).value,
        "position": pos, "text": item.text, "planned_minutes": item.planned_minutes,
    })
    for child_pos, child in enumerate(item.children):
        _insert(db, child, item.key, child_pos)


def load_guide(db: sqlite_utils.Database) -> TopicGuide:
    rows = list(db.execute(
        "SELECT key, parent_key, kind, text, planned_minutes FROM guide_items ORDER BY position"))
    items = {r[0]: GuideItem(key=r[0], kind=GuideItemKind(r[2]), text=r[3], planned_minutes=r[4])
             for r in rows}
    guide = TopicGuide()
    study = get_study(db)
    if study and study.settings.get("guide_title"):
        guide.title = study.settings["guide_title"]
    for key, parent, *_ in rows:
        (items[parent].children if parent else guide.sections).append(items[key])
    return guide
