"""The coding frame: a tree of codes of any depth, addressed by paths like "Domain/Theme"."""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.model import Code
from focusdesk.core.outline import FrameNode
from focusdesk.store.study import AlreadyExists, NotFound
from focusdesk.store.tx import transaction

SEP = "/"


def _code(row: dict) -> Code:
    return Code(name=row["name"], parent_id=row["parent_id"], colour=row["colour"],
                description=row["description"], position=row["position"], id=row["id"])


def list_codes(db: sqlite_utils.Database) -> list[Code]:
    """All codes, parents before children, siblings in their order."""
    rows = [_code(r) for r in db["codes"].rows_where(order_by="position, id")]
    by_parent: dict[int | None, list[Code]] = {}
    for c in rows:
        by_parent.setdefault(c.parent_id, []).append(c)
    out: list[Code] = []

    def visit(parent: int | None) -> None:
        for c in by_parent.get(parent, []):
            out.append(c)
            visit(c.id)

    visit(None)
    return out


def root_code_ids(db: sqlite_utils.Database) -> list[int]:
    """Ids of the top-level codes (themes) in frame order."""
    return [r[0] for r in db.execute("SELECT id FROM codes WHERE parent_id IS NULL ORDER BY position, id")]


def add_code(db: sqlite_utils.Database, code: Code) -> Code:
    if db.execute("SELECT 1 FROM codes WHERE name = ? AND parent_id IS ?",
                  [code.name, code.parent_id]).fetchone():
        raise AlreadyExists(f"A code called {code.name!r} already exists there.")
    if code.position is None or code.position < 0:
        code.position = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM codes "
                                   "WHERE parent_id IS ?", [code.parent_id]).fetchone()[0]
    code.id = db["codes"].insert({
        "name": code.name, "parent_id": code.parent_id, "colour": code.colour,
        "description": code.description, "position": code.position,
    }).last_pk
    return code


def code_path(db: sqlite_utils.Database, code_id: int) -> str:
    parts = []
    current: int | None = code_id
    while current is not None:
        row = db.execute("SELECT name, parent_id FROM codes WHERE id = ?", [current]).fetchone()
        if row is None:
            break
        parts.append(row[0])
        current = row[1]
    return SEP.join(reversed(parts))


def code_by_path(db: sqlite_utils.Database, path: str, create: bool = False) -> Code:
    parent: int | None = None
    code: Code | None = None
    for name in [p.strip() for p in path.split(SEP) if p.strip()]:
        row = db.execute("SELECT * FROM codes WHERE name = ? COLLATE NOCASE AND parent_id IS ?",
                         [name, parent]).fetchone()
        if row is None:
            if not create:
                raise NotFound(f"No code {path!r}. See the coding frame with 'focusdesk frame show'.")
            code = add_code(db, Code(name=name, parent_id=parent))
        else:
            cols = [d[0] for d in db.execute("SELECT * FROM codes LIMIT 0").description]
            code = _code(dict(zip(cols, row)))
        parent = code.id
    if code is None:
        raise NotFound("An empty code path names no code.")
    return code


DEFAULT_COLOURS = ["#2e7d32", "#c62828", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f",
                   "#ad1457", "#558b2f", "#4e342e", "#37474f"]


def import_frame(db: sqlite_utils.Database, roots: list[FrameNode]) -> int:
    """Merge a hand-written frame into the codes, matching by path; returns codes added."""
    added = 0
    with transaction(db):
        def visit(nodes: list[FrameNode], parent: int | None, inherited: str) -> None:
            nonlocal added
            for pos, node in enumerate(nodes):
                colour = node.colour or inherited or DEFAULT_COLOURS[pos % len(DEFAULT_COLOURS)]
                row = db.execute("SELECT id FROM codes WHERE name = ? COLLATE NOCASE "
                                 "AND parent_id IS ?", [node.name, parent]).fetchone()
                if row:
                    code_id = row[0]
                    changes = {"position": pos}
                    if node.colour:
                        changes["colour"] = node.colour
                    if node.description:
                        changes["description"] = node.description
                    db["codes"].update(code_id, changes)
                else:
                    code_id = add_code(db, Code(name=node.name, parent_id=parent, colour=colour,
                                                description=node.description, position=pos)).id
                    added += 1
                visit(node.children, code_id, colour)

        visit(roots, None, "")
    return added


def export_frame(db: sqlite_utils.Database) -> list[FrameNode]:
    nodes: dict[int, FrameNode] = {}
    roots: list[FrameNode] = []
    for code in list_codes(db):
        node = FrameNode(name=code.name, colour=code.colour, description=code.description)
        nodes[code.id] = node
        (nodes[code.parent_id].children if code.parent_id in nodes else roots).append(node)
    return roots
