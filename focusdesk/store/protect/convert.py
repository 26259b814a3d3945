"""Protecting a study that exists (and removing protection), so that a crash at any moment
leaves either the old form or the new one, never a mix.

How: every new file is written beside its original (``NAME.fdconv``: the database through
``sqlcipher_export``, each media file sealed or unsealed; the new key file as
``focusdesk.key.new``) while a small state file, ``focusdesk.convert.json``, says *prepare*.
Rewriting that file to say *switch* is the one moment the conversion is decided; then every new
file replaces its original by rename. Opening a study first looks for the state file: *prepare*
is rolled back (the new files deleted), *switch* is finished (the renames that are left done).
The environment variable ``FOCUSDESK_CONVERT_KILL_AT=N`` makes the process kill itself with
SIGKILL at step N (tests prove every step).
"""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

from focusdesk.core.checksums import file_sha256
from focusdesk.core.durable import fsync_dir
from focusdesk.core.errors import UserError
from focusdesk.store import audit as audit_actions
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.db import connect, export_database
from focusdesk.store.protect.keyfile import StudyKey
from focusdesk.store.protect.sealed import SealedReader, SealedWriter, is_sealed

STATE_NAME = "focusdesk.convert.json"
NEW_SUFFIX = ".fdconv"
KEY_NEW = keyfile.KEY_NAME + ".new"
DB_NAME = "focusdesk.sqlite"
BACKUP_DIR = "backups"
_SKIP_SUFFIXES = (NEW_SUFFIX, ".part", ".tmp", ".lock", ".peaks.npz", ".journal")
_steps = 0


class ConversionError(UserError):
    title = "Cannot change the study's protection"


def _step() -> None:
    """A numbered point of the conversion where a test may kill the process."""
    global _steps
    _steps += 1
    if os.environ.get("FOCUSDESK_CONVERT_KILL_AT") == str(_steps):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _write_state(root: Path, state: dict) -> None:
    path = root / STATE_NAME
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(root)


def _media_files(root: Path) -> list[Path]:
    media = root / "sessions"
    if not media.is_dir():
        return []
    return sorted(p for p in media.rglob("*") if p.is_file() and not p.name.endswith(_SKIP_SUFFIXES))


def _database_files(root: Path) -> list[Path]:
    """The study database, its copies kept before migrations and its rolling backups (a plain
    backup left in a protected study would hold every transcript in the clear)."""
    out = [root / DB_NAME]
    out += sorted(root.glob(f"{DB_NAME}.v*.bak"))
    out += sorted(p for p in (root / BACKUP_DIR).glob("*.sqlite") if p.with_suffix(".json").is_file())
    return [p for p in out if p.is_file() and p.stat().st_size > 0]


def _new(path: Path) -> Path:
    return path.with_name(path.name + NEW_SUFFIX)


def _same_mode(path: Path) -> None:
    """The new file gets its original's permissions: a backup made private (0600) stays so."""
    os.chmod(_new(path), stat.S_IMODE(path.stat().st_mode))


def _copy_media(source: Path, target: Path, old_key: StudyKey | None,
                key: StudyKey | None) -> None:
    target.unlink(missing_ok=True)
    with (SealedReader(source, old_key) if old_key is not None else open(source, "rb")) as src:
        if key is None:
            with open(target, "wb") as out:
                while block := src.read(1 << 20):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        else:
            with SealedWriter(target, key) as writer:
                while block := src.read(1 << 20):
                    writer.write(block)


def _checkpoint(db: Path, key: StudyKey | None) -> None:
    """Fold the WAL into the database file, so the export and the switch see everything."""
    conn = connect(db, key, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")  # no -wal file left beside the old form
    finally:
        conn.close()


def _convert(root: Path, old_key: StudyKey | None, new_key: StudyKey | None,
             key_data: dict | None) -> None:
    from focusdesk.store.workspace import _take_lock

    lock = _take_lock(root, exclusive=True)
    try:
        _finish(root)
        if any((root / "sessions").glob("*/*.journal")):
            raise ConversionError("A recording in this study is still running or was interrupted. "
                                  "Stop it, or open the study to recover it, then try again; "
                                  "nothing was changed.")
        databases = _database_files(root)
        for db in databases:
            _checkpoint(db, old_key)
        media = [p for p in _media_files(root) if is_sealed(p) == (old_key is not None)]
        caches = sorted((root / "sessions").rglob("*.peaks.npz")) if (root / "sessions").is_dir() \
            else []
        rel = [p.relative_to(root).as_posix() for p in [*databases, *media]]
        state = {"direction": "protect" if new_key else "unprotect", "phase": "prepare",
                 "files": rel, "caches": [p.relative_to(root).as_posix() for p in caches]}
        _write_state(root, state)
        _step()
        if key_data is not None:
            keyfile.write_key_file(root / KEY_NEW, key_data)
            _step()
        for db in databases:
            _new(db).unlink(missing_ok=True)
            export_database(db, old_key, _new(db), new_key)
            _same_mode(db)
            _step()
        for path in media:
            _copy_media(path, _new(path), old_key, new_key)
            _same_mode(path)
            _step()
        fsync_dir(root)
        state["phase"] = "switch"
        _write_state(root, state)  # decided: from here on a restart finishes the switch
        _step()
        _switch(root, state)
    except BaseException:
        if (root / STATE_NAME).is_file() and _read_state(root).get("phase") == "prepare":
            _roll_back(root, _read_state(root))
        raise
    finally:
        lock.close()


def _read_state(root: Path) -> dict:
    try:
        return json.loads((root / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _switch(root: Path, state: dict) -> None:
    """Every new file over its original; safe to run again after a crash at any point."""
    for rel in state.get("files", []):
        path = root / rel
        if _new(path).exists():
            if path.name == DB_NAME:
                for suffix in ("-wal", "-shm", "-journal"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)
            os.replace(_new(path), path)
            _step()
    if state.get("direction") == "protect":
        if (root / KEY_NEW).exists():
            os.replace(root / KEY_NEW, root / keyfile.KEY_NAME)
    else:
        (root / keyfile.KEY_NAME).unlink(missing_ok=True)
    _refresh_backup_manifests(root, state)
    for rel in state.get("caches", []):  # waveform caches of the old form; made again when needed
        (root / rel).unlink(missing_ok=True)
    fsync_dir(root)
    _step()
    (root / STATE_NAME).unlink(missing_ok=True)
    fsync_dir(root)


def _refresh_backup_manifests(root: Path, state: dict) -> None:
    """A converted backup's manifest gets the new file's size and checksum (restore checks them).
    Idempotent: a restart that finishes the switch does it again."""
    for rel in state.get("files", []):
        path = root / rel
        manifest = path.with_suffix(".json")
        if path.parent.name != BACKUP_DIR or not manifest.is_file() or _new(path).exists():
            continue
        try:
            data = json.loads(manifest.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        data["size"], data["sha256"] = path.stat().st_size, file_sha256(path)
        tmp = manifest.with_name(manifest.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1), "utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, manifest)


def _roll_back(root: Path, state: dict) -> None:
    for rel in state.get("files", []):
        new = _new(root / rel)
        for suffix in ("-journal", "-wal", "-shm"):  # a database export cut short leaves these
            new.with_name(new.name + suffix).unlink(missing_ok=True)
        new.unlink(missing_ok=True)
    (root / KEY_NEW).unlink(missing_ok=True)
    (root / STATE_NAME).unlink(missing_ok=True)
    fsync_dir(root)


def _finish(root: Path) -> bool:
    """Finish or roll back a conversion cut short (the caller holds the write lock)."""
    (root / (STATE_NAME + ".tmp")).unlink(missing_ok=True)
    if not (root / STATE_NAME).is_file():
        return False
    state = _read_state(root)
    if state.get("phase") == "switch":
        _switch(root, state)
    else:
        _roll_back(root, state)
    return True


def finish_interrupted(root: Path) -> bool:
    """At opening: a protect/unprotect that a crash cut short is finished (it had been decided)
    or rolled back (it had not). Returns whether there was one."""
    root = Path(root)
    if not (root / STATE_NAME).is_file() and not (root / (STATE_NAME + ".tmp")).is_file():
        return False
    from focusdesk.store.workspace import _take_lock

    lock = _take_lock(root, exclusive=True)
    try:
        return _finish(root)
    finally:
        lock.close()


def _audit(root: Path, key: StudyKey | None, action: str) -> None:
    """The conversion in the study's audit log (a study not yet migrated to one has none)."""
    import sqlite_utils

    from focusdesk.store import audit

    conn = connect(root / DB_NAME, key, isolation_level=None)
    try:
        db = sqlite_utils.Database(conn)
        if "audit_log" in db.table_names():
            audit.record(db, action)
    finally:
        conn.close()


def _require_study(root: Path) -> None:
    db = root / DB_NAME
    if not db.is_file():
        raise ConversionError(f"There is no study in {root} to protect.")


def protect_study(root: Path | str, passphrase: str) -> tuple[StudyKey, str]:
    """Encrypt an existing plain study (database and every media file); returns its key and the
    recovery key to show once."""
    root = Path(root)
    if keyfile.is_protected(root):
        raise ConversionError("This study is already protected. To change its passphrase, use "
                              "Change passphrase.")
    _require_study(root)
    data, key, recovery = keyfile.build_key_file(passphrase)
    _convert(root, None, key, data)
    keyring.remember(key, root)
    _audit(root, key, audit_actions.STUDY_PROTECTED)
    return key, recovery


def unprotect_study(root: Path | str, key: StudyKey) -> None:
    """Decrypt a protected study back to a plain one (the key file goes last)."""
    root = Path(root)
    if not keyfile.is_protected(root):
        raise ConversionError("This study is not protected.")
    if keyfile.key_id_of(keyfile.key_path(root)) != key.key_id:
        raise ConversionError("That key is not this study's key; nothing was changed.")
    _require_study(root)
    _convert(root, key, None, None)
    keyring.forget_root(root)
    _audit(root, None, audit_actions.STUDY_UNPROTECTED)


def create_protected(root: Path | str, passphrase: str) -> tuple[StudyKey, str]:
    """Make a new, empty study folder protected from the start (before its database exists)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    db = root / DB_NAME
    if keyfile.is_protected(root):
        raise ConversionError(f"The study in {root} is already protected.")
    if db.is_file() and db.stat().st_size > 0:
        return protect_study(root, passphrase)
    data, key, recovery = keyfile.build_key_file(passphrase)
    keyfile.write_key_file(keyfile.key_path(root), data)
    keyring.remember(key, root)
    return key, recovery


