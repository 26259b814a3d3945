"""The coding frame as a REFI-QDA codebook (.qdc), written and read; validated against the
Codebook XSD. ``merge_codes`` is shared with the project import: codes are matched by name under
the same parent, so importing twice adds nothing. ATLAS.ti writes hierarchy as "Parent::Child"
in flat names; those become real parent/child codes.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlite_utils
from lxml import etree

from focusdesk.core.inputs import check_input_file
from focusdesk.core.model import Code
from focusdesk.exchange.refi_export import study_namespace
from focusdesk.exchange.refi_schema import (
    CODEBOOK_NS,
    codebook_schema,
    refi_guid,
    stable_guid,
    validation_errors,
)
from focusdesk.exchange.safe_write import write_bytes
from focusdesk.exchange.safe_zip import UnsafeFileError, parse_xml
from focusdesk.store import audit, codes, guids
from focusdesk.store.codes import DEFAULT_COLOURS
from focusdesk.store.tx import transaction

_RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")


def codebook_xml(db: sqlite_utils.Database) -> bytes:
    ns = study_namespace(db)
    guids.ensure(db)
    own = {i: refi_guid(g) for g, i in guids.by_guid(db, "codes").items()}  # as in a .qdpx export
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", "focusdesk")
    codes_el = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    elements: dict[int, etree._Element] = {}
    for c in codes.list_codes(db):
        el = etree.SubElement(elements.get(c.parent_id, codes_el), f"{{{CODEBOOK_NS}}}Code")
        el.set("guid", own.get(c.id) or stable_guid(ns, "code", c.id))
        el.set("name", c.name)
        el.set("isCodable", "true")
        if _RGB.match(c.colour or ""):
            el.set("color", c.colour)
        if c.description:
            etree.SubElement(el, f"{{{CODEBOOK_NS}}}Description").text = c.description
        elements[c.id] = el
    if not elements:
        raise ValueError("The coding frame is empty; there is nothing to export. "
                         "Import one with 'focusdesk frame import FILE'.")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_qdc(db: sqlite_utils.Database, target: Path | str) -> Path:
    path = write_bytes(target, codebook_xml(db))
    audit.record(db, audit.EXPORTED, "qdc codebook", obj="coding frame")
    return path


def merge_codes(db: sqlite_utils.Database, codes_el: etree._Element, ns: str,
                split_double_colon: bool = True) -> tuple[dict[str, int], int]:
    """Merge ``<Code>`` elements (any depth) into the frame; returns guid -> code id, added."""
    ids: dict[str, int] = {}
    added = 0

    def find_or_add(name: str, parent: int | None, colour: str, description: str) -> int:
        nonlocal added
        row = db.execute("SELECT id, description FROM codes WHERE name = ? COLLATE NOCASE AND "
                         "parent_id IS ?", [name, parent]).fetchone()
        if row:
            if description and not row[1]:
                db["codes"].update(row[0], {"description": description})
            return row[0]
        added += 1
        return codes.add_code(db, Code(name=name, parent_id=parent, colour=colour,
                                       description=description)).id

    def visit(el: etree._Element, parent: int | None, depth: int) -> None:
        for pos, child in enumerate(el.findall(f"{{{ns}}}Code")):
            name = (child.get("name") or "").strip() or "(unnamed)"
            colour = child.get("color") or ""
            if not _RGB.match(colour):
                colour = DEFAULT_COLOURS[(depth + pos) % len(DEFAULT_COLOURS)]
            desc_el = child.find(f"{{{ns}}}Description")
            description = (desc_el.text or "").strip() if desc_el is not None else ""
            here = parent
            parts = [p.strip() for p in name.split("::")] if split_double_colon else [name]
            parts = [p for p in parts if p] or [name]
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                here = find_or_add(part.replace("/", "∕"), here, colour,
                                   description if last else "")
            ids[child.get("guid", "").strip("{}").upper()] = here
            visit(child, here, depth + 1)

    with transaction(db):
        visit(codes_el, None, 0)
    return ids, added


def read_qdc(db: sqlite_utils.Database, path: Path | str) -> int:
    """Import a .qdc; returns the number of codes added. Refuses invalid or unsafe files."""
    path = check_input_file(path, "codebook")
    root = parse_xml(path.read_bytes(), path.name)
    if etree.QName(root).namespace != CODEBOOK_NS or etree.QName(root).localname != "CodeBook":
        raise UnsafeFileError(f"{path.name} is not a REFI-QDA codebook (expected a CodeBook element "
                              f"in {CODEBOOK_NS}).")
    errors = validation_errors(root, codebook_schema())
    if errors:
        raise UnsafeFileError(f"{path.name} does not follow the REFI-QDA codebook schema: "
                              + "; ".join(errors))
    codes_el = root.find(f"{{{CODEBOOK_NS}}}Codes")
    _, added = merge_codes(db, codes_el, CODEBOOK_NS)
    return added
