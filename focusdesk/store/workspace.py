"""A study is a folder: ``focusdesk.sqlite`` plus ``sessions/<session>/`` for media.

Opening is careful: a newer schema, a file that is not a database, a read-only folder or a second
window on the same study each stop with a message that says what to do, before anything is
written to the file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from filelock import ReadWriteLock, Timeout

from focusdesk.core.errors import UserError, disk_full_text
from focusdesk.store.protect import db as protected_db
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.keyfile import StudyKey
from focusdesk.store.schema import LATEST, MIGRATIONS

DB_NAME = "focusdesk.sqlite"
LOCK_NAME = ".focusdesk.rwlock"  # a small SQLite file: filelock's reader/writer lock
MEDIA_DIR = "sessions"
_SQLITE_MAGIC = b"SQLite format 3\x00"


class WorkspaceError(UserError):
    """A problem with the study folder that the user can act on; the message says how."""

    title = "Cannot open the study"


class PassphraseNeeded(WorkspaceError):
    """The study is protected and no passphrase (or recovery key) was given."""

    title = "Protected study"


class StudyLockedError(WorkspaceError):
    """The study is open in another focusdesk window (its lock is taken)."""

    title = "Study open in another window"


def default_workspace() -> Path:
    """``FOCUSDESK_WORKSPACE``, else the checkout's ``sessions/``, else the user data folder."""
    env = os.environ.get("FOCUSDESK_WORKSPACE")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "sessions").is_dir():
        return checkout / "sessions"
    import platformdirs

    return Path(platformdirs.user_data_dir("focusdesk", appauthor=False)) / "study"


@dataclass
class Workspace:
    root: Path
    db: sqlite_utils.Database
    exclusive: bool
    _lock_file: object = field(repr=False, default=None)
    key: StudyKey | None = field(repr=False, default=None)  # a protected study's unlocked key
    _owns_key: bool = field(repr=False, default=False)

    @property
    def protected(self) -> bool:
        return self.key is not None

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def media_root(self) -> Path:
        return self.root / MEDIA_DIR

    def session_dir(self, session_id: int) -> Path:
        path = self.media_root / f"{session_id:04d}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def resolve(self, relative: str) -> Path:
        return self.root / relative

    def relative(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def second_connection(self) -> Workspace:
        """The same study on a connection of its own, for long work on another thread (an
        import): its transaction never mixes with the window's writes, which wait for it (WAL)
        instead. No lock of its own; close it when done."""
        conn = _connect(self.db_path, timeout=30, key=self.key)
        return Workspace(root=self.root, db=sqlite_utils.Database(conn), exclusive=False,
                         key=self.key)

    def open_connection(self, path: Path | str, timeout: float = 30) -> sqlite3.Connection:
        """Another database file of this study (a backup) opened as the study's own is: keyed
        with the study key in a protected study, plain otherwise. Never open a backup with
        ``sqlite3.connect`` directly."""
        return _connect(Path(path), timeout=timeout, key=self.key)

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        try:
            self.db.conn.close()
        finally:
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None
            if self._owns_key and self.key is not None:
                keyring.forget(self.key.key_id)  # unlocked for this opening only
                self._owns_key = False

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _writable(root: Path) -> bool:
    probe = root / ".focusdesk-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return os.access(root, os.W_OK)


def _open_read_only(root: Path, db_path: Path, key: StudyKey | None = None) -> Workspace:
    """A study in a folder that cannot be written (a read-only mount, a copy on a DVD): opened
    with SQLite's read-only, immutable URI so nothing (no WAL, no lock file) is written. Showing,
    listing and exporting work; anything that writes says the study is read-only."""
    if not db_path.is_file():
        raise WorkspaceError(f"There is no study in {root} (and the folder is read-only).")
    try:
        conn = protected_db.connect(db_path.resolve(), key, immutable=True, isolation_level=None,
                                    check_same_thread=False)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except protected_db.database_errors() as exc:
        raise WorkspaceError(f"{db_path} cannot be read ({exc}). It was left untouched.") from exc
    if version != LATEST:
        conn.close()
        newer = version > LATEST
        raise WorkspaceError(
            f"The study in {root} is read-only and was written by "
            f"{'a newer' if newer else 'an older'} focusdesk (schema v{version}, this one "
            f"uses v{LATEST}). Copy the folder somewhere you can write and open the copy"
            + (" with a newer focusdesk." if newer else "; it is upgraded there."))
    conn.execute("PRAGMA query_only=ON")
    return Workspace(root=root, db=sqlite_utils.Database(conn), exclusive=False, key=key)


def _check_writable(root: Path) -> None:
    probe = root / ".focusdesk-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WorkspaceError(
            f"The study folder {root} cannot be written to ({exc.strerror}). "
            "Copy the folder somewhere you can write, or fix its permissions, then open it again."
        ) from exc
    if not os.access(root, os.W_OK):
        raise WorkspaceError(
            f"The study folder {root} is read-only. Copy it somewhere you can write, or fix its "
            "permissions, then open it again."
        )


def _connect(db_path: Path, timeout: float, key: StudyKey | None = None) -> sqlite3.Connection:
    """Autocommit (transactions are explicit, store/tx.py), usable from the thread that works;
    keyed (SQLCipher) in a protected study."""
    conn = protected_db.connect(db_path, key, isolation_level=None, check_same_thread=False,
                                timeout=timeout)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


MIN_FREE_BYTES = 1 << 20  # SQLite needs room for its WAL and shared-memory files even to read


def disk_full_message(root: Path) -> str | None:
    """What to tell the user when the disk holding ``root`` is (nearly) full, else None."""
    try:
        free = shutil.disk_usage(root).free
    except OSError:
        return None
    if free >= MIN_FREE_BYTES:
        return None
    return disk_full_text(f"the study folder {root}", free)


def _raise_if_disk_full(root: Path, exc: sqlite3.DatabaseError) -> None:
    """On a full disk SQLite reports an I/O error (it cannot make its -shm file): say so."""
    full = disk_full_message(root)
    if full and isinstance(exc, protected_db.operational_errors()):
        raise WorkspaceError(full) from exc


def _take_lock(root: Path, exclusive: bool) -> ReadWriteLock:
    """A window takes the study's lock for writing (alone), command-line calls for reading
    (side by side). filelock's reader/writer lock works the same on Windows, macOS and Linux
    and is released by the OS when a process dies. Never waits."""
    lock = ReadWriteLock(root / LOCK_NAME, is_singleton=False, blocking=False)
    try:
        if exclusive:
            lock.acquire_write()
        else:
            lock.acquire_read()
    except Timeout:
        lock.close()
        raise StudyLockedError(
            f"The study in {root} is already open in another focusdesk window. Switch to that "
            "window, or close it and try again."
        ) from None
    return lock


def _check_database_file(path: Path, key: StudyKey | None = None) -> int:
    """Refuse a damaged or newer file without writing to it; return its schema version.
    A protected study's file is encrypted whole (no SQLite header): its key is the check."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with open(path, "rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if key is None and head != _SQLITE_MAGIC:
        raise WorkspaceError(
            f"{path} is not a focusdesk database (it may be damaged). It was left untouched: "
            "restore it from a backup, or open another folder."
        )
    # Read-only probe: never let a damaged file be written to.
    try:
        probe = protected_db.connect(path, key, readonly=True)
        try:
            version = probe.execute("PRAGMA user_version").fetchone()[0]
            result = probe.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            probe.close()
    except protected_db.database_errors() as exc:
        _raise_if_disk_full(path.parent, exc)
        raise WorkspaceError(
            f"{path} is damaged ({exc}). It was left untouched: restore it from a backup."
        ) from exc
    if version > LATEST:
        raise WorkspaceError(
            f"{path} was written by a newer focusdesk (schema v{version}; this version "
            f"understands up to v{LATEST}). Update focusdesk to open it; the file was not changed."
        )
    if result != "ok":
        raise WorkspaceError(
            f"{path} failed its integrity check ({result}). It was left untouched: restore it "
            "from a backup."
        )
    return version


def _backup_before_migration(path: Path, version: int, key: StudyKey | None = None) -> None:
    """A consistent copy (WAL content included) before the first migration touches the file;
    encrypted with the same key in a protected study."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    if target.exists():
        return
    src = protected_db.connect(path, key, readonly=True)
    dst = protected_db.connect(target, key)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations in order, each in its own transaction."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    pending = [n for n in sorted(MIGRATIONS) if n > current]
    for number in pending:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return pending


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _unlock(root: Path, passphrase: str | None, recovery_key: str | None
            ) -> tuple[StudyKey | None, bool]:
    """The key of a protected study (None for a plain one) and whether this opening unlocked it
    (else it was already unlocked in this process). Reads only: a wrong passphrase changes
    nothing."""
    path = keyfile.key_path(root)
    if not path.is_file():
        return None, False
    if passphrase is None and recovery_key is None:
        known = keyring.get(keyfile.key_id_of(path))
        if known is not None:
            return known, False
        raise PassphraseNeeded(f"The study in {root} is protected: give its passphrase to open it.")
    return keyfile.unlock(path, passphrase=passphrase, recovery_key=recovery_key), True


def open_workspace(
    root: Path | str | None = None, *, create: bool = True, exclusive: bool = False,
    passphrase: str | None = None, recovery_key: str | None = None,
    read_only: bool = False,
) -> Workspace:
    """Open (and create or migrate) the study folder.

    ``exclusive`` is for the window: it keeps other windows off the study. Command-line calls take
    a shared lock so they can run side by side but not while a window has the study open.
    A protected study needs ``passphrase`` or ``recovery_key`` unless this process has already
    unlocked it (``PassphraseNeeded``); a wrong one raises ``WrongPassphrase``.
    ``read_only`` is for commands that only read: they never create a study (a mistyped path says
    there is none), and a folder that cannot be written is opened read-only.
    """
    root = Path(root) if root is not None else default_workspace()
    root = root.expanduser()
    if not root.exists():
        if not create:
            raise WorkspaceError(f"There is no study at {root}. Check the folder's name, or "
                                 f"create a study there with: focusdesk --workspace {root} "
                                 "study init --title TITLE")
        try:
            root.mkdir(parents=True)
        except OSError as exc:
            raise WorkspaceError(f"Cannot create the study folder {root}: {exc.strerror}.") from exc
    elif not root.is_dir():
        raise WorkspaceError(f"{root} is a file, not a folder. Choose a folder for the study.")
    db_path = root / DB_NAME
    if read_only and not db_path.is_file():
        raise WorkspaceError(f"There is no study in {root}. Check the folder's name, or create "
                             f"one there with: focusdesk --workspace {root} study init --title TITLE")
    if read_only and not _writable(root):
        key, _ = _unlock(root, passphrase, recovery_key)
        return _open_read_only(root, db_path, key)
    _check_writable(root)
    from focusdesk.store.protect.convert import finish_interrupted

    finish_interrupted(root)  # a protect/unprotect cut short: finish it or roll it back
    key, owns_key = _unlock(root, passphrase, recovery_key)
    version = _check_database_file(db_path, key)
    lock = _take_lock(root, exclusive)
    try:
        if 0 < version < LATEST:
            _backup_before_migration(db_path, version, key)
        conn = _connect(db_path, timeout=10, key=key)
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn)
        (root / MEDIA_DIR).mkdir(exist_ok=True)
    except protected_db.database_errors() as exc:
        lock.close()
        _raise_if_disk_full(root, exc)
        raise WorkspaceError(f"Cannot open {db_path}: {exc}. The file was not changed.") from exc
    except BaseException:
        lock.close()
        raise
    if key is not None:
        keyring.remember(key, root)
    return Workspace(root=root, db=sqlite_utils.Database(conn), exclusive=exclusive, _lock_file=lock,
                     key=key, _owns_key=owns_key)
