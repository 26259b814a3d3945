"""Study, sites, participants and facilitators."""

from __future__ import annotations

import json

import sqlite_utils

from focusdesk.core.dates import check_date
from focusdesk.core.errors import DuplicateError
from focusdesk.core.model import Facilitator, Participant, Site, Study
from focusdesk.store.tx import now_iso


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
    new = db.execute("SELECT COUNT(*) FROM study").fetchone()[0] == 0
    db.execute(
        "INSERT INTO study (id, title, description, settings, created_at) VALUES (1, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET title=excluded.title, description=excluded.description, "
        "settings=excluded.settings",
        [study.title, study.description, json.dumps(study.settings), study.created_at],
    )
    if new:
        from focusdesk.store import audit

        audit.record(db, audit.STUDY_CREATED)
    return study


def update_settings(db: sqlite_utils.Database, **changes) -> dict:
    study = get_study(db) or Study(title="Untitled study")
    study.settings.update(changes)
    save_study(db, study)
    return study.settings


# --- sites -----------------------------------------------------------------------------------

def _check_site_name(db: sqlite_utils.Database, name: str, own_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValueError("Give the site a name.")
    if db.execute("SELECT 1 FROM sites WHERE name = ? COLLATE NOCASE AND id IS NOT ?", [name, own_id]).fetchone():
        raise AlreadyExists(f"There is already a site called {name!r}.")
    return name


def add_site(db: sqlite_utils.Database, site: Site) -> Site:
    site.name = _check_site_name(db, site.name)
    site.id = db["sites"].insert({"name": site.name, "notes": site.notes}).last_pk
    return site


def update_site(db: sqlite_utils.Database, site: Site) -> Site:
    """Rename a site or change its notes (its participants and sessions keep pointing at it)."""
    site.name = _check_site_name(db, site.name, site.id)
    db["sites"].update(site.id, {"name": site.name, "notes": site.notes})
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


def _check_person_code(db: sqlite_utils.Database, code: str, participant_id: int | None = None,
                       facilitator_id: int | None = None) -> str:
    """A pseudonym names one person: no participant or facilitator may share it (any case)."""
    code = code.strip()
    if not code:
        raise ValueError("Give a pseudonym code such as P01 (or F1 for a facilitator).")
    if db.execute("SELECT 1 FROM participants WHERE code = ? COLLATE NOCASE AND id IS NOT ?",
                  [code, participant_id]).fetchone():
        raise AlreadyExists(f"There is already a participant {code!r}; choose another code.")
    if db.execute("SELECT 1 FROM facilitators WHERE code = ? COLLATE NOCASE AND id IS NOT ?",
                  [code, facilitator_id]).fetchone():
        raise AlreadyExists(f"The facilitator code {code!r} is taken; choose another code.")
    return code


def _check_site(db: sqlite_utils.Database, site_id: int | None) -> None:
    if site_id is not None and get_site(db, site_id) is None:
        raise NotFound(f"No site with id {site_id}.")


def add_participant(db: sqlite_utils.Database, p: Participant) -> Participant:
    p.code = _check_person_code(db, p.code)
    p.consent_date = check_date(p.consent_date, "consent date")
    _check_site(db, p.site_id)
    p.id = db["participants"].insert(_participant_row(p)).last_pk
    return p


def _participant_row(p: Participant) -> dict:
    return {
        "code": p.code, "site_id": p.site_id, "role": p.role, "real_name": p.real_name,
        "consent_date": p.consent_date, "attributes": json.dumps(p.attributes, ensure_ascii=False),
        "notes": p.notes,
    }


def update_participant(db: sqlite_utils.Database, p: Participant) -> Participant:
    """Store every field of ``p`` (by id): a changed code renames them in every transcript."""
    if p.id is None or get_participant(db, p.id) is None:
        raise NotFound(f"No participant {p.code!r} to update (it may have been deleted).")
    p.code = _check_person_code(db, p.code, participant_id=p.id)
    p.consent_date = check_date(p.consent_date, "consent date")
    _check_site(db, p.site_id)
    db["participants"].update(p.id, _participant_row(p))
    return p


def list_participants(db: sqlite_utils.Database, site_id: int | None = None) -> list[Participant]:
    """Every participant by code; with ``site_id``, only that site's."""
    if site_id is None:
        return [_participant(r) for r in db["participants"].rows_where(order_by="code")]
    return [_participant(r) for r in db["participants"].rows_where("site_id = ?", [site_id], order_by="code")]


def get_participant(db: sqlite_utils.Database, participant_id: int) -> Participant | None:
    rows = list(db["participants"].rows_where("id = ?", [participant_id]))
    return _participant(rows[0]) if rows else None


def participant_by_code(db: sqlite_utils.Database, code: str) -> Participant:
    rows = list(db["participants"].rows_where("code = ? COLLATE NOCASE", [code]))
    if not rows:
        raise NotFound(f"No participant {code!r}. List them with 'focusdesk study show'.")
    return _participant(rows[0])


def next_participant_code(db: sqlite_utils.Database) -> str:
    """P01, P02...: the first free one."""
    return _next_code(db, "P{:02d}")


def _next_code(db: sqlite_utils.Database, pattern: str) -> str:
    taken = {r[0].casefold() for r in db.execute("SELECT code FROM participants UNION SELECT code FROM facilitators")}
    n = 1
    while pattern.format(n).casefold() in taken:
        n += 1
    return pattern.format(n)


# --- facilitators ----------------------------------------------------------------------------

def _facilitator(row: dict) -> Facilitator:
    return Facilitator(name=row["name"], initials=row["initials"], code=row["code"], id=row["id"])


def _check_facilitator_name(db: sqlite_utils.Database, name: str, own_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValueError("Give the facilitator a name (shown only in this window and with real names).")
    if db.execute("SELECT 1 FROM facilitators WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
                  [name, own_id]).fetchone():
        raise AlreadyExists(f"There is already a facilitator called {name!r}.")
    return name


def next_facilitator_code(db: sqlite_utils.Database) -> str:
    """F1, F2...: the first free one."""
    return _next_code(db, "F{}")


def add_facilitator(db: sqlite_utils.Database, f: Facilitator) -> Facilitator:
    """Store a facilitator; without a code they get the next free F1, F2..."""
    f.name = _check_facilitator_name(db, f.name)
    f.code = _check_person_code(db, f.code) if f.code.strip() else next_facilitator_code(db)
    f.id = db["facilitators"].insert({"name": f.name, "initials": f.initials, "code": f.code}).last_pk
    return f


def update_facilitator(db: sqlite_utils.Database, f: Facilitator) -> Facilitator:
    if f.id is None or get_facilitator(db, f.id) is None:
        raise NotFound(f"No facilitator {f.name!r} to update (they may have been deleted).")
    f.name = _check_facilitator_name(db, f.name, f.id)
    f.code = _check_person_code(db, f.code, facilitator_id=f.id)
    db["facilitators"].update(f.id, {"name": f.name, "initials": f.initials, "code": f.code})
    return f


def list_facilitators(db: sqlite_utils.Database) -> list[Facilitator]:
    return [_facilitator(r) for r in db["facilitators"].rows_where(order_by="code, name")]


def get_facilitator(db: sqlite_utils.Database, facilitator_id: int) -> Facilitator | None:
    rows = list(db["facilitators"].rows_where("id = ?", [facilitator_id]))
    return _facilitator(rows[0]) if rows else None


def facilitator_by_name(db: sqlite_utils.Database, name: str, create: bool = False) -> Facilitator:
    """A facilitator by name or by code (any case); ``create`` adds one of that name."""
    for f in list_facilitators(db):
        if name.casefold() in (f.name.casefold(), f.code.casefold()):
            return f
    if create:
        return add_facilitator(db, Facilitator(name=name))
    known = ", ".join(f"{f.code} ({f.name})" for f in list_facilitators(db)) or "none yet"
    raise NotFound(f"No facilitator called {name!r} (facilitators: {known}). "
                   "Add one with 'focusdesk facilitator add'.")
