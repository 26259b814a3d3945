"""Rolling backups of a study's database, and restoring one.

A backup is ``backups/<id>.sqlite`` (a copy made with SQLite's online backup API, so it is
consistent while the study is in use, WAL content included) plus ``backups/<id>.json``, its
manifest: when and why, what it holds, its own SHA-256, and every media file's relative path, size
and SHA-256 (media are not copied: they are only ever added to, and ``check`` verifies them).

Crash safety: the copy is written to a ``.part`` name, flushed, then renamed; the manifest is
written the same way and renamed last. Only a backup with both files and a matching size lists,
so a backup killed at any moment never looks complete; leftovers are swept on the next backup.

The target file is opened through ``Workspace.open_connection``, so a protected study's backups
are keyed (encrypted) as the study is, with no change here.

Keeping (``prune``): the newest ``KEEP_RECENT`` whatever their age, then one per hour for a day
and one per day for two weeks, and never more than ``MAX_TOTAL_BYTES`` in all (the oldest go
first, the newest three always stay). Why: the last few undo a recent mistake, the hourly and
daily ones a mistake found later, and the cap keeps a laptop's disk safe from a large study.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from focusdesk.core.checksums import file_sha256
from focusdesk.core.durable import fsync_dir
from focusdesk.core.errors import UserError
from focusdesk.store import audit
from focusdesk.store.protect.media import content_sha256
from focusdesk.store.workspace import MEDIA_DIR, Workspace, WorkspaceError, migrate

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
KEEP_RECENT = 10
KEEP_HOURLY = timedelta(days=1)
KEEP_DAILY = timedelta(days=14)
MAX_TOTAL_BYTES = 2 << 30
MIN_INTERVAL_S = 180  # at open: a script of many commands makes one backup, not one each
PERIOD_S = 300  # the window backs up this often while the study changes
_STALE_S = 600  # a .part this old is a killed backup's leftover
SCRATCH_SUFFIXES = (".journal", ".part", ".peaks.npz")
_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


class BackupError(UserError):
    title = "Backup"


@dataclass
class MediaFile:
    path: str  # relative to the study folder, with /
    size: int
    sha256: str
    mtime_ns: int = 0


@dataclass
class Backup:
    id: str
    created_at: str  # ISO UTC
    reason: str
    size: int
    sha256: str
    schema_version: int
    digest: str  # of the database's pages at backup time: tells whether the study changed since
    counts: dict[str, int] = field(default_factory=dict)
    media: list[MediaFile] = field(default_factory=list)
    folder: Path | None = None

    @property
    def path(self) -> Path:
        assert self.folder is not None
        return self.folder / f"{self.id}.sqlite"

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.created_at)

    def holds(self) -> str:
        c = self.counts
        counts = [(c.get("sessions", 0), "session"), (c.get("participants", 0), "participant"),
                  (c.get("segments", 0), "turn"), (c.get("codings", 0), "coding"),
                  (len(self.media), "media file")]
        return ", ".join(f"{n} {one if n == 1 else one + 's'}" for n, one in counts)


def backup_dir(ws: Workspace) -> Path:
    return ws.root / BACKUP_DIR


# --- listing ---------------------------------------------------------------------------------

def _load(manifest: Path) -> Backup | None:
    try:
        data = json.loads(manifest.read_text("utf-8"))
        media = [MediaFile(**m) for m in data.pop("media", [])]
        b = Backup(**data, media=media, folder=manifest.parent)
    except (OSError, ValueError, TypeError):
        return None
    try:
        if b.path.stat().st_size != b.size:
            return None
    except OSError:
        return None
    return b


def list_backups(ws: Workspace) -> list[Backup]:
    """Complete backups, newest first."""
    folder = backup_dir(ws)
    if not folder.is_dir():
        return []
    found = [b for m in folder.glob("*.json") if (b := _load(m)) is not None]
    return sorted(found, key=lambda b: (b.created_at, b.id), reverse=True)


def get_backup(ws: Workspace, backup_id: str) -> Backup:
    for b in list_backups(ws):
        if b.id == backup_id:
            return b
    raise LookupError(f"No backup {backup_id!r} in this study; the list shows the ones there are.")


# --- making one ------------------------------------------------------------------------------

def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def media_files(ws: Workspace, known: dict[str, MediaFile] | None = None,
                registered: dict[str, str] | None = None) -> list[MediaFile]:
    """Every file under ``sessions/`` with its size and SHA-256. A file whose size and mtime match
    ``known`` (the last manifest) keeps its checksum, and a recording takes the checksum taken
    when it was imported or recorded (``registered``): media are only added to, and hashing two
    hours of audio at every backup (on the window's thread) would be slow. Without either, every
    file is read (``check``)."""
    known = known or {}
    registered = registered or {}
    out: list[MediaFile] = []
    media = ws.root / MEDIA_DIR
    if not media.is_dir():
        return out
    for path in sorted(p for p in media.rglob("*") if p.is_file() and not is_scratch(p)):
        st = path.stat()
        rel = path.relative_to(ws.root).as_posix()
        old = known.get(rel)
        if old is not None and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            out.append(old)
        elif registered.get(rel):
            out.append(MediaFile(rel, st.st_size, registered[rel], st.st_mtime_ns))
        else:
            out.append(MediaFile(rel, st.st_size, content_sha256(path), st.st_mtime_ns))
    return out


def is_scratch(path: Path) -> bool:
    """Files that come and go on their own: a recording in progress (its journal), a copy being
    made, a waveform cache. They are neither backed up nor checked."""
    return path.name.endswith(SCRATCH_SUFFIXES)


def _registered(ws: Workspace) -> dict[str, str]:
    return {path: sha for path, sha in ws.db.execute("SELECT path, sha256 FROM recordings") if sha}


def content_digest(conn: sqlite3.Connection) -> str:
    """A hash of the database's pages past the header (whose counters change on their own), so
    an unchanged study is not backed up again. A connection without ``serialize`` (another
    SQLite binding, such as SQLCipher's) hashes its SQL dump instead."""
    serialize = getattr(conn, "serialize", None)
    if serialize is not None:
        return hashlib.sha256(serialize()[100:]).hexdigest()
    h = hashlib.sha256()
    for line in conn.iterdump():
        h.update(line.encode("utf-8"))
    return h.hexdigest()


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    out = {}
    for table in ("sessions", "participants", "segments", "codings", "recordings"):
        out[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    return out


def _new_id(folder: Path, now: datetime) -> str:
    """A name for the time, reserved (``.<id>.reserve``, made exclusively) so that two commands
    backing up in the same second never write one name."""
    base = now.strftime(_TIME_FORMAT)
    candidate, n = base, 1
    while True:
        if not ((folder / f"{candidate}.json").exists() or (folder / f"{candidate}.sqlite").exists()):
            try:
                os.close(os.open(folder / f".{candidate}.reserve", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return candidate
            except FileExistsError:
                pass
        n += 1
        candidate = f"{base}-{n}"


def sweep(folder: Path, now: float | None = None) -> list[Path]:
    """Remove what killed backups left: ``.part`` files and copies without a manifest, once
    they are old enough not to be another process's backup in progress."""
    now = now if now is not None else datetime.now(UTC).timestamp()
    removed = []
    for path in [*folder.glob("*.part"), *folder.glob("*.sqlite"), *folder.glob("*.reserve")]:
        if path.suffix == ".sqlite" and path.with_suffix(".json").exists():
            continue
        try:
            if now - path.stat().st_mtime > _STALE_S:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def create_backup(ws: Workspace, reason: str = "manual") -> Backup:
    """Copy the database now (the study may be in use) and record its media's checksums."""
    folder = backup_dir(ws)
    folder.mkdir(exist_ok=True)
    sweep(folder)
    now = datetime.now(UTC)
    backup_id = _new_id(folder, now)
    part = folder / f".{backup_id}.{os.getpid()}.sqlite.part"
    try:
        target = ws.open_connection(part)
        try:
            ws.db.conn.backup(target)
            digest = content_digest(target)
            version = target.execute("PRAGMA user_version").fetchone()[0]
            counts = _counts(target)
            # A file that stands alone: no -wal beside it when it is read later.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        _fsync(part)
        previous = list_backups(ws)
        known = {m.path: m for m in previous[0].media} if previous else {}
        backup = Backup(id=backup_id, created_at=now.isoformat(timespec="microseconds"), reason=reason,
                        size=part.stat().st_size, sha256=file_sha256(part), schema_version=version,
                        digest=digest, counts=counts, media=media_files(ws, known, _registered(ws)),
                        folder=folder)
        manifest_part = folder / f".{backup_id}.{os.getpid()}.json.part"
        data = asdict(backup)
        data.pop("folder")
        manifest_part.write_text(json.dumps(data, indent=1), "utf-8")
        for path in (part, manifest_part):  # participant data: for the owner's eyes
            os.chmod(path, 0o600)
        _fsync(manifest_part)
        os.replace(part, backup.path)  # the copy first: a manifest never points at nothing
        os.replace(manifest_part, folder / f"{backup_id}.json")
        fsync_dir(folder)
    except BaseException:
        part.unlink(missing_ok=True)
        (folder / f".{backup_id}.{os.getpid()}.json.part").unlink(missing_ok=True)
        raise
    finally:
        (folder / f".{backup_id}.reserve").unlink(missing_ok=True)
    prune(ws)
    return backup


def _has_data(ws: Workspace) -> bool:
    row = ws.db.execute("SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM participants)"
                        " + (SELECT COUNT(*) FROM codes)").fetchone()
    return bool(row[0])


def auto_backup(ws: Workspace, min_interval_s: float = MIN_INTERVAL_S, reason: str = "rolling") -> Backup | None:
    """The rolling backup: at open (CLI and window) and on the window's timer. Makes one when the
    study holds something, the newest backup is at least ``min_interval_s`` old, and the data
    changed since it. Never fails the caller: a study that cannot be backed up now (a read-only
    folder, a full disk) is logged and used as it is."""
    return _rolling(ws, min_interval_s, reason)[1]


def _rolling(ws: Workspace, min_interval_s: float, reason: str) -> tuple[str, Backup | None]:
    """(why, the backup made): why is "made", "empty", "recent", "unchanged" or "failed"."""
    try:
        if not _has_data(ws):
            return "empty", None
        previous = list_backups(ws)
        if previous:
            age = (datetime.now(UTC) - previous[0].when).total_seconds()
            if age < min_interval_s:
                return "recent", None
            if previous[0].digest == content_digest(ws.db.conn):
                return "unchanged", None
        return "made", create_backup(ws, reason)
    except Exception as exc:  # noqa: BLE001 (any binding's errors: the study is used as it is)
        log.warning("rolling backup skipped: %s", type(exc).__name__)
        return "failed", None


class RollingBackup:
    """The window's timer calls this: it asks SQLite whether anything was written since the last
    tick (this connection's change count, and ``data_version`` for other connections) before it
    reads the whole database to compare it with the newest backup."""

    def __init__(self, period_s: float = PERIOD_S):
        self.period_s = period_s
        self._seen: tuple | None = None

    def tick(self, ws: Workspace) -> Backup | None:
        conn = ws.db.conn
        try:
            seen = (id(conn), conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0])
        except Exception:  # noqa: BLE001 (a closed or broken connection: nothing to back up now)
            return None
        if seen == self._seen:
            return None
        # a little under the period, so a timer that fires early still finds the last one due
        why, made = _rolling(ws, self.period_s * 0.9, "rolling")
        if why in ("made", "empty", "unchanged"):  # settled; "recent" and "failed" try again
            self._seen = seen
        return made


# --- keeping a bounded number ----------------------------------------------------------------

def _to_keep(backups: list[Backup], now: datetime) -> set[str]:
    keep = {b.id for b in backups[:KEEP_RECENT]}
    buckets: set[str] = set()
    for b in backups[KEEP_RECENT:]:  # newest first: the newest of each hour or day stays
        age = now - b.when
        if age <= KEEP_HOURLY:
            bucket = "h" + b.when.strftime("%Y%m%d%H")
        elif age <= KEEP_DAILY:
            bucket = "d" + b.when.strftime("%Y%m%d")
        else:
            continue
        if bucket not in buckets:
            buckets.add(bucket)
            keep.add(b.id)
    total = kept = 0
    for b in backups:
        if b.id not in keep:
            continue
        total += b.size
        kept += 1
        if total > MAX_TOTAL_BYTES and kept > 3:
            keep.discard(b.id)
    return keep


def remove(b: Backup) -> None:
    """The manifest first, so a half-removed backup never lists."""
    assert b.folder is not None
    (b.folder / f"{b.id}.json").unlink(missing_ok=True)
    b.path.unlink(missing_ok=True)


def prune(ws: Workspace, now: datetime | None = None) -> list[str]:
    backups = list_backups(ws)
    keep = _to_keep(backups, now or datetime.now(UTC))
    gone = [b for b in backups if b.id not in keep]
    for b in gone:
        remove(b)
    return [b.id for b in gone]


def remove_all(ws: Workspace) -> int:
    """Every backup (withdrawal: the older copies still hold the withdrawn words)."""
    backups = list_backups(ws)
    for b in backups:
        remove(b)
    folder = backup_dir(ws)
    if folder.is_dir():
        sweep(folder, now=float("inf"))
    return len(backups)


# --- restoring -------------------------------------------------------------------------------

@dataclass
class Restored:
    backup: Backup
    safety: Backup  # the study as it was just before


def restore_backup(ws: Workspace, backup_id: str) -> Restored:
    """Bring the database back to ``backup_id``; the current state is backed up first.

    The pages are copied into the open study through SQLite's backup API, which writes them in
    one transaction on the study's own connection: a crash midway leaves the study as it was,
    and other connections (a WAL reader) see the old or the new database, never a mix; renaming
    a file over a database open in WAL mode could instead replay its old WAL onto the new file.
    The audit log's newer rows are appended again, then the restore itself."""
    b = get_backup(ws, backup_id)
    if file_sha256(b.path) != b.sha256:
        raise BackupError(f"The backup {b.id} is damaged (its checksum no longer matches); "
                          "choose another one.")
    if b.schema_version > ws.schema_version:
        raise BackupError(f"The backup {b.id} was written by a newer focusdesk; update focusdesk "
                          "to restore it.")
    safety = create_backup(ws, reason=f"before restoring {b.id}")
    audit.record(ws.db, audit.BACKUP_CREATED, f"{safety.id} (before restoring {b.id})")
    older_log = audit.entries(ws.db)
    source = ws.open_connection(b.path)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"The backup {b.id} failed its integrity check; choose another one.")
        source.backup(ws.db.conn)
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"Could not restore the backup {b.id} ({exc}); the study was not changed.") from exc
    finally:
        source.close()
    ws.db.conn.execute("PRAGMA journal_mode=WAL")
    migrate(ws.db.conn)  # a backup from before an upgrade
    audit.carry_forward(ws.db, older_log)
    audit.record(ws.db, audit.BACKUP_RESTORED, b.id)
    return Restored(backup=b, safety=safety)
