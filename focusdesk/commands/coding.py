"""code, codings, code-frame, matrix, framework, sections, coverage and talk-time commands."""

from __future__ import annotations

import argparse
import csv
import sys

from focusdesk.commands._common import kv_pairs, print_table
from focusdesk.core.timefmt import format_ms, parse_time
from focusdesk.store import coders as coder_store
from focusdesk.store import codes, sessions, transcripts
from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.store.study import NotFound


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("code", help="apply codes to passages (by time, or automatically by a search)")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = s.add_parser("add", help="code a time range of a session")
    add.add_argument("--session", required=True)
    add.add_argument("--code", required=True, metavar="PATH", help='e.g. "Added burden/Time-consuming"')
    add.add_argument("--from", dest="start", required=True, metavar="HH:MM:SS[.mmm]")
    add.add_argument("--to", dest="end", required=True, metavar="HH:MM:SS[.mmm]")
    add.add_argument("--speaker", help="participant code (P01), speaker label (S1) or facilitator name")
    add.add_argument("--memo", default="")
    add.add_argument("--create", action="store_true", help="create the code if it does not exist")
    add.add_argument("--coder", metavar="NAME", help="code as this coder (default: the current one)")
    add.set_defaults(func=code_add)
    auto = s.add_parser("auto", help="code every passage where a word or phrase is said")
    where = auto.add_mutually_exclusive_group(required=True)
    where.add_argument("--session")
    where.add_argument("--all", action="store_true", help="every session of the study")
    auto.add_argument("--query", required=True, help="a word or phrase; end with * for a prefix")
    auto.add_argument("--code", required=True, metavar="PATH")
    auto.add_argument("--unit", choices=["sentence", "turn"], default="sentence",
                      help="code the sentence around each match (default) or the whole turn")
    auto.add_argument("--preview", "--dry-run", dest="preview", action="store_true",
                      help="list the hits without coding them")
    auto.add_argument("--memo", default="")
    auto.add_argument("--create", action="store_true", help="create the code if it does not exist")
    auto.add_argument("--coder", metavar="NAME", help="code as this coder (default: the current one)")
    auto.set_defaults(func=code_auto)
    rm = s.add_parser("remove", help="remove a coding by its id (see 'focusdesk codings')")
    rm.add_argument("id", type=int)
    rm.set_defaults(func=code_remove)
    memo = s.add_parser("memo", help="set the memo of a coding")
    memo.add_argument("id", type=int)
    memo.add_argument("text")
    memo.add_argument("--coder", metavar="NAME", help="write as this coder (default: the current one); "
                      "a coding's memo is its coder's")
    memo.set_defaults(func=code_memo)

    p = sub.add_parser("codings", help="list coded passages with who said them, where and when")
    p.add_argument("--code", metavar="PATH", help="one code (and with --children its sub-codes), "
                   "or guide:KEY for a topic section")
    p.add_argument("--children", action="store_true", help="include the code's sub-codes")
    p.add_argument("--session")
    p.add_argument("--format", choices=["table", "quotes", "csv"], default="table")
    p.set_defaults(func=codings_list)

    p = sub.add_parser("code-frame", help="edit the coding frame (add, rename, move, merge, delete, "
                       "restore); import/show are under 'frame'")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = s.add_parser("add", help='add a code by path, e.g. "Added value/Builds confidence"')
    a.add_argument("path")
    a.add_argument("--colour", default="")
    a.add_argument("--description", default="")
    a.add_argument("--include", default="", help="inclusion note")
    a.add_argument("--exclude", default="", help="exclusion note")
    a.set_defaults(func=frame_add)
    a = s.add_parser("edit", help="change a code's colour, description or notes")
    a.add_argument("path")
    a.add_argument("--colour")
    a.add_argument("--description")
    a.add_argument("--include")
    a.add_argument("--exclude")
    a.set_defaults(func=frame_edit)
    a = s.add_parser("rename", help="rename a code")
    a.add_argument("path")
    a.add_argument("name")
    a.set_defaults(func=frame_rename)
    a = s.add_parser("move", help="move a code under another (or to the top with --to /)")
    a.add_argument("path")
    a.add_argument("--to", required=True, metavar="PARENT", help='new parent path, "/" for the top level')
    a.add_argument("--position", type=int, help="place among the new siblings, from 0")
    a.set_defaults(func=frame_move)
    a = s.add_parser("merge", help="merge SOURCE into TARGET (codings move to TARGET)")
    a.add_argument("source")
    a.add_argument("target")
    a.set_defaults(func=frame_merge)
    a = s.add_parser("delete", help="move a code, its sub-codes and codings to the trash")
    a.add_argument("path")
    a.set_defaults(func=frame_delete)
    s.add_parser("trash", help="list deleted codes").set_defaults(func=frame_trash)
    a = s.add_parser("restore", help="restore a deleted code by trash id or path")
    a.add_argument("item")
    a.set_defaults(func=frame_restore)
    s.add_parser("empty-trash", help="forget deleted codes for good").set_defaults(func=frame_empty)
    a = s.add_parser("pin", help="bind a code to Ctrl+1…9 in the transcript (0 unpins)")
    a.add_argument("path")
    a.add_argument("slot", type=int)
    a.set_defaults(func=frame_pin)
    s.add_parser("list", help="codes with their coding counts and pins").set_defaults(func=frame_list)

    p = sub.add_parser("matrix", help="codes × participants, sites, sessions or a case variable")
    p.add_argument("--rows", default="participant",
                   help="participant, site, session, or a case variable (role, or an attribute name)")
    p.add_argument("--measure", choices=["count", "duration", "share"], default="count",
                   help="passages, coded time, or coded time as a share of talk time")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("--where", action="append", metavar="VAR=VALUE", help="keep only these cases (repeat)")
    p.add_argument("--sections", action="store_true", help="add topic sections as columns")
    p.add_argument("--codes", help="comma-separated code paths (default: the whole frame)")
    p.set_defaults(func=matrix_cmd)

    p = sub.add_parser("framework", help="framework matrix: participants × themes with quotes")
    p.add_argument("--themes", help="comma-separated code paths (default: codes without sub-codes)")
    p.add_argument("--format", choices=["text", "csv"], default="text")
    p.add_argument("--summary", nargs=3, metavar=("PARTICIPANT", "THEME", "TEXT"),
                   help="write the summary of one cell instead of printing")
    p.add_argument("--coder", metavar="NAME", help="write (or show) this coder's summaries (default: the current one)")
    p.set_defaults(func=framework_cmd)

    p = sub.add_parser("sections", help="topic sections derived from the live guide markers")
    p.add_argument("--session", required=True)
    p.add_argument("--adjust", type=int, metavar="ID", help="section to adjust (with --from/--to)")
    p.add_argument("--from", dest="start")
    p.add_argument("--to", dest="end")
    p.set_defaults(func=sections_cmd)

    p = sub.add_parser("coverage", help="time per topic-guide item per session; questions never asked")
    p.add_argument("--session")
    p.set_defaults(func=coverage_cmd)

    p = sub.add_parser("talk-time", help="talk time per speaker and session")
    p.add_argument("--session")
    p.set_defaults(func=talk_cmd)


# --- helpers ---------------------------------------------------------------------------------

def _code(db, path: str, create: bool = False):
    return codes.code_by_path(db, path, create=create)


def _speaker(db, session_id: int, who: str) -> int:
    """A speaker id from a label (S1), a participant or facilitator code (P01, F1) or a name."""
    names = transcripts.speaker_names(db, session_id)
    real = transcripts.speaker_names(db, session_id, real_names=True)
    for sp in transcripts.list_speakers(db, session_id):
        if who.casefold() in (sp.label.casefold(), names.get(sp.id, "").casefold()):
            return sp.id
    for sp in transcripts.list_speakers(db, session_id):
        if real.get(sp.id, "").casefold() == who.casefold():
            return sp.id
    known = ", ".join(f"{names.get(s.id, s.label)} ({s.label})" for s in transcripts.list_speakers(db, session_id))
    raise NotFound(f"No speaker {who!r} in this session (speakers: {known or 'none yet'}). "
                   "Map speakers to participants with 'focusdesk speaker assign'.")


def _session_id(db, name: str | None) -> int | None:
    return sessions.session_by_name(db, name).id if name else None


# --- code ------------------------------------------------------------------------------------

def code_add(args, ctx) -> int:
    db = ctx.open().db
    session = sessions.session_by_name(db, args.session)
    code = _code(db, args.code, args.create)
    speaker = _speaker(db, session.id, args.speaker) if args.speaker else None
    c = co.apply_code(db, session.id, code.id, parse_time(args.start), parse_time(args.end), speaker, args.memo,
                      coder_store.resolve(db, args.coder))
    print(f"Coded {session.name} {format_ms(c.start_ms, True)}–{format_ms(c.end_ms, True)} with "
          f"{codes.code_path(db, code.id)} (coding {c.id})")
    return 0


def code_auto(args, ctx) -> int:
    from focusdesk.analysis.autocode import apply_hits, find_hits

    db = ctx.open().db
    code = _code(db, args.code, args.create and not args.preview)
    sid = None if args.all else _session_id(db, args.session)
    hits = find_hits(db, args.query, sid, args.unit, code.id)
    if not hits:
        print(f"No passage says {args.query!r}.")
        return 0
    rows = [[h.session, h.speaker, format_ms(h.start_ms), format_ms(h.end_ms),
             "yes" if h.already_coded else "", _short(h.text)] for h in hits]
    print_table(rows, ["session", "speaker", "from", "to", "coded", "text"])
    if args.preview:
        print(f"{len(hits)} hit(s); nothing coded (preview). Run again without --preview to code them.")
        return 0
    added = apply_hits(db, code.id, hits, args.memo, coder_store.resolve(db, args.coder))
    print(f"Coded {added} new passage(s) with {codes.code_path(db, code.id)} "
          f"({len(hits) - added} already coded).")
    return 0


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def code_remove(args, ctx) -> int:
    c = co.remove_coding(ctx.open().db, args.id)
    print(f"Removed coding {c.id} ({format_ms(c.start_ms)}–{format_ms(c.end_ms)})")
    return 0


def code_memo(args, ctx) -> int:
    db = ctx.open().db
    c = co.write_memo(db, args.id, args.text, coder_store.resolve(db, args.coder))
    print(f"Memo of coding {args.id} saved (coder {coder_store.get_coder(db, c.coder_id).name}).")
    return 0


def codings_list(args, ctx) -> int:
    from focusdesk.analysis.retrieval import passages

    db = ctx.open().db
    key = None
    if args.code:
        key = args.code if args.code.startswith("guide:") else _code(db, args.code).id
    found = passages(db, key, _session_id(db, args.session), include_children=args.children)
    if not found:
        print("No coded passages yet. Code one with 'focusdesk code add'.")
        return 0
    if args.format == "quotes":
        for p in found:
            print(f"[{p.code_path}] {p.quote()}")
        return 0
    rows = [[str(p.coding_id or ""), p.session, p.site, p.speaker, format_ms(p.start_ms),
             format_ms(p.end_ms), p.code_path, p.text, p.memo] for p in found]
    headers = ["id", "session", "site", "speaker", "from", "to", "code", "text", "memo"]
    if args.format == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(headers)
        w.writerows(rows)
    else:
        print_table([r[:6] + [r[6], _short(r[7], 60)] for r in rows], headers[:8])
    return 0


# --- code-frame --------------------------------------------------------------------------------

def frame_add(args, ctx) -> int:
    db = ctx.open().db
    parent_path, _, name = args.path.strip("/").rpartition("/")
    parent = _code(db, parent_path).id if parent_path else None
    c = fo.new_code(db, name, parent, args.colour, args.description, args.include, args.exclude)
    print(f"Added code {c.path} {c.colour}")
    return 0


def frame_edit(args, ctx) -> int:
    db = ctx.open().db
    changes = {k: v for k, v in (("colour", args.colour), ("description", args.description),
                                 ("inclusion", args.include), ("exclusion", args.exclude)) if v is not None}
    c = fo.update_code(db, _code(db, args.path).id, **changes)
    print(f"Updated {c.path}")
    return 0


def frame_rename(args, ctx) -> int:
    db = ctx.open().db
    c = fo.rename_code(db, _code(db, args.path).id, args.name)
    print(f"Renamed to {c.path}")
    return 0


def frame_move(args, ctx) -> int:
    db = ctx.open().db
    parent = None if args.to.strip() in ("", "/") else _code(db, args.to).id
    c = fo.move_code(db, _code(db, args.path).id, parent, args.position)
    print(f"Moved to {c.path}")
    return 0


def frame_merge(args, ctx) -> int:
    db = ctx.open().db
    src = _code(db, args.source)
    c = fo.merge_codes(db, src.id, _code(db, args.target).id)
    print(f"Merged {args.source} into {c.path}: it now has {c.n_codings} coding(s)")
    return 0


def frame_delete(args, ctx) -> int:
    db = ctx.open().db
    item = fo.delete_code(db, _code(db, args.path).id)
    print(f"Moved {item.path} to the trash ({item.n_codes} code(s), {item.n_codings} coding(s)); "
          f"restore with 'focusdesk code-frame restore {item.id}'")
    return 0


def frame_trash(args, ctx) -> int:
    items = fo.list_trash(ctx.open().db)
    if not items:
        print("The trash is empty.")
        return 0
    print_table([[str(i.id), i.path, str(i.n_codes), str(i.n_codings), i.deleted_at] for i in items],
                ["id", "code", "codes", "codings", "deleted"])
    return 0


def frame_restore(args, ctx) -> int:
    db = ctx.open().db
    items = fo.list_trash(db)
    match = [i for i in items if str(i.id) == args.item or i.path.casefold() == args.item.casefold()]
    if not match:
        raise NotFound(f"Nothing called {args.item!r} in the trash; see 'focusdesk code-frame trash'.")
    c = fo.restore_code(db, match[0].id)
    print(f"Restored {c.path} with {c.n_codings} coding(s)")
    return 0


def frame_empty(args, ctx) -> int:
    n = fo.empty_trash(ctx.open().db)
    print(f"Emptied the trash ({n} deleted code(s) forgotten).")
    return 0


def frame_pin(args, ctx) -> int:
    db = ctx.open().db
    code = _code(db, args.path)
    fo.pin_code(db, code.id, args.slot or None)
    print(f"Pinned {args.path} to Ctrl+{args.slot}" if args.slot else f"Unpinned {args.path}")
    return 0


def frame_list(args, ctx) -> int:
    frame = fo.list_frame(ctx.open().db)
    if not frame:
        print("No coding frame yet. Import one with: focusdesk frame import FILE")
        return 0
    print_table([[c.path, c.colour, str(c.n_codings), f"Ctrl+{c.pin}" if c.pin else ""] for c in frame],
                ["code", "colour", "codings", "pin"])
    return 0


# --- analysis ----------------------------------------------------------------------------------

def matrix_cmd(args, ctx) -> int:
    from focusdesk.analysis.matrices import code_matrix

    db = ctx.open().db
    cols = [_code(db, p.strip()).id for p in args.codes.split(",") if p.strip()] if args.codes else None
    m = code_matrix(db, rows=args.rows, codes=cols, include_sections=args.sections,
                    where=kv_pairs(args.where) if args.where else None)
    if args.format == "csv":
        print(m.to_csv(args.measure), end="")
        return 0
    if not m.columns:
        print("No codes yet. Import a coding frame with: focusdesk frame import FILE")
        return 0
    headers, rows = m.table(args.measure, short_labels=True)
    print_table(rows, headers)
    return 0


def framework_cmd(args, ctx) -> int:
    from focusdesk.analysis.framework import framework_matrix, set_summary
    from focusdesk.store.study import participant_by_code

    db = ctx.open().db
    coder = coder_store.resolve(db, args.coder)
    if args.summary:
        who, theme, text = args.summary
        set_summary(db, participant_by_code(db, who).id, _code(db, theme).id, text, coder)
        name = args.coder or coder_store.current_coder(db).name
        print(f"Saved {name}'s summary for {who} × {theme}.")
        return 0
    themes = [_code(db, p.strip()).id for p in args.themes.split(",") if p.strip()] if args.themes else None
    fm = framework_matrix(db, themes, coder_id=coder)
    if args.format == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["participant"] + [t.path for t in fm.columns])
        for case in fm.rows:
            row = [case.code]
            for t in fm.columns:
                cell = fm.cells.get((case.id, t.id))
                parts = ([cell.summary] if cell and cell.summary else []) + \
                    [f"Summary by {who}: {text}" for who, text in (cell.other_summaries.items() if cell else [])] + \
                    [q.quote() for q in (cell.quotes if cell else [])]
                row.append("\n".join(parts))
            w.writerow(row)
        return 0
    for case in fm.rows:
        print(f"== {case.code} ({case.site or 'no site'}) ==")
        for t in fm.columns:
            cell = fm.cells.get((case.id, t.id))
            if not cell:
                continue
            print(f"  {t.path}")
            if cell.summary:
                print(f"    Summary: {cell.summary}")
            for who, text in cell.other_summaries.items():
                print(f"    Summary by {who}: {text}")
            for q in cell.quotes:
                print(f"    {q.quote()}")
    return 0


def sections_cmd(args, ctx) -> int:
    from focusdesk.analysis import sections as sec

    db = ctx.open().db
    sid = sessions.session_by_name(db, args.session).id
    if args.adjust is not None:
        sec.adjust_section(db, args.adjust, parse_time(args.start) if args.start else None,
                           parse_time(args.end) if args.end else None)
    found = sec.derive_sections(db, sid)
    if not found:
        print("No topic-guide markers in this session yet (mark them while recording, or with "
              "'focusdesk mark').")
        return 0
    print_table([[str(s.id), format_ms(s.start_ms), format_ms(s.end_ms), "yes" if s.adjusted else "",
                  s.guide_item_key, _short(s.text, 60)] for s in found],
                ["id", "from", "to", "adjusted", "item", "text"])
    return 0


def coverage_cmd(args, ctx) -> int:
    from focusdesk.analysis.coverage import topic_coverage

    db = ctx.open().db
    for cov in topic_coverage(db, _session_id(db, args.session)):
        print(f"== {cov.session} ==")
        print_table([["  " * i.depth + _short(i.text, 60), format_ms(i.ms),
                      format_ms(i.planned_ms) if i.planned_ms is not None else ""] for i in cov.items],
                    ["guide item", "time", "planned"])
        if cov.never_asked:
            print("Never asked: " + "; ".join(_short(q.text, 50) for q in cov.never_asked))
        print()
    return 0


def talk_cmd(args, ctx) -> int:
    from focusdesk.analysis.matrices import talk_time

    db = ctx.open().db
    rows = talk_time(db, _session_id(db, args.session))
    if not rows:
        print("No transcripts yet.")
        return 0
    print_table([[r.session, r.speaker, format_ms(r.talk_ms), f"{r.share * 100:.1f}%", str(r.turns)]
                 for r in rows], ["session", "speaker", "talk time", "share", "turns"])
    return 0
