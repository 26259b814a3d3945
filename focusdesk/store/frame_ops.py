"""Editing the coding frame: add, rename, move, merge, delete to the trash, restore, empty.

Deleting never loses work: the code subtree with its codings, framework summaries and memo links
is kept in ``code_trash`` until the trash is emptied, and restoring puts it all back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.model import Code
from focusdesk.store.codes import add_code, code_path
from focusdesk.store.study import AlreadyExists, NotFound
from focusdesk.store.tx import now_iso, transaction

_CODE_COLS = ("id", "parent_id", "name", "colour", "description", "position", "inclusion",
              "exclusion", "pin")


@dataclass
class CodeInfo:
    """A code with the notes the frame editor shows."""

    id: int
    name: str
    parent_id: int | None
    colour: str
    description: str
    inclusion: str
    exclusion: str
    pin: int | None
    position: int
    path: str = ""
    n_codings: int = 0


@dataclass
class TrashItem:
    id: int
    code_id: int
    path: str
    n_codes: int
    n_codings: int
    deleted_at: str


def _row(db: sqlite_utils.Database, code_id: int) -> dict:
    row = db.execute(f"SELECT {', '.join(_CODE_COLS)} FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None:
        raise NotFound(f"No code with id {code_id}; it may have been deleted.")
    return dict(zip(_CODE_COLS, row))


def get_code(db: sqlite_utils.Database, code_id: int) -> CodeInfo:
    info = CodeInfo(**_row(db, code_id))
    info.path = code_path(db, code_id)
    info.n_codings = db.execute("SELECT COUNT(*) FROM codings WHERE code_id = ?", [code_id]).fetchone()[0]
    return info


def list_frame(db: sqlite_utils.Database) -> list[CodeInfo]:
    """All live codes, parents first, siblings in order, with paths and coding counts."""
    counts = dict(db.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id").fetchall())
    rows = [dict(zip(_CODE_COLS, r)) for r in db.execute(
        f"SELECT {', '.join(_CODE_COLS)} FROM codes ORDER BY position, id")]
    by_parent: dict[int | None, list[dict]] = {}
    for r in rows:
        by_parent.setdefault(r["parent_id"], []).append(r)
    out: list[CodeInfo] = []

    def visit(parent: int | None, prefix: str) -> None:
        for r in by_parent.get(parent, []):
            info = CodeInfo(**r)
            info.path = f"{prefix}/{info.name}" if prefix else info.name
            info.n_codings = counts.get(info.id, 0)
            out.append(info)
            visit(info.id, info.path)

    visit(None, "")
    return out


def _check_name(db: sqlite_utils.Database, name: str, parent_id: int | None, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValueError("A code needs a name.")
    if "/" in name:
        raise ValueError(f"A code name may not contain '/' (it separates levels): {name!r}")
    row = db.execute("SELECT id FROM codes WHERE name = ? COLLATE NOCASE AND parent_id IS ? AND id IS NOT ?",
                     [name, parent_id, exclude]).fetchone()
    if row:
        raise AlreadyExists(f"A code called {name!r} already exists there; choose another name "
                            "or merge the two codes.")
    return name


def new_code(db: sqlite_utils.Database, name: str, parent_id: int | None = None, colour: str = "",
             description: str = "", inclusion: str = "", exclusion: str = "") -> CodeInfo:
    from focusdesk.store.codes import DEFAULT_COLOURS

    with transaction(db):
        name = _check_name(db, name, parent_id)
        if not colour:
            if parent_id is not None:
                colour = _row(db, parent_id)["colour"]
            else:
                n = db.execute("SELECT COUNT(*) FROM codes WHERE parent_id IS NULL").fetchone()[0]
                colour = DEFAULT_COLOURS[n % len(DEFAULT_COLOURS)]
        code = add_code(db, Code(name=name, parent_id=parent_id, colour=colour, description=description))
        db["codes"].update(code.id, {"inclusion": inclusion, "exclusion": exclusion})
    return get_code(db, code.id)


def update_code(db: sqlite_utils.Database, code_id: int, **changes) -> CodeInfo:
    """Change name, colour, description, inclusion or exclusion notes of a code."""
    allowed = {"name", "colour", "description", "inclusion", "exclusion"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))} of a code here.")
    with transaction(db):
        row = _row(db, code_id)
        if "name" in changes:
            changes["name"] = _check_name(db, changes["name"], row["parent_id"], exclude=code_id)
        if "colour" in changes and not _is_colour(changes["colour"]):
            raise ValueError(f"Colour {changes['colour']!r} is not like '#2e7d32'.")
        if changes:
            db["codes"].update(code_id, changes)
    return get_code(db, code_id)


def rename_code(db: sqlite_utils.Database, code_id: int, name: str) -> CodeInfo:
    return update_code(db, code_id, name=name)


def _is_colour(text: str) -> bool:
    return len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in text[1:])


def _descendants(db: sqlite_utils.Database, code_id: int) -> list[int]:
    """The code and every code below it, parents before children."""
    out, todo = [], [code_id]
    while todo:
        current = todo.pop(0)
        out.append(current)
        todo.extend(r[0] for r in db.execute(
            "SELECT id FROM codes WHERE parent_id = ? ORDER BY position, id", [current]))
    return out


def move_code(db: sqlite_utils.Database, code_id: int, new_parent_id: int | None,
              position: int | None = None) -> CodeInfo:
    """Reparent and/or reorder: the code goes to ``position`` among its new siblings (end if None)."""
    with transaction(db):
        row = _row(db, code_id)
        if new_parent_id is not None:
            _row(db, new_parent_id)
            if new_parent_id in _descendants(db, code_id):
                raise ValueError("A code cannot be moved inside itself or one of its sub-codes.")
        _check_name(db, row["name"], new_parent_id, exclude=code_id)
        siblings = [r[0] for r in db.execute(
            "SELECT id FROM codes WHERE parent_id IS ? AND id != ? ORDER BY position, id",
            [new_parent_id, code_id])]
        if position is None or position < 0 or position > len(siblings):
            position = len(siblings)
        siblings.insert(position, code_id)
        db.execute("UPDATE codes SET parent_id = ? WHERE id = ?", [new_parent_id, code_id])
        for pos, sid in enumerate(siblings):
            db.execute("UPDATE codes SET position = ? WHERE id = ?", [pos, sid])
    return get_code(db, code_id)


def merge_codes(db: sqlite_utils.Database, source_id: int, target_id: int) -> CodeInfo:
    """Merge ``source`` into ``target``: its codings, sub-codes, memos and summaries move; the
    source's notes are appended to the target's; the emptied source code is removed."""
    if source_id == target_id:
        raise ValueError("Choose two different codes to merge.")
    with transaction(db):
        src, dst = _row(db, source_id), _row(db, target_id)
        if target_id in _descendants(db, source_id):
            raise ValueError("A code cannot be merged into one of its own sub-codes.")
        db.execute("UPDATE codings SET code_id = ? WHERE code_id = ?", [target_id, source_id])
        db.execute("UPDATE memos SET code_id = ? WHERE code_id = ?", [target_id, source_id])
        db.execute("UPDATE consensus_decisions SET code_id = ? WHERE code_id = ?", [target_id, source_id])
        for pid, coder, summary in db.execute("SELECT participant_id, coder_id, summary FROM framework_summaries "
                                              "WHERE code_id = ?", [source_id]).fetchall():
            existing = db.execute("SELECT summary FROM framework_summaries WHERE participant_id = ? "
                                  "AND code_id = ? AND coder_id = ?", [pid, target_id, coder]).fetchone()
            text = "\n\n".join(t for t in ((existing[0] if existing else ""), summary) if t)
            db.execute("INSERT INTO framework_summaries (participant_id, code_id, coder_id, summary, updated_at) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT(participant_id, code_id, coder_id) DO UPDATE SET "
                       "summary = excluded.summary, updated_at = excluded.updated_at",
                       [pid, target_id, coder, text, now_iso()])
        for child in [r[0] for r in db.execute("SELECT id FROM codes WHERE parent_id = ?", [source_id])]:
            name = _row(db, child)["name"]
            clash = db.execute("SELECT id FROM codes WHERE parent_id = ? AND name = ? COLLATE NOCASE",
                               [target_id, name]).fetchone()
            if clash:
                merge_codes(db, child, clash[0])
            else:
                db.execute("UPDATE codes SET parent_id = ?, position = (SELECT COALESCE(MAX(position) "
                           "+ 1, 0) FROM codes WHERE parent_id = ?) WHERE id = ?",
                           [target_id, target_id, child])
        changes = {}
        for field in ("description", "inclusion", "exclusion"):
            if src[field] and src[field] not in dst[field]:
                changes[field] = "\n".join(t for t in (dst[field], src[field]) if t)
        if dst["pin"] is None and src["pin"] is not None:
            changes["pin"] = src["pin"]
        db.execute("DELETE FROM codes WHERE id = ?", [source_id])
        if changes:
            db["codes"].update(target_id, changes)
    return get_code(db, target_id)


# --- trash -----------------------------------------------------------------------------------

def _rows(db: sqlite_utils.Database, sql: str, args: list) -> list[dict]:
    cur = db.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def delete_code(db: sqlite_utils.Database, code_id: int) -> TrashItem:
    """Move a code, its sub-codes and all their codings to the trash."""
    with transaction(db):
        row = _row(db, code_id)
        ids = _descendants(db, code_id)
        marks = ", ".join("?" * len(ids))
        payload = {
            "codes": [_row(db, i) for i in ids],
            "codings": _rows(db, f"SELECT * FROM codings WHERE code_id IN ({marks})", ids),
            "summaries": _rows(db, f"SELECT * FROM framework_summaries WHERE code_id IN ({marks})", ids),
            "decisions": _rows(db, f"SELECT * FROM consensus_decisions WHERE code_id IN ({marks})", ids),
            "memo_codes": {str(r["id"]): r["code_id"] for r in
                           _rows(db, f"SELECT id, code_id FROM memos WHERE code_id IN ({marks})", ids)},
        }
        item = TrashItem(id=0, code_id=code_id, path=code_path(db, code_id), n_codes=len(ids),
                         n_codings=len(payload["codings"]), deleted_at=now_iso())
        item.id = db["code_trash"].insert({
            "code_id": code_id, "path": item.path, "parent_id": row["parent_id"],
            "n_codes": item.n_codes, "n_codings": item.n_codings,
            "payload": json.dumps(payload, ensure_ascii=False), "deleted_at": item.deleted_at,
        }).last_pk
        db.execute("DELETE FROM codes WHERE id = ?", [code_id])  # cascades sub-codes and codings
    return item


def list_trash(db: sqlite_utils.Database) -> list[TrashItem]:
    return [TrashItem(**r) for r in _rows(
        db, "SELECT id, code_id, path, n_codes, n_codings, deleted_at FROM code_trash "
        "ORDER BY deleted_at DESC, id DESC", [])]


def restore_code(db: sqlite_utils.Database, trash_id: int) -> CodeInfo:
    """Put a deleted code back with its sub-codes and codings. If its parent is gone it returns at
    the top level; if its name is taken there, " (restored)" is added."""
    with transaction(db):
        row = db.execute("SELECT payload, parent_id FROM code_trash WHERE id = ?", [trash_id]).fetchone()
        if row is None:
            raise NotFound(f"Nothing in the trash with id {trash_id}.")
        payload, parent_id = json.loads(row[0]), row[1]
        if parent_id is not None and not db.execute("SELECT 1 FROM codes WHERE id = ?", [parent_id]).fetchone():
            parent_id = None
        mapping: dict[int, int] = {}
        for n, code in enumerate(payload["codes"]):
            old = code["id"]
            parent = parent_id if n == 0 else mapping[code["parent_id"]]
            name = code["name"]
            if n == 0:
                while db.execute("SELECT 1 FROM codes WHERE name = ? COLLATE NOCASE AND parent_id IS ?",
                                 [name, parent]).fetchone():
                    name += " (restored)"
            values = {k: code[k] for k in _CODE_COLS if k not in ("id", "parent_id", "name")}
            values.update(name=name, parent_id=parent)
            if not db.execute("SELECT 1 FROM codes WHERE id = ?", [old]).fetchone():
                values["id"] = old
            if values.get("pin") is not None and db.execute(
                    "SELECT 1 FROM codes WHERE pin = ?", [values["pin"]]).fetchone():
                values["pin"] = None
            mapping[old] = db["codes"].insert(values).last_pk
        for c in payload["codings"]:
            if not db.execute("SELECT 1 FROM sessions WHERE id = ?", [c["session_id"]]).fetchone():
                continue  # the session was deleted meanwhile
            c = dict(c, code_id=mapping[c["code_id"]])
            if c["speaker_id"] is not None and not db.execute(
                    "SELECT 1 FROM speakers WHERE id = ?", [c["speaker_id"]]).fetchone():
                c["speaker_id"] = None
            if db.execute("SELECT 1 FROM codings WHERE id = ?", [c["id"]]).fetchone():
                del c["id"]
            db["codings"].insert(c)
        for s in payload["summaries"]:
            if db.execute("SELECT 1 FROM participants WHERE id = ?", [s["participant_id"]]).fetchone():
                db["framework_summaries"].insert(dict(s, code_id=mapping[s["code_id"]]), replace=True)
        for d in payload.get("decisions", []):  # consensus decisions (migration 021) come back too
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", [d["session_id"]]).fetchone():
                db["consensus_decisions"].insert({k: v for k, v in d.items() if k != "id"} |
                                                 {"code_id": mapping[d["code_id"]]})
        for memo_id, code_id in payload.get("memo_codes", {}).items():
            db.execute("UPDATE memos SET code_id = ? WHERE id = ? AND code_id IS NULL",
                       [mapping[code_id], int(memo_id)])
        db.execute("DELETE FROM code_trash WHERE id = ?", [trash_id])
    return get_code(db, mapping[payload["codes"][0]["id"]])


def empty_trash(db: sqlite_utils.Database) -> int:
    """Forget everything in the trash for good; returns how many deleted codes were dropped."""
    with transaction(db):
        n = db.execute("SELECT COUNT(*) FROM code_trash").fetchone()[0]
        db.execute("DELETE FROM code_trash")
    return n


# --- pins --------------------------------------------------------------------------------------

def pin_code(db: sqlite_utils.Database, code_id: int, slot: int | None) -> None:
    """Bind a code to Ctrl+``slot`` (1-9) in the transcript; ``None`` unpins. A slot holds one code."""
    if slot is not None and not 1 <= slot <= 9:
        raise ValueError("Pins are numbered 1 to 9 (Ctrl+1 … Ctrl+9).")
    with transaction(db):
        _row(db, code_id)
        if slot is not None:
            db.execute("UPDATE codes SET pin = NULL WHERE pin = ?", [slot])
        db.execute("UPDATE codes SET pin = ? WHERE id = ?", [slot, code_id])


def pinned_codes(db: sqlite_utils.Database) -> dict[int, int]:
    """Slot -> code id."""
    return dict(db.execute("SELECT pin, id FROM codes WHERE pin IS NOT NULL ORDER BY pin").fetchall())
