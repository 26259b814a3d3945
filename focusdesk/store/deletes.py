"""Deleting a participant, facilitator, site or session, and saying first what goes with it.

Each ``*_impact`` counts from the store what a delete would remove or change, in words a
researcher can weigh before confirming (the window's confirmation and the CLI's both print it).
Codings and turns are never deleted with a person: the voices mapped to them become unnamed
again (S1, S2...). A site is never deleted with its people or sessions: they move to another site
or are left without one, because a site is only a grouping and losing a session's data to a
mis-click on a grouping would be out of proportion. A session takes its own data and its own media
folder with it, and nothing of any other session.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from focusdesk.core.timefmt import format_ms
from focusdesk.store import audit, study
from focusdesk.store import sessions as session_store
from focusdesk.store.study import NotFound
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace


@dataclass(frozen=True)
class Impact:
    """What a delete takes with it (``removed``) and what it leaves changed (``kept``)."""

    title: str  # "Delete participant P03?"
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        parts = [self.title]
        if self.removed:
            parts.append("Deleted with it: " + "; ".join(self.removed) + ".")
        if self.kept:
            parts.append(" ".join(self.kept))
        if not self.removed and not self.kept:
            parts.append("Nothing else refers to it.")
        return "\n\n".join(parts)


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _one(db: sqlite_utils.Database, sql: str, params: list) -> int:
    return int(db.execute(sql, params).fetchone()[0] or 0)


def _session_names(db: sqlite_utils.Database, sql: str, params: list) -> list[str]:
    return [r[0] for r in db.execute(sql, params)]


def _voices(db: sqlite_utils.Database, column: str, person_id: int) -> tuple[int, int, int]:
    """(voices mapped, their turns, codings on them) for a person."""
    voices = _one(db, f"SELECT COUNT(*) FROM speakers WHERE {column} = ?", [person_id])
    turns = _one(db, f"SELECT COUNT(*) FROM segments WHERE speaker_id IN (SELECT id FROM speakers WHERE {column} = ?)",
                 [person_id])
    codings = _one(db, f"SELECT COUNT(*) FROM codings WHERE speaker_id IN (SELECT id FROM speakers WHERE {column} = ?)",
                   [person_id])
    return voices, turns, codings


def _person_impact(db: sqlite_utils.Database, kind: str, person_id: int, label: str) -> Impact:
    column = f"{kind}_id"
    link = "session_participants" if kind == "participant" else "session_facilitators"
    listed = _session_names(db, f"SELECT s.name FROM {link} l JOIN sessions s ON s.id = l.session_id "
                                f"WHERE l.{column} = ? ORDER BY s.date, s.name", [person_id])
    voices, turns, codings = _voices(db, column, person_id)
    taps = _one(db, "SELECT COUNT(*) FROM seat_taps WHERE person_kind = ? AND person_id = ?", [kind, person_id])
    prints = _one(db, f"SELECT COUNT(*) FROM voice_prints WHERE {column} = ?", [person_id])
    removed, kept = [], []
    if listed:
        removed.append(f"their place in {_n(len(listed), 'session')} ({', '.join(listed)})")
    if taps:
        removed.append(f"{_n(taps, 'seat tap')} naming them")
    if prints:
        removed.append(f"{_n(prints, 'enrolled voice print')}")
    summaries = memos = 0
    if kind == "participant":
        summaries = _one(db, "SELECT COUNT(*) FROM framework_summaries WHERE participant_id = ?", [person_id])
        memos = _one(db, "SELECT COUNT(*) FROM memos WHERE participant_id = ?", [person_id])
        if summaries:
            removed.append(f"{_n(summaries, 'framework summary', 'framework summaries')}")
        if memos:
            kept.append(f"{_n(memos, 'memo')} about them stay, no longer linked to them.")
    if voices:
        kept.append(f"{_n(voices, 'voice')} mapped to them become unnamed again (S1, S2…): "
                    f"the {_n(turns, 'turn')} and {_n(codings, 'coding')} on them stay.")
    return Impact(f"Delete {kind} {label}?", removed, kept,
                  {"sessions": len(listed), "voices": voices, "turns": turns, "codings": codings,
                   "taps": taps, "voice_prints": prints, "summaries": summaries, "memos": memos})


def participant_impact(db: sqlite_utils.Database, participant_id: int) -> Impact:
    p = study.get_participant(db, participant_id)
    if p is None:
        raise NotFound(f"No participant with id {participant_id}.")
    return _person_impact(db, "participant", participant_id, p.code)


def facilitator_impact(db: sqlite_utils.Database, facilitator_id: int) -> Impact:
    f = study.get_facilitator(db, facilitator_id)
    if f is None:
        raise NotFound(f"No facilitator with id {facilitator_id}.")
    return _person_impact(db, "facilitator", facilitator_id, f"{f.code} ({f.name})")


def _delete_person(db: sqlite_utils.Database, kind: str, person_id: int) -> None:
    table = "participants" if kind == "participant" else "facilitators"
    with transaction(db):
        # seat taps and positions name a person by kind and id, without a foreign key
        db.execute("DELETE FROM seat_taps WHERE person_kind = ? AND person_id = ?", [kind, person_id])
        db.execute("DELETE FROM seat_positions WHERE person_kind = ? AND person_id = ?", [kind, person_id])
        db.execute(f"DELETE FROM {table} WHERE id = ?", [person_id])  # the schema unlinks the rest


def delete_participant(db: sqlite_utils.Database, participant_id: int) -> None:
    """Delete a participant: see :func:`participant_impact` for what goes and what stays."""
    participant_impact(db, participant_id)  # NotFound when already gone
    code = study.get_participant(db, participant_id).code
    with transaction(db):
        _delete_person(db, "participant", participant_id)
        audit.record(db, audit.PARTICIPANT_DELETED, obj=code)


def delete_facilitator(db: sqlite_utils.Database, facilitator_id: int) -> None:
    facilitator_impact(db, facilitator_id)
    _delete_person(db, "facilitator", facilitator_id)


# --- sites -----------------------------------------------------------------------------------

def site_impact(db: sqlite_utils.Database, site_id: int, move_to: int | None = None) -> Impact:
    site = study.get_site(db, site_id)
    if site is None:
        raise NotFound(f"No site with id {site_id}.")
    n_parts = _one(db, "SELECT COUNT(*) FROM participants WHERE site_id = ?", [site_id])
    n_sess = _one(db, "SELECT COUNT(*) FROM sessions WHERE site_id = ?", [site_id])
    kept = []
    if n_parts or n_sess:
        target = study.get_site(db, move_to) if move_to is not None else None
        where = f"move to {target.name}" if target else "stay, with no site"
        kept.append(f"Its {_n(n_parts, 'participant')} and {_n(n_sess, 'session')} {where}; "
                    "nothing of theirs is deleted.")
    return Impact(f"Delete site {site.name}?", [], kept, {"participants": n_parts, "sessions": n_sess})


def delete_site(db: sqlite_utils.Database, site_id: int, move_to: int | None = None) -> None:
    """Delete a site; its participants and sessions move to ``move_to`` (or to no site)."""
    site_impact(db, site_id)
    if move_to == site_id:
        raise ValueError("Move the site's participants and sessions to another site, not to itself.")
    if move_to is not None and study.get_site(db, move_to) is None:
        raise NotFound(f"No site with id {move_to} to move them to.")
    with transaction(db):
        db.execute("UPDATE participants SET site_id = ? WHERE site_id = ?", [move_to, site_id])
        db.execute("UPDATE sessions SET site_id = ? WHERE site_id = ?", [move_to, site_id])
        db.execute("DELETE FROM sites WHERE id = ?", [site_id])


# --- sessions --------------------------------------------------------------------------------

def session_folder(ws: Workspace, session_id: int) -> Path:
    """The session's own media folder (not created here, unlike ``Workspace.session_dir``)."""
    return ws.media_root / f"{session_id:04d}"


def _folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    return len(files), sum(p.stat().st_size for p in files)


def session_impact(ws: Workspace, session_id: int) -> Impact:
    db = ws.db
    s = session_store.get_session(db, session_id)
    if s is None:
        raise NotFound(f"No session with id {session_id}.")
    q = "SELECT COUNT(*) FROM {} WHERE session_id = ?"
    recs = _one(db, q.format("recordings"), [session_id])
    audio = _one(db, "SELECT COALESCE(SUM(duration_ms), 0) FROM recordings WHERE session_id = ?", [session_id])
    segs = _one(db, q.format("segments"), [session_id])
    codings = _one(db, q.format("codings"), [session_id])
    markers = _one(db, q.format("markers"), [session_id])
    voices = _one(db, q.format("speakers"), [session_id])
    n_files, size = _folder_size(session_folder(ws, session_id))
    removed = []
    if recs:
        removed.append(f"{_n(recs, 'recording')} ({format_ms(audio)} of audio)")
    if n_files:
        removed.append(f"its media folder ({_n(n_files, 'file')}, {size / 1e6:.1f} MB)")
    if segs:
        removed.append(f"the transcript ({_n(segs, 'turn')})")
    if voices:
        removed.append(f"{_n(voices, 'voice')} and who they were mapped to")
    if codings:
        removed.append(_n(codings, "coding"))
    if markers:
        removed.append(_n(markers, "marker"))
    kept = ["Its participants, the codes and every other session stay."]
    return Impact(f"Delete session {s.name}? This cannot be undone.", removed, kept,
                  {"recordings": recs, "segments": segs, "codings": codings, "markers": markers,
                   "voices": voices, "files": n_files})


def delete_session(ws: Workspace, session_id: int) -> list[Path]:
    """Delete a session's rows (the schema cascades to its recordings, transcript, voices,
    codings, markers and taps) and then its own media folder. Returns files that could not be
    removed (e.g. open in another program), which the caller should mention."""
    session_impact(ws, session_id)
    folder = session_folder(ws, session_id).resolve()
    media = ws.media_root.resolve()
    if folder.parent != media:  # never reach outside sessions/<id>
        raise ValueError(f"Refusing to delete {folder}: it is not a session folder of this study.")
    with transaction(ws.db):
        session_store.delete_session(ws.db, session_id)
        audit.record(ws.db, audit.SESSION_DELETED, obj=f"session {session_id}")
    left: list[Path] = []
    if folder.is_dir():
        shutil.rmtree(folder, onerror=lambda _f, path, _e: left.append(Path(path)))
    return left
