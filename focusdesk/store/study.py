"""Study, sites, participants and facilitators."""

from __future__ import annotations

import json

import sqlite_utils

from focusdesk.core.errors import DuplicateError
from focusdesk.core.model import Facilitator, Participant, Site, Study
from focusdesk.store.tx import now_iso, transaction


class NotFound(LookupError):
    """A named thing does not exist; the message names it and says how to list what does."""


class AlreadyExists(DuplicateError):
    """A site, participant, session, code or speaker name that is taken (a ValueError too)."""


def get_study(db: sqlite_utils.Database) -> Study | None:
    row = db.execute("SELECT title, description, settings, created_at FROM study").fetchone()
    if row is None:
        return None
    return Study(title=row[0], description=row[1], settings=json.loads(row[2] or "{}"), created_at=row[3])


def save_study(db: sqlite_utils.Database, study: Study) -> Study:
    study.created_at = study.created_at or now_iso()
    db.execute(
        "INSERT INTO study (id, title, description, settings, created_at) VALUES (1, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET title=excluded.title, description=excluded.description, "
        "settings=excluded.settings",
        [study.title, study.description, json.dumps(study.settings), study.created_at],
    )
    return study


def update_settings(db: sqlite_utils.Database, **changes) -> dict:
    study = get_study(db) or Study(title="Untitled study")
    study.settings.update(changes)
    save_study(db, study)
    return study.settings


# --- sites -----------------------------------------------------------------------------------

def add_site(db: sqlite_utils.Database, site: Site) -> Site:
    if db.execute("SELECT 1 FROM sites WHERE name = ?", [site.name]).fetchone():
        raise AlreadyExists(f"There is already a site called {site.name!r}.")
    site.id = db["sites"].insert({"name": site.name, "notes": site.notes}).last_pk
    return site


def list_sites(db: sqlite_utils.Database) -> list[Site]:
    return [Site(name=r["name"], notes=r["notes"], id=r["id"]) for r in db["sites"].rows_where(order_by="name")]


def site_by_name(db: sqlite_utils.Database, name: str) -> Site:
    for site in list_sites(db):
        if site.name.casefold() == name.casefold():
            return site
    known = ", ".join(s.name for s in list_sites(db)) or "none yet"
    raise NotFound(f"No site called {name!r} (sites: {known}). Add it with 'focusdesk site add'.")


def get_site(db: sqlite_utils.Database, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    rows = list(db["sites"].rows_where("id = ?", [site_id]))
    return Site(name=rows[0]["name"], notes=rows[0]["notes"], id=rows[0]["id"]) if rows else None


# --- participants ----------------------------------------------------------------------------

def _participant(row: dict) -> Participant:
    return Participant(
        code=row["code"], site_id=row["site_id"], role=row["role"], real_name=row["real_name"],
        consent_date=row["consent_date"], attributes=json.loads(row["attributes"] or "{}"),
        notes=row["notes"], id=row["id"],
    )


def add_participant(db: sqlite_utils.Database, p: Participant) -> Participant:
    if db.execute("SELECT 1 FROM participants WHERE code = ?", [p.code]).fetchone():
        raise AlreadyExists(f"There is already a participant {p.code!r}; choose another code.")
    p.id = db["participants"].insert(_participant_row(p)).last_pk
    return p


def _participant_row(p: Participant) -> dict:
    return {
        "code": p.code, "site_id": p.site_id, "role": p.role, "real_name": p.real_name,
        "consent_date": p.consent_date, "attributes": json.dumps(p.attributes, ensure_ascii=False),
        "notes": p.notes,
    }


def update_participant(db: sqlite_utils.Database, p: Participant) -> Participant:
    db["participants"].update(p.id, _participant_row(p))
    return p


def list_participants(db: sqlite_utils.Database) -> list[Participant]:
    return [_participant(r) for r in db["participants"].rows_where(order_by="code")]


def get_participant(db: sqlite_utils.Database, participant_id: int) -> Participant | None:
    rows = list(db["participants"].rows_where("id = ?", [participant_id]))
    return _participant(rows[0]) if rows else None


def participant_by_code(db: sqlite_utils.Database, code: str) -> Participant:
    rows = list(db["participants"].rows_where("code = ? COLLATE NOCASE", [code]))
    if not rows:
        raise NotFound(f"No participant {code!r}. List them with 'focusdesk study show'.")
    return _participant(rows[0])


# --- facilitators ----------------------------------------------------------------------------

def add_facilitator(db: sqlite_utils.Database, f: Facilitator) -> Facilitator:
    if db.execute("SELECT 1 FROM facilitators WHERE name = ?", [f.name]).fetchone():
        raise AlreadyExists(f"There is already a facilitator called {f.name!r}.")
    f.id = db["facilitators"].insert({"name": f.name, "initials": f.initials}).last_pk
    return f


def list_facilitators(db: sqlite_utils.Database) -> list[Facilitator]:
    return [Facilitator(name=r["name"], initials=r["initials"], id=r["id"])
            for r in db["facilitators"].rows_where(order_by="name")]


def facilitator_by_name(db: sqlite_utils.Database, name: str, create: bool = False) -> Facilitator:
    for f in list_facilitators(db):
        if f.name.casefold() == name.casefold():
            return f
    if create:
        return add_facilitator(db, Facilitator(name=name))
    raise NotFound(f"No facilitator called {name!r}.")


def delete_participant(db: sqlite_utils.Database, participant_id: int) -> None:
    with transaction(db):
        db["participants"].delete(participant_id)
