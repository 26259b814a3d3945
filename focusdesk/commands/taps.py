"""``focusdesk taps list|add|apply``: "this is P03 speaking" taps and the voices they name."""

from __future__ import annotations

import argparse

from focusdesk.commands._common import print_table
from focusdesk.core.timefmt import format_ms


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("taps", help='"this is P03 speaking" taps: name voices without manual mapping')
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = s.add_parser("list", help="a session's taps in time order")
    ls.add_argument("--session", required=True)
    ls.set_defaults(func=taps_list)
    add = s.add_parser("add", help="say who was speaking at a moment of the session")
    add.add_argument("--session", required=True)
    add.add_argument("--at", required=True, type=float, metavar="SECONDS",
                     help="media time on the session timeline, in seconds")
    add.add_argument("--person", required=True, help="participant code (P03) or facilitator name")
    add.set_defaults(func=taps_add)
    ap = s.add_parser("apply", help="map the session's voices to the people its taps name "
                      "(done after every diarization too); prints what needs confirming")
    ap.add_argument("--session", required=True)
    ap.set_defaults(func=taps_apply)


def taps_list(args, ctx) -> int:
    from focusdesk.store import seats, sessions

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    taps = seats.list_taps(ws.db, session.id)
    if not taps:
        print(f"No taps in {session.name!r} yet. Add one: focusdesk taps add --session NAME --at SECONDS "
              "--person P03 (or click a seat in the live console).")
        return 0
    print_table([[str(t.id), format_ms(t.t_ms), t.person.name, t.person.kind, t.source] for t in taps],
                ["id", "at", "person", "role", "source"])
    return 0


def taps_add(args, ctx) -> int:
    from focusdesk.store import seats, sessions

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    person = seats.resolve(ws.db, session.id, args.person)
    tap = seats.add_tap(ws.db, session.id, person, round(args.at * 1000), source="editor")
    print(f"{person.name} speaking at {format_ms(tap.t_ms)}.")
    return 0


def print_mapping(mapping) -> None:
    for note in mapping.assigned:
        print(f"named: {note.text}")
    for note in mapping.conflicts:
        print(f"confirm: {note.label + ': ' if note.label else ''}{note.text}")
    for note in mapping.untapped:
        print(f"confirm: {note.text}")


def taps_apply(args, ctx) -> int:
    from focusdesk.diarize.taps import map_voices_from_taps
    from focusdesk.store import diarization, sessions

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    if not diarization.session_turns(ws.db, session.id):
        raise ValueError(f"Session {session.name!r} has no voices yet; run "
                         f"'focusdesk diarize \"{session.name}\"' first (it applies the taps itself).")
    mapping = map_voices_from_taps(ws.db, session.id)
    print_mapping(mapping)
    if not (mapping.conflicts or mapping.untapped):
        print("Nothing to confirm.")
    return 0
