"""Stable ids (migration 019): the GUIDs that match sessions, speakers, segments and codes between
a study and a coder's copy of it. Rows made after the migration get theirs here, on demand."""

from __future__ import annotations

import sqlite_utils

TABLES = ("sessions", "speakers", "segments", "codes")


def ensure(db: sqlite_utils.Database) -> int:
    """Give every row without a GUID one (a random 128-bit hex id); the number given."""
    n = 0
    for table in TABLES:
        n += db.execute(f"UPDATE {table} SET guid = lower(hex(randomblob(16))) WHERE guid = ''").rowcount
    return n


def by_guid(db: sqlite_utils.Database, table: str) -> dict[str, int]:
    """GUID -> row id of one table."""
    assert table in TABLES
    return {g: i for i, g in db.execute(f"SELECT id, guid FROM {table} WHERE guid != ''")}
