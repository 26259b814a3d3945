"""``focusdesk backup list|create|restore ID``, ``focusdesk check`` and ``focusdesk audit``."""

from __future__ import annotations

import argparse
import sys

from focusdesk.commands._common import print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="the study's rolling database backups: list, make one, restore one")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s.add_parser("list", help="backups, newest first, with what each holds").set_defaults(func=backup_list)
    s.add_parser("create", help="back up the database now").set_defaults(func=backup_create)
    r = s.add_parser("restore", help="bring the database back to a backup (the current state is "
                     "backed up first; refused while a window or another command has the study)")
    r.add_argument("id", metavar="ID", help="a backup id from 'focusdesk backup list'")
    r.set_defaults(func=backup_restore)
    c = sub.add_parser("check", help="verify the database and every media file against its recorded "
                       "checksum; exit status 1 when something is wrong")
    c.set_defaults(func=check)
    a = sub.add_parser("audit", help="the study's audit log (who did what, when) for an ethics report")
    s = a.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = s.add_parser("list", help="the log, oldest first")
    ls.add_argument("--since", metavar="DATE", help="only entries at or after this date (YYYY-MM-DD)")
    ls.add_argument("--format", choices=("table", "csv"), default="table")
    ls.set_defaults(func=audit_list)
    ex = s.add_parser("export", help="write the log as CSV")
    ex.add_argument("file", metavar="FILE")
    ex.add_argument("--since", metavar="DATE")
    ex.set_defaults(func=audit_export)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def backup_list(args, ctx) -> int:
    from focusdesk.store import backups

    items = backups.list_backups(ctx.open(create=False))
    if not items:
        print("No backups yet. Make one: focusdesk backup create (one is also made when the study "
              "opens after a change).")
        return 0
    print_table([[b.id, b.when.astimezone().strftime("%Y-%m-%d %H:%M:%S"), _size(b.size), b.reason,
                  b.holds()] for b in items], ["id", "time", "size", "why", "holds"])
    return 0


def backup_create(args, ctx) -> int:
    from focusdesk.store import audit, backups

    ws = ctx.open(create=False)
    b = backups.create_backup(ws, reason="manual")
    audit.record(ws.db, audit.BACKUP_CREATED, b.id)
    print(f"Backed up as {b.id} ({_size(b.size)}: {b.holds()}).")
    return 0


def backup_restore(args, ctx) -> int:
    from focusdesk.store import backups
    from focusdesk.store.workspace import open_workspace

    # The study alone: no window, no other command (a transcription) may be using it.
    with open_workspace(ctx.workspace_path, create=False, exclusive=True) as ws:
        done = backups.restore_backup(ws, args.id)
    print(f"Restored backup {done.backup.id}. The study as it was just before is backup "
          f"{done.safety.id}, should you want it back.")
    return 0


def check(args, ctx) -> int:
    from focusdesk.store.check import check_study

    report = check_study(ctx.open(create=False))
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def audit_list(args, ctx) -> int:
    from focusdesk.store import audit

    items = audit.entries(ctx.open(create=False).db, args.since)
    if args.format == "csv":
        sys.stdout.write(audit.to_csv(items))
        return 0
    print_table([e.row() for e in items], audit.HEADERS)
    return 0


def audit_export(args, ctx) -> int:
    from focusdesk.exchange.safe_write import write_text
    from focusdesk.store import audit

    items = audit.entries(ctx.open(create=False).db, args.since)
    write_text(args.file, audit.to_csv(items))
    print(f"Wrote {len(items)} audit entries to {args.file}.")
    return 0
