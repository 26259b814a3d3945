"""``focusdesk check``: is the study whole? The database's own integrity check, and every media
file against the checksums recorded (by the newest backup's manifest, and by import)."""

from __future__ import annotations

from dataclasses import dataclass, field

from focusdesk.store import backups
from focusdesk.store.workspace import MEDIA_DIR, Workspace


@dataclass
class CheckReport:
    integrity: list[str]  # ["ok"] when the database is sound
    checked: int = 0  # media files whose checksum was compared
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # added since the last backup, no checksum
    backup_id: str | None = None

    @property
    def database_ok(self) -> bool:
        return self.integrity == ["ok"]

    @property
    def ok(self) -> bool:
        return self.database_ok and not (self.missing or self.changed or self.unexpected)

    def lines(self) -> list[str]:
        out = ["Database: " + ("ok" if self.database_ok else "DAMAGED")]
        out += [f"  {line}" for line in self.integrity if not self.database_ok][:20]
        basis = f"backup {self.backup_id}" if self.backup_id else "no backup yet"
        out.append(f"Media: {self.checked} files checked against their recorded checksums ({basis})")
        for title, items in (("missing", self.missing), ("changed since recorded", self.changed),
                             ("not part of the study", self.unexpected),
                             ("no checksum recorded yet (make a backup)", self.unverified)):
            if items:
                out.append(f"  {len(items)} {title}:")
                out += [f"    {p}" for p in items]
        out.append("Everything is as recorded." if self.ok else
                   "Problems found: restore the database from a backup, or put the media files back.")
        return out


def check_study(ws: Workspace) -> CheckReport:
    rows = [r[0] for r in ws.db.execute("PRAGMA integrity_check")]
    newest = next(iter(backups.list_backups(ws)), None)
    recorded: dict[str, tuple[int | None, str]] = {}  # path -> (size or None, sha256)
    if newest is not None:
        recorded.update({m.path: (m.size, m.sha256) for m in newest.media})
    registered = {path: sha for path, sha in ws.db.execute("SELECT path, sha256 FROM recordings")}
    for path, sha in registered.items():
        if sha and path not in recorded:
            recorded[path] = (None, sha)
    live_sessions = {f"{MEDIA_DIR}/{sid:04d}" for (sid,) in ws.db.execute("SELECT id FROM sessions")}
    report = CheckReport(integrity=rows, backup_id=newest.id if newest else None)
    on_disk = {m.path: m for m in backups.media_files(ws)}
    for path, (_size, sha) in sorted(recorded.items()):
        current = on_disk.get(path)
        if current is None:
            # A session deleted since the backup took its folder with it; that is not a loss.
            if path in registered or path.rsplit("/", 1)[0] in live_sessions:
                report.missing.append(path)
            continue
        report.checked += 1
        # Content checksums (a sealed file's plaintext): protecting a study changes a file's size
        # on disk, not what it holds.
        if current.sha256 != sha:
            report.changed.append(path)
    for path in sorted(on_disk):
        if path in recorded:
            continue
        if path in registered:
            report.unverified.append(path)
        else:
            report.unexpected.append(path)
    return report
