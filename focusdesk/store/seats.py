"""Seats and taps: the people of a session as seats on a plan (positions remembered per
session), and "this is P03 speaking" taps at a media time. ``diarize/taps.py`` turns the taps
into speaker mappings; the live console and the transcript editor make them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.store import sessions
from focusdesk.store.study import NotFound
from focusdesk.store.tx import now_iso, transaction

KINDS = ("participant", "facilitator")
SOURCES = ("live", "editor")


@dataclass(frozen=True, order=True)
class Person:
    """A participant (by pseudonym) or a facilitator; ``name`` is what every view shows."""

    kind: str
    id: int
    name: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.id


@dataclass
class Tap:
    session_id: int
    person: Person
    t_ms: int
    source: str = "live"
    created_at: str = ""
    id: int | None = None


def person_names(db: sqlite_utils.Database) -> dict[tuple[str, int], str]:
    """(kind, id) -> participant or facilitator code (never a real name)."""
    out = {("participant", pid): code for pid, code in db.execute("SELECT id, code FROM participants")}
    out.update({("facilitator", fid): code for fid, code in db.execute("SELECT id, code FROM facilitators")})
    return out


def session_people(db: sqlite_utils.Database, session_id: int) -> list[Person]:
    """The session's facilitators, then its participants: the seats of its plan."""
    session = sessions.get_session(db, session_id)
    if session is None:
        raise NotFound(f"No session with id {session_id}.")
    names = person_names(db)
    return ([Person("facilitator", f, names.get(("facilitator", f), "?")) for f in session.facilitator_ids]
            + [Person("participant", p, names.get(("participant", p), "?")) for p in session.participant_ids])


def resolve(db: sqlite_utils.Database, session_id: int, ref: str) -> Person:
    """A person named by participant code or facilitator name; the session's people first."""
    text = ref.strip().casefold()
    people = session_people(db, session_id)
    for p in people:
        if p.name.casefold() == text:
            return p
    names = person_names(db)
    for (kind, pid), name in names.items():
        if name.casefold() == text:
            return Person(kind, pid, name)
    for fid, name in db.execute("SELECT id, name FROM facilitators"):
        if name.casefold() == text:  # a facilitator may be named as well as coded
            return Person("facilitator", fid, names[("facilitator", fid)])
    known = ", ".join(p.name for p in people) or "none"
    raise NotFound(f"No participant or facilitator {ref!r} (this session's people: {known}). "
                   "Add them to the session with 'focusdesk session edit' or use a participant code.")


def add_tap(db: sqlite_utils.Database, session_id: int, person: Person, t_ms: int,
            source: str = "live") -> Tap:
    if source not in SOURCES:
        raise ValueError(f"A tap comes from one of {', '.join(SOURCES)}, not {source!r}.")
    if person.kind not in KINDS:
        raise ValueError(f"A tap names a participant or a facilitator, not {person.kind!r}.")
    if t_ms < 0:
        raise ValueError("A tap's time cannot be before the start of the session.")
    tap = Tap(session_id, person, int(t_ms), source, now_iso())
    with transaction(db):
        tap.id = db["seat_taps"].insert({
            "session_id": session_id, "person_kind": person.kind, "person_id": person.id,
            "t_ms": tap.t_ms, "source": source, "created_at": tap.created_at}).last_pk
    return tap


def list_taps(db: sqlite_utils.Database, session_id: int) -> list[Tap]:
    names = person_names(db)
    return [Tap(session_id, Person(kind, pid, names.get((kind, pid), "?")), t, src, created, tid)
            for tid, kind, pid, t, src, created in db.execute(
                "SELECT id, person_kind, person_id, t_ms, source, created_at FROM seat_taps "
                "WHERE session_id = ? ORDER BY t_ms, id", [session_id])]


def delete_tap(db: sqlite_utils.Database, tap_id: int) -> None:
    with transaction(db):
        db.execute("DELETE FROM seat_taps WHERE id = ?", [tap_id])


def seat_positions(db: sqlite_utils.Database, session_id: int) -> dict[tuple[str, int], tuple[float, float]]:
    """(kind, id) -> (x, y) as the user left them; seats not moved yet are absent."""
    return {(k, pid): (x, y) for k, pid, x, y in db.execute(
        "SELECT person_kind, person_id, x, y FROM seat_positions WHERE session_id = ?", [session_id])}


def set_seat_position(db: sqlite_utils.Database, session_id: int, person: Person, x: float, y: float) -> None:
    with transaction(db):
        db.execute("INSERT OR REPLACE INTO seat_positions (session_id, person_kind, person_id, x, y) "
                   "VALUES (?, ?, ?, ?, ?)", [session_id, person.kind, person.id, float(x), float(y)])
