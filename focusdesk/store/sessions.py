"""Sessions and who took part in them."""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.dates import check_date
from focusdesk.core.model import Session, SessionKind
from focusdesk.store.study import AlreadyExists, NotFound
from focusdesk.store.tx import now_iso, transaction


def _load(db: sqlite_utils.Database, row: dict) -> Session:
    sid = row["id"]
    return Session(
        name=row["name"], kind=SessionKind(row["kind"]), site_id=row["site_id"], date=row["date"],
        notes=row["notes"], created_at=row["created_at"], id=sid,
        participant_ids=[r[0] for r in db.execute(
            "SELECT sp.participant_id FROM session_participants sp JOIN participants p "
            "ON p.id = sp.participant_id WHERE sp.session_id = ? ORDER BY p.code", [sid])],
        facilitator_ids=[r[0] for r in db.execute(
            "SELECT facilitator_id FROM session_facilitators WHERE session_id = ?", [sid])],
    )


def _check_name_free(db: sqlite_utils.Database, name: str, own_id: int | None = None) -> None:
    if db.execute("SELECT 1 FROM sessions WHERE name = ? AND id IS NOT ?", [name, own_id]).fetchone():
        raise AlreadyExists(f"There is already a session called {name!r}; choose another name.")


def _check(db: sqlite_utils.Database, s: Session, own_id: int | None) -> None:
    s.name = s.name.strip()
    if not s.name:
        raise ValueError("Give the session a name.")
    _check_name_free(db, s.name, own_id)
    s.date = check_date(s.date, "session date")


def add_session(db: sqlite_utils.Database, s: Session) -> Session:
    _check(db, s, None)
    s.created_at = s.created_at or now_iso()
    with transaction(db):
        s.id = db["sessions"].insert({
            "name": s.name, "kind": SessionKind(s.kind).value, "site_id": s.site_id, "date": s.date,
            "notes": s.notes, "created_at": s.created_at,
        }).last_pk
        _write_members(db, s)
    return s


def update_session(db: sqlite_utils.Database, s: Session) -> Session:
    if s.id is None or get_session(db, s.id) is None:
        raise NotFound(f"No session {s.name!r} to update (it may have been deleted).")
    _check(db, s, s.id)
    with transaction(db):
        db["sessions"].update(s.id, {
            "name": s.name, "kind": SessionKind(s.kind).value, "site_id": s.site_id,
            "date": s.date, "notes": s.notes,
        })
        db.execute("DELETE FROM session_participants WHERE session_id = ?", [s.id])
        db.execute("DELETE FROM session_facilitators WHERE session_id = ?", [s.id])
        _write_members(db, s)
    return s


def _write_members(db: sqlite_utils.Database, s: Session) -> None:
    for pid in dict.fromkeys(s.participant_ids):
        db.execute("INSERT INTO session_participants VALUES (?, ?)", [s.id, pid])
    for fid in dict.fromkeys(s.facilitator_ids):
        db.execute("INSERT INTO session_facilitators VALUES (?, ?)", [s.id, fid])


def list_sessions(db: sqlite_utils.Database) -> list[Session]:
    return [_load(db, r) for r in db["sessions"].rows_where(order_by="date, name")]


def session_names(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, name) per session in list order, for pickers (no members loaded)."""
    return [(r[0], r[1]) for r in db.execute("SELECT id, name FROM sessions ORDER BY date, name")]


def get_session(db: sqlite_utils.Database, session_id: int) -> Session | None:
    rows = list(db["sessions"].rows_where("id = ?", [session_id]))
    return _load(db, rows[0]) if rows else None


def session_by_name(db: sqlite_utils.Database, name: str) -> Session:
    rows = list(db["sessions"].rows_where("name = ? COLLATE NOCASE", [name]))
    if not rows and name.isdigit():
        rows = list(db["sessions"].rows_where("id = ?", [int(name)]))
    if not rows:
        known = ", ".join(r[0] for r in db.execute("SELECT name FROM sessions ORDER BY name"))
        raise NotFound(
            f"No session called {name!r} (sessions: {known or 'none yet'}). "
            "Add one with 'focusdesk session add'."
        )
    return _load(db, rows[0])


def delete_session(db: sqlite_utils.Database, session_id: int) -> None:
    """The session's rows only; ``store.deletes.delete_session`` also removes its media folder."""
    with transaction(db):
        db["sessions"].delete(session_id)
