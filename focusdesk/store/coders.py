"""Coders: the researchers who code a study, and which of them is coding now.

Each coding and memo records its coder (``codings.coder_id``, migration 017). The study's current
coder is a study setting (``coder``: a coder id) that every write uses unless told otherwise, so
the CLI's ``--coder`` and the window's Code ▸ Coder… only ever change who writes. The default
coder (id 1) owns everything coded before coders existed; "consensus" is the coder that settled
disagreements write as.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.errors import UserError
from focusdesk.core.model import Coding
from focusdesk.store import study as study_store
from focusdesk.store.study import NotFound
from focusdesk.store.tx import now_iso

DEFAULT_ID = 1
CONSENSUS = "consensus"
CHOSEN_KEY = "coder_chosen"  # study setting: someone has said who codes (asked once)
# A stable colour per coder id: the editor's mark beside each coding when several coders coded.
MARK_COLOURS = ["#6d4c41", "#1e88e5", "#d81b60", "#00897b", "#8e24aa", "#fb8c00", "#3949ab",
                "#7cb342", "#546e7a", "#5e35b1"]


@dataclass
class Coder:
    id: int
    name: str
    guid: str = ""
    created_at: str = ""


def _coder(row) -> Coder:
    return Coder(id=row[0], name=row[1], guid=row[2], created_at=row[3])


def list_coders(db: sqlite_utils.Database) -> list[Coder]:
    return [_coder(r) for r in db.execute("SELECT id, name, guid, created_at FROM coders ORDER BY id")]


def get_coder(db: sqlite_utils.Database, coder_id: int) -> Coder:
    row = db.execute("SELECT id, name, guid, created_at FROM coders WHERE id = ?", [coder_id]).fetchone()
    if row is None:
        raise NotFound(f"No coder with id {coder_id}.")
    return _coder(row)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValueError("A coder needs a name (for example their initials).")
    if "," in name:
        raise ValueError("A coder's name cannot contain a comma (commas separate coders in a list).")
    return name


def add_coder(db: sqlite_utils.Database, name: str, guid: str = "") -> Coder:
    """A new coder; refused when the name (any case) is taken."""
    name = _clean_name(name)
    if db.execute("SELECT 1 FROM coders WHERE name = ? COLLATE NOCASE", [name]).fetchone():
        raise ValueError(f"There is already a coder called {name!r}.")
    cid = db["coders"].insert({"name": name, "guid": guid, "created_at": now_iso()}).last_pk
    return get_coder(db, cid)


def coder_by_name(db: sqlite_utils.Database, name: str, create: bool = False) -> Coder:
    row = db.execute("SELECT id, name, guid, created_at FROM coders WHERE name = ? COLLATE NOCASE",
                     [_clean_name(name)]).fetchone()
    if row is not None:
        return _coder(row)
    if create:
        return add_coder(db, name)
    known = ", ".join(c.name for c in list_coders(db))
    raise NotFound(f"No coder called {name!r} (coders: {known}). Add one first.")


def coder_by_guid(db: sqlite_utils.Database, guid: str) -> Coder | None:
    row = db.execute("SELECT id, name, guid, created_at FROM coders WHERE guid = ? AND guid != ''",
                     [guid]).fetchone()
    return _coder(row) if row else None


def current_coder(db: sqlite_utils.Database) -> Coder:
    """Who codes now: the study's setting, or the default coder (also when the setting's coder
    has gone)."""
    st = study_store.get_study(db)
    cid = (st.settings.get("coder") if st else None) or DEFAULT_ID
    try:
        return get_coder(db, int(cid))
    except (NotFound, TypeError, ValueError):
        return get_coder(db, DEFAULT_ID)


def use_coder(db: sqlite_utils.Database, name: str, create: bool = False) -> Coder:
    """Make ``name`` the study's current coder (every later coding is theirs)."""
    coder = coder_by_name(db, name, create=create)
    study_store.update_settings(db, coder=coder.id, **{CHOSEN_KEY: True})
    return coder


def needs_coder_choice(db: sqlite_utils.Database) -> bool:
    """True until someone says who codes: the window asks once, at the study's first opening,
    rather than filing a stranger's codings under "default"."""
    st = study_store.get_study(db)
    if st is not None and st.settings.get(CHOSEN_KEY):
        return False
    return current_coder(db).id == DEFAULT_ID


def mark_coder_chosen(db: sqlite_utils.Database) -> None:
    """Never ask again in this study (also when the answer was to stay "default")."""
    study_store.update_settings(db, **{CHOSEN_KEY: True})


def resolve(db: sqlite_utils.Database, name: str | None) -> int | None:
    """A ``--coder NAME`` argument as an id (None: the current coder)."""
    return coder_by_name(db, name).id if name else None


def coding_counts(db: sqlite_utils.Database) -> dict[int, int]:
    return dict(db.execute("SELECT coder_id, COUNT(*) FROM codings GROUP BY coder_id").fetchall())


_COLS = "id, session_id, code_id, start_ms, end_ms, speaker_id, memo, created_at, coder_id"


def codings_of(db: sqlite_utils.Database, coder_ids: list[int] | None = None,
               session_id: int | None = None) -> list[Coding]:
    """Codings of some coders (None: all), optionally of one session, in time order."""
    where, params = [], []
    if coder_ids is not None:
        where.append(f"coder_id IN ({', '.join('?' * len(coder_ids))})")
        params += list(coder_ids)
    if session_id is not None:
        where.append("session_id = ?")
        params.append(session_id)
    sql = f"SELECT {_COLS} FROM codings" + (f" WHERE {' AND '.join(where)}" if where else "")
    keys = _COLS.split(", ")
    return [Coding(**dict(zip(keys, r))) for r in db.execute(sql + " ORDER BY session_id, start_ms, id", params)]


def shown_coders(db: sqlite_utils.Database) -> list[int] | None:
    """Whose codings the window shows (None: every coder's); a study setting, so it persists."""
    st = study_store.get_study(db)
    shown = st.settings.get("coders_shown") if st else None
    return [int(i) for i in shown] if shown else None


def show_coders(db: sqlite_utils.Database, coder_ids: list[int] | None) -> None:
    study_store.update_settings(db, coders_shown=list(coder_ids) if coder_ids else None)


def set_shown(db: sqlite_utils.Database, coder_id: int, shown: bool) -> list[int] | None:
    """Show or hide one coder's codings, keeping the others as they are; returns the new list
    (None: everyone). Hiding the last coder shown is refused: an empty margin looks uncoded."""
    everyone = [c.id for c in list_coders(db)]
    now = shown_coders(db)
    ids = set(everyone if now is None else now)
    ids = ids | {coder_id} if shown else ids - {coder_id}
    if not ids:
        raise UserError("At least one coder's codings stay shown. Show another coder first, "
                        "or choose All coders.")
    result = None if ids >= set(everyone) else [i for i in everyone if i in ids]
    show_coders(db, result)
    return result


def coders_with_codings(db: sqlite_utils.Database) -> set[int]:
    return set(coding_counts(db))


def initials(name: str) -> str:
    """A coder's short mark: "Ann Baker" → "AB", "AB" → "AB", "alice" → "AL"."""
    words = [w for w in name.replace("-", " ").replace(".", " ").split() if w]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    return (words[0][:2] if words else "?").upper()


def mark_colour(coder_id: int) -> str:
    return MARK_COLOURS[int(coder_id) % len(MARK_COLOURS)]


def visible(db: sqlite_utils.Database, codings: list[Coding]) -> list[Coding]:
    """``codings`` less those of coders the window hides."""
    shown = shown_coders(db)
    return codings if shown is None else [c for c in codings if c.coder_id in shown]
