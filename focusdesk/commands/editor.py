"""search and speaker commands: the headless side of the transcript editor."""

from __future__ import annotations

import argparse

from focusdesk.commands._common import print_table
from focusdesk.core.timefmt import format_ms
from focusdesk.store import search, sessions, speaker_ops, transcripts


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="full-text search across every session's transcript")
    p.add_argument("query", nargs="+", help='words to find (all must occur); "quoted phrase" for a phrase')
    p.add_argument("--session", help="only this session")
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(func=search_cmd)

    p = sub.add_parser("speaker", help="name, merge and assign the speakers of a session")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = s.add_parser("list", help="speakers of a session with who they are")
    ls.add_argument("--session", required=True)
    ls.set_defaults(func=speaker_list)
    rn = s.add_parser("rename", help="relabel a speaker everywhere in the session (onto an "
                      "existing label: merge the two)")
    rn.add_argument("--session", required=True)
    rn.add_argument("old", help="label such as S1 (or the name it shows as)")
    rn.add_argument("new")
    rn.set_defaults(func=speaker_rename)
    mg = s.add_parser("merge", help="move every turn of SOURCE speakers to TARGET")
    mg.add_argument("--session", required=True)
    mg.add_argument("target")
    mg.add_argument("sources", nargs="+")
    mg.set_defaults(func=speaker_merge)
    asg = s.add_parser("assign", help="map a speaker to a participant code or a facilitator name")
    asg.add_argument("--session", required=True)
    asg.add_argument("label")
    asg.add_argument("person", help="participant code (e.g. P01) or facilitator name; '-' to clear")
    asg.set_defaults(func=speaker_assign)


def search_cmd(args, ctx) -> int:
    db = ctx.open().db
    session_id = sessions.session_by_name(db, args.session).id if args.session else None
    query = " ".join(args.query)
    hits = search.search(db, query, session_id=session_id, limit=args.limit)
    if not hits:
        print(f"No matches for {query!r}.")
        return 1
    print_table([[h.session_name, h.speaker, format_ms(h.ms), h.snippet] for h in hits],
                ["session", "speaker", "time", "text"])
    more = " (limit reached; use --limit)" if len(hits) >= args.limit else ""
    print(f"{len(hits)} match{'es' if len(hits) != 1 else ''}{more}")
    return 0


def speaker_list(args, ctx) -> int:
    db = ctx.open().db
    session = sessions.session_by_name(db, args.session)
    names = transcripts.speaker_names(db, session.id)
    counts = dict(db.execute("SELECT speaker_id, COUNT(*) FROM segments WHERE session_id = ? "
                             "GROUP BY speaker_id", [session.id]).fetchall())
    rows = [[sp.label, names[sp.id] if names[sp.id] != sp.label else "", str(counts.get(sp.id, 0))]
            for sp in transcripts.list_speakers(db, session.id)]
    if not rows:
        print(f"No speakers in {session.name} yet (transcribe or diarize it first).")
        return 0
    print_table(rows, ["label", "shown as", "turns"])
    return 0


def speaker_rename(args, ctx) -> int:
    db = ctx.open().db
    session = sessions.session_by_name(db, args.session)
    old = speaker_ops.resolve_speaker(db, session.id, args.old)
    sp = speaker_ops.rename_speaker(db, session.id, old.id, args.new)
    if sp.id != old.id:
        print(f"Merged {old.label} into {sp.label} in {session.name}")
    else:
        print(f"Renamed {old.label} to {sp.label} in {session.name}")
    return 0


def speaker_merge(args, ctx) -> int:
    db = ctx.open().db
    session = sessions.session_by_name(db, args.session)
    result = speaker_ops.merge_speakers(db, session.id, args.sources, args.target)
    moved = sum(len(v) for v in result.segment_ids.values())
    print(f"Merged {', '.join(s.label for s in result.removed) or 'nothing'} into "
          f"{result.target.label} ({moved} turns) in {session.name}")
    return 0


def speaker_assign(args, ctx) -> int:
    db = ctx.open().db
    session = sessions.session_by_name(db, args.session)
    if args.person.strip() in ("-", ""):
        sp = speaker_ops.assign_speaker(db, session.id, args.label)
        print(f"{sp.label} is no longer mapped to anyone in {session.name}")
        return 0
    sp = speaker_ops.assign_speaker(db, session.id, args.label, person=args.person)
    shown = transcripts.speaker_names(db, session.id)[sp.id]
    print(f"{sp.label} is now {shown} in {session.name}")
    return 0
