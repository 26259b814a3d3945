"""Connections to a study database: plain SQLite, or SQLCipher keyed with the study's data key.

The raw key (``x'…'``) skips SQLCipher's own passphrase KDF: the passphrase was already
stretched by scrypt when the key file was unlocked, so opening stays as fast as a plain study.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from focusdesk.store.protect.keyfile import StudyKey


def connect(path: Path | str, key: StudyKey | None, *, timeout: float = 5.0,
            readonly: bool = False, immutable: bool = False, **kwargs) -> sqlite3.Connection:
    """A connection to ``path``; keyed with ``key`` when given. ``readonly`` opens with
    ``mode=ro`` so a damaged file is never written to; ``immutable`` also writes no lock or WAL
    (a study in a folder that cannot be written)."""
    target, uri = (f"file:{path}?mode=ro", True) if readonly else (str(path), False)
    if immutable:
        target, uri = f"{Path(path).as_uri()}?mode=ro&immutable=1", True
    if key is None:
        return sqlite3.connect(target, uri=uri, timeout=timeout, **kwargs)
    import sqlcipher3

    conn = sqlcipher3.connect(target, uri=uri, timeout=timeout, **kwargs)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not stderr's
        conn.execute(f"PRAGMA key = \"x'{key.db_key().hex()}'\"")
    except BaseException:
        conn.close()
        raise
    return conn


def sqlite_errors() -> tuple[type[Exception], ...]:
    """Any error of SQLite or SQLCipher (whose classes are not SQLite's)."""
    import sqlcipher3

    return (sqlite3.Error, sqlcipher3.Error)


def database_errors() -> tuple[type[Exception], ...]:
    """SQLite's and SQLCipher's DatabaseError (two unrelated classes)."""
    import sqlcipher3

    return (sqlite3.DatabaseError, sqlcipher3.DatabaseError)


def operational_errors() -> tuple[type[Exception], ...]:
    import sqlcipher3

    return (sqlite3.OperationalError, sqlcipher3.OperationalError)


def export_database(source: Path, source_key: StudyKey | None, target: Path,
                    target_key: StudyKey | None) -> None:
    """Copy a whole database into the new file ``target`` with another key (or none) through
    SQLCipher's ``sqlcipher_export``; the schema version goes along."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(source), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if source_key is not None:
            conn.execute(f"PRAGMA key = \"x'{source_key.db_key().hex()}'\"")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        key_sql = f"x'{target_key.db_key().hex()}'" if target_key is not None else ""
        conn.execute("ATTACH DATABASE ? AS target KEY ?", [str(target), key_sql])
        conn.execute("SELECT sqlcipher_export('target')")
        conn.execute(f"PRAGMA target.user_version = {int(version)}")
        conn.execute("DETACH DATABASE target")
    finally:
        conn.close()
