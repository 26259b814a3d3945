"""REFI-QDA (QDA-XML 1.0) schemas, validation and GUID cross-reference checks.

The XSDs in ``schemas/`` are the REFI release of 18 March 2019 (MIT, header kept). The schema
does not check that a ``CodeRef`` or ``SourceRef`` points at something that exists, so
``unresolved_refs`` does that.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from pathlib import Path

from lxml import etree

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).with_name("schemas")
REF_ATTRS = ("targetGUID", "fromSyncPoint", "toSyncPoint", "creatingUser", "modifyingUser",
             "creatingUserGUID", "modifyingUserGUID", "originGUID", "representedGUID",
             "sourceVertex", "targetVertex")


@lru_cache(maxsize=2)
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def project_schema() -> etree.XMLSchema:
    return schema("Project-mrt2019.xsd")


def codebook_schema() -> etree.XMLSchema:
    return schema("Codebook-mrt2019.xsd")


def validation_errors(root: etree._Element, xsd: etree.XMLSchema, limit: int = 5) -> list[str]:
    if xsd.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:limit]]


def unresolved_refs(root: etree._Element) -> list[str]:
    """GUID references that point at no element with that guid."""
    known = {el.get("guid").strip("{}").upper() for el in root.iter() if el.get("guid")}
    bad = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in REF_ATTRS:
            value = el.get(attr)
            if value and value.strip("{}").upper() not in known:
                bad.append(f"{etree.QName(el).localname}@{attr}={value}")
    return bad


def stable_guid(namespace: uuid.UUID, kind: str, key) -> str:
    """The same entity gets the same GUID in every export of the same study."""
    return str(uuid.uuid5(namespace, f"{kind}:{key}")).upper()


def refi_guid(local: str) -> str:
    """A migration-019 GUID (32 lowercase hex) in REFI-QDA's form (8-4-4-4-12, upper case); a
    value that is not one (edited by hand) still maps to one stable GUID."""
    try:
        return str(uuid.UUID(hex=local)).upper()
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, local)).upper()


def local_guid(refi: str) -> str:
    """A REFI-QDA GUID (braces or not, any case) in this study's form; "" when it is not one."""
    try:
        return uuid.UUID((refi or "").strip().strip("{}")).hex
    except ValueError:
        return ""
