"""Explicit transactions: the connection runs in autocommit mode, so group writes here."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database):
    conn = db.conn
    if conn.in_transaction:  # nested: join the outer one
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
