"""study copy-for and merge: a coder codes a copy of the study independently, then it is merged back."""

from __future__ import annotations

import argparse
from pathlib import Path

from focusdesk.store import open_workspace
from focusdesk.store.merge import merge_copy
from focusdesk.store.study_copy import copy_for


def register_copy_for(study_actions: argparse._SubParsersAction) -> None:
    """``study copy-for``, an action of the study command."""
    p = study_actions.add_parser("copy-for", help="a copy of the study for one coder to code independently "
                                 "(merge it back with 'focusdesk merge')")
    p.add_argument("coder", metavar="CODER", help="the coder's name (created in the copy if needed)")
    p.add_argument("folder", metavar="DIR", type=Path, help="a new or empty folder for the copy")
    p.set_defaults(func=study_copy_for)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge", help="bring in the codings, memos and summaries of a coder's copy (made by "
                       "study copy-for), or the codings and notes of its QDPX export")
    p.add_argument("folder", metavar="DIR|FILE.qdpx", type=Path,
                   help="the coder's copy of the study, or a QDPX project exported from it")
    p.set_defaults(func=merge)


def study_copy_for(args, ctx) -> int:
    try:
        report = copy_for(ctx.open(), args.coder, args.folder)
    except ValueError as exc:
        print(exc)
        return 1
    print(f"Copied the study for {report.coder} into {report.folder} ({report.media_files} media files, "
          f"{report.linked} hard-linked). Merge it back with: focusdesk merge {report.folder}")
    return 0


def merge(args, ctx) -> int:
    ws = ctx.open()
    if args.folder.is_file() and args.folder.suffix.lower() in (".qdpx", ".qde"):
        from focusdesk.exchange.refi_merge import merge_qdpx

        for report in merge_qdpx(ws, args.folder):
            print(report.summary())
        return 0
    if args.folder.resolve() == ws.root.resolve() or not (args.folder / "focusdesk.sqlite").is_file():
        print(f"{args.folder} is not a coder's copy of a study (make one with 'focusdesk study copy-for') "
              "nor a QDPX project exported from one.")
        return 1
    other = open_workspace(args.folder, create=False, passphrase=ctx.passphrase)
    try:
        report = merge_copy(ws.db, other.db)
    finally:
        other.close()
    print(report.summary())
    return 0
