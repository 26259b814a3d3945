"""The study's audit log: append-only rows of who did what, when, to which object.

Callers pass codes and ids only (``P03``, ``session 4``, ``docx``), never transcript text or
names: the log is exported for an ethics report. The table's triggers refuse UPDATE and DELETE
(migration 014), so nothing here can change a row once written.
"""

from __future__ import annotations

import csv
import getpass
import io
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from focusdesk.store.tx import now_iso

HEADERS = ["id", "at", "actor", "action", "object", "detail"]

# The actions written by focusdesk itself; others may be added (the protection helper's).
STUDY_CREATED = "study created"
STUDY_PROTECTED = "study protected"
STUDY_UNPROTECTED = "study unprotected"
EXPORTED = "exported"
PARTICIPANT_WITHDRAWN = "participant withdrawn"
PARTICIPANT_DELETED = "participant deleted"
BACKUP_CREATED = "backup created"
BACKUP_RESTORED = "backup restored"
SESSION_DELETED = "session deleted"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    object: str
    detail: str

    def row(self) -> list[str]:
        return [str(self.id), self.at, self.actor, self.action, self.object, self.detail]


def actor() -> str:
    """The operating system's user name: who sat at the computer (no name is typed in)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (a service account, a container)
        return "unknown"


def record(db: sqlite_utils.Database, action: str, detail: str = "", obj: str = "") -> None:
    """Append one row. ``obj`` names the object (``P03``, ``session 4``); ``detail`` says more
    (a format, a backup id). Neither may hold transcript text or a person's name."""
    db.execute("INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)",
               [now_iso(), actor(), action, obj, detail])


def entries(db: sqlite_utils.Database, since: str | None = None) -> list[AuditEntry]:
    """Oldest first; ``since`` is an ISO date or date-time (rows at or after it)."""
    sql = "SELECT id, at, actor, action, object, detail FROM audit_log"
    params: list[str] = []
    if since:
        try:
            datetime.fromisoformat(since)
        except ValueError:
            raise ValueError(f"--since expects a date such as 2026-03-01, not {since!r}.") from None
        sql += " WHERE at >= ?"
        params.append(since)
    return [AuditEntry(*row) for row in db.execute(sql + " ORDER BY id", params)]


def to_csv(items: list[AuditEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    writer.writerows(e.row() for e in items)
    return buf.getvalue()


def carry_forward(db: sqlite_utils.Database, older: list[AuditEntry]) -> int:
    """Append the rows of ``older`` (the log before a restore) that the restored log lacks.

    Every log is a prefix of the study's whole history (rows are only ever appended, ids only
    grow), so the rows to bring back are those past the restored log's last id; they keep their
    ids and times. Returns how many were appended."""
    last = db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetchone()[0]
    missing = [e for e in older if e.id > last]
    for e in missing:
        db.execute("INSERT INTO audit_log (id, at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?, ?)",
                   [e.id, e.at, e.actor, e.action, e.object, e.detail])
    return len(missing)
