"""coder and agreement commands: who codes, and how far two (or more) coders agree."""

from __future__ import annotations

import argparse
import csv
import sys

from focusdesk.commands._common import print_table
from focusdesk.core.errors import UserError
from focusdesk.core.timefmt import format_ms
from focusdesk.store import coders as coder_store
from focusdesk.store import sessions


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("coder", help="the study's coders and who is coding now")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s.add_parser("list", help="coders with their coding counts (* marks the current coder)"
                 ).set_defaults(func=coder_list)
    a = s.add_parser("add", help="add a coder")
    a.add_argument("name")
    a.set_defaults(func=coder_add)
    a = s.add_parser("use", help="make NAME the current coder (later codings are theirs)")
    a.add_argument("name")
    a.add_argument("--create", action="store_true", help="add the coder if they do not exist")
    a.set_defaults(func=coder_use)

    p = sub.add_parser("agreement", help="intercoder agreement: percent, Cohen's kappa, "
                       "Krippendorff's alpha and segment overlap, per code and overall")
    p.add_argument("--coders", metavar="A,B[,C…]", help="the coders compared (two or more)")
    p.add_argument("--decisions", action="store_true",
                   help="list the consensus decisions recorded (who was kept, when) instead")
    p.add_argument("--unit", choices=["second", "segment"], default="second",
                   help="units compared: seconds of the session (default) or transcript segments")
    p.add_argument("--overlap", type=float, default=0.9, metavar="FRACTION",
                   help="segment overlap needed for two codings to agree (default 0.9)")
    p.add_argument("--session", help="one session (default: every session either coded)")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=agreement_cmd)


def coder_list(args, ctx) -> int:
    db = ctx.open().db
    current = coder_store.current_coder(db).id
    counts = coder_store.coding_counts(db)
    rows = [[("* " if c.id == current else "  ") + c.name, str(counts.get(c.id, 0))]
            for c in coder_store.list_coders(db)]
    print_table(rows, ["coder", "codings"])
    return 0


def coder_add(args, ctx) -> int:
    c = coder_store.add_coder(ctx.open().db, args.name)
    print(f"Added coder {c.name}.")
    return 0


def coder_use(args, ctx) -> int:
    c = coder_store.use_coder(ctx.open().db, args.name, create=args.create)
    print(f"Coding as {c.name} from now on.")
    return 0


def _fmt(v: float | None, digits: int = 3) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def _decisions(db, session_id: int | None) -> int:
    from focusdesk.store import codes
    from focusdesk.store.consensus import LABELS, decisions

    found = decisions(db, session_id)
    if not found:
        print("No consensus decisions yet.")
        return 0
    who = {c.id: c.name for c in coder_store.list_coders(db)}
    names = {s.id: s.name for s in sessions.list_sessions(db)}

    def coders(ids) -> str:
        return ",".join(who.get(i, "?") for i in ids)

    print_table([[d.decided_at, names.get(d.session_id, ""), codes.code_path(db, d.code_id),
                  f"{format_ms(d.start_ms)}-{format_ms(d.end_ms)}", coders(d.coders), LABELS[d.choice],
                  coders(d.kept), who.get(d.decided_by, "")] for d in found],
                ["decided", "session", "code", "passage", "coders", "choice", "kept", "by"])
    return 0


def agreement_cmd(args, ctx) -> int:
    from focusdesk.analysis.agreement_study import agreement_table

    db = ctx.open().db
    sid = sessions.session_by_name(db, args.session).id if args.session else None
    if args.decisions:
        return _decisions(db, sid)
    if not args.coders:
        raise UserError("Name the coders to compare, for example --coders AB,CD (or --decisions).")
    names = [n.strip() for n in args.coders.split(",") if n.strip()]
    table = agreement_table(db, names, args.unit, args.overlap, sid)
    headers = ["scope", "code", "units", "percent", "kappa", "alpha", f"overlap>={args.overlap:g}"]
    rows = [[r["scope"], r["code"], str(r["units"]), _fmt(r["percent"], 1), _fmt(r["kappa"]),
             _fmt(r["alpha"]), _fmt(r["overlap"], 1)] for r in table.rows()]
    if args.format == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(headers)
        w.writerows(rows)
        return 0
    if not rows:
        print(f"Neither {' nor '.join(names)} has coded anything yet.")
        return 0
    print(f"Coders: {', '.join(table.coder_names)}; unit: {args.unit}")
    if len(names) > 2:
        print("Three or more coders: percent is the mean over coder pairs, overlap is pooled over pairs, "
              "kappa is left out (a two-coder figure); alpha is Krippendorff's for all of them.")
    print_table(rows, headers)
    return 0
