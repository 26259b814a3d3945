"""site, participant, facilitator and session commands: add, list, edit, delete.

They call the same store functions as the window's People dialog; a delete prints what goes with
it (``store/deletes.py``) and only happens with ``--yes``.
"""

from __future__ import annotations

import argparse

from focusdesk.commands._common import kv_pairs, print_table
from focusdesk.core.model import Facilitator, Participant, Session, SessionKind, Site
from focusdesk.store import deletes, progress, sessions, study, withdrawal
from focusdesk.store.deletes import Impact

KEEP = object()  # an option not given: the field keeps its value


def _opt(parser: argparse.ArgumentParser, *names: str, **kw) -> None:
    parser.add_argument(*names, default=KEEP, **kw)


def _delete_parser(s, noun: str, func, arg: str = "name") -> argparse.ArgumentParser:
    d = s.add_parser("delete", help=f"delete a {noun} (prints what goes with it; needs --yes)")
    d.add_argument(arg)
    d.add_argument("--yes", action="store_true", help="delete without asking")
    d.set_defaults(func=func)
    return d


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("site", help="manage sites")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = s.add_parser("add", help="add a site")
    add.add_argument("name")
    add.add_argument("--notes", default="")
    add.set_defaults(func=site_add)
    s.add_parser("list", help="list sites").set_defaults(func=site_list)
    edit = s.add_parser("edit", help="rename a site or change its notes")
    edit.add_argument("name")
    _opt(edit, "--name", dest="new_name", help="new name")
    _opt(edit, "--notes")
    edit.set_defaults(func=site_edit)
    d = _delete_parser(s, "site (its participants and sessions stay)", site_delete)
    d.add_argument("--move-to", metavar="SITE", help="move its participants and sessions to this site")

    p = sub.add_parser("participant", help="manage participants")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = s.add_parser("add", help="add a participant by pseudonym code, e.g. P01")
    add.add_argument("code")
    add.add_argument("--site", help="site name")
    add.add_argument("--role", default="")
    add.add_argument("--name", default="", help="real name (kept apart; never exported by default)")
    add.add_argument("--consent-date", default="", help="YYYY-MM-DD")
    add.add_argument("--attr", action="append", metavar="KEY=VALUE", help="case attribute (repeat)")
    add.set_defaults(func=participant_add)
    lst = s.add_parser("list", help="list participants")
    lst.add_argument("--site", help="only this site's")
    lst.set_defaults(func=participant_list)
    edit = s.add_parser("edit", help="change a participant (only the options given)")
    edit.add_argument("code")
    _opt(edit, "--code", dest="new_code", help="new pseudonym code")
    _opt(edit, "--site", help="site name ('' for none)")
    _opt(edit, "--role")
    _opt(edit, "--name", help="real name")
    _opt(edit, "--consent-date", help="YYYY-MM-DD ('' for none)")
    edit.add_argument("--attr", action="append", metavar="KEY=VALUE",
                      help="set a case attribute (repeat; an empty value removes it)")
    edit.set_defaults(func=participant_edit)
    _delete_parser(s, "participant", participant_delete, "code")
    from focusdesk.commands.withdraw import add_withdraw_parser

    add_withdraw_parser(s)

    p = sub.add_parser("facilitator", help="manage facilitators")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = s.add_parser("add", help="add a facilitator (exports show their code, e.g. F1)")
    add.add_argument("name")
    add.add_argument("--code", default="", help="pseudonym shown in transcripts and exports (default F1, F2…)")
    add.add_argument("--initials", default="")
    add.set_defaults(func=facilitator_add)
    s.add_parser("list", help="list facilitators").set_defaults(func=facilitator_list)
    edit = s.add_parser("edit", help="rename a facilitator or change their code")
    edit.add_argument("name", help="name or code")
    _opt(edit, "--name", dest="new_name")
    _opt(edit, "--code")
    _opt(edit, "--initials")
    edit.set_defaults(func=facilitator_edit)
    _delete_parser(s, "facilitator", facilitator_delete)

    p = sub.add_parser("session", help="manage sessions")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = s.add_parser("add", help="add a session")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=[k.value for k in SessionKind])
    add.add_argument("--site")
    add.add_argument("--date", default="", help="YYYY-MM-DD")
    add.add_argument("--participants", default="", help="comma-separated codes, e.g. P01,P02")
    add.add_argument("--facilitators", default="", help="comma-separated names or codes")
    add.add_argument("--notes", default="")
    add.set_defaults(func=session_add)
    s.add_parser("list", help="list sessions").set_defaults(func=session_list)
    edit = s.add_parser("edit", help="change a session (only the options given)")
    edit.add_argument("name")
    _opt(edit, "--name", dest="new_name")
    _opt(edit, "--kind", choices=[k.value for k in SessionKind])
    _opt(edit, "--site", help="site name ('' for none)")
    _opt(edit, "--date", help="YYYY-MM-DD")
    _opt(edit, "--participants", help="comma-separated codes (replaces the list)")
    _opt(edit, "--facilitators", help="comma-separated names or codes (replaces the list)")
    _opt(edit, "--notes")
    edit.set_defaults(func=session_edit)
    _delete_parser(s, "session with its recordings, transcript and codings", session_delete)


def _confirmed(args, impact: Impact) -> bool:
    print(impact.text())
    if not args.yes:
        raise ValueError("Nothing deleted. Run the command again with --yes to delete.")
    return True


def _site_id(db, name: str | None) -> int | None:
    return study.site_by_name(db, name).id if name else None


# --- sites -----------------------------------------------------------------------------------

def site_add(args, ctx) -> int:
    site = study.add_site(ctx.open().db, Site(name=args.name, notes=args.notes))
    print(f"Added site {site.name}")
    return 0


def site_list(args, ctx) -> int:
    for s in study.list_sites(ctx.open().db):
        print(s.name)
    return 0


def site_edit(args, ctx) -> int:
    db = ctx.open().db
    site = study.site_by_name(db, args.name)
    if args.new_name is not KEEP:
        site.name = args.new_name
    if args.notes is not KEEP:
        site.notes = args.notes
    study.update_site(db, site)
    print(f"Saved site {site.name}")
    return 0


def site_delete(args, ctx) -> int:
    db = ctx.open().db
    site = study.site_by_name(db, args.name)
    move_to = _site_id(db, args.move_to)
    _confirmed(args, deletes.site_impact(db, site.id, move_to))
    deletes.delete_site(db, site.id, move_to)
    print(f"Deleted site {site.name}")
    return 0


# --- participants ----------------------------------------------------------------------------

def participant_add(args, ctx) -> int:
    db = ctx.open().db
    p = study.add_participant(db, Participant(
        code=args.code, site_id=_site_id(db, args.site), role=args.role, real_name=args.name,
        consent_date=args.consent_date, attributes=kv_pairs(args.attr)))
    print(f"Added participant {p.code}")
    return 0


def participant_list(args, ctx) -> int:
    db = ctx.open().db
    sites = {s.id: s.name for s in study.list_sites(db)}
    gone = withdrawal.withdrawn_codes(db)
    print_table([[p.code + (" (withdrawn)" if p.id in gone else ""), sites.get(p.site_id, ""), p.role, p.consent_date,
                  ", ".join(f"{k}={v}" for k, v in p.attributes.items())]
                 for p in study.list_participants(db, site_id=_site_id(db, args.site))],
                ["code", "site", "role", "consent", "attributes"])
    return 0


def participant_edit(args, ctx) -> int:
    db = ctx.open().db
    p = study.participant_by_code(db, args.code)
    if args.new_code is not KEEP:
        p.code = args.new_code
    if args.site is not KEEP:
        p.site_id = _site_id(db, args.site)
    for field, value in (("role", args.role), ("real_name", args.name), ("consent_date", args.consent_date)):
        if value is not KEEP:
            setattr(p, field, value)
    for key, value in kv_pairs(args.attr).items():
        if value:
            p.attributes[key] = value
        else:
            p.attributes.pop(key, None)
    study.update_participant(db, p)
    print(f"Saved participant {p.code}")
    return 0


def participant_delete(args, ctx) -> int:
    db = ctx.open().db
    p = study.participant_by_code(db, args.code)
    _confirmed(args, deletes.participant_impact(db, p.id))
    deletes.delete_participant(db, p.id)
    print(f"Deleted participant {p.code}")
    return 0


# --- facilitators ----------------------------------------------------------------------------

def facilitator_add(args, ctx) -> int:
    f = study.add_facilitator(ctx.open().db, Facilitator(name=args.name, initials=args.initials, code=args.code))
    print(f"Added facilitator {f.name} (shown as {f.code} in transcripts and exports)")
    return 0


def facilitator_list(args, ctx) -> int:
    print_table([[f.code, f.name, f.initials] for f in study.list_facilitators(ctx.open().db)],
                ["code", "name", "initials"])
    return 0


def facilitator_edit(args, ctx) -> int:
    db = ctx.open().db
    f = study.facilitator_by_name(db, args.name)
    for field, value in (("name", args.new_name), ("code", args.code), ("initials", args.initials)):
        if value is not KEEP:
            setattr(f, field, value)
    study.update_facilitator(db, f)
    print(f"Saved facilitator {f.name} ({f.code})")
    return 0


def facilitator_delete(args, ctx) -> int:
    db = ctx.open().db
    f = study.facilitator_by_name(db, args.name)
    _confirmed(args, deletes.facilitator_impact(db, f.id))
    deletes.delete_facilitator(db, f.id)
    print(f"Deleted facilitator {f.name}")
    return 0


# --- sessions --------------------------------------------------------------------------------

def _participant_ids(db, text: str) -> list[int]:
    return [study.participant_by_code(db, c.strip()).id for c in text.split(",") if c.strip()]


def _facilitator_ids(db, text: str, create: bool = False) -> list[int]:
    return [study.facilitator_by_name(db, n.strip(), create=create).id for n in text.split(",") if n.strip()]


def session_add(args, ctx) -> int:
    db = ctx.open().db
    s = sessions.add_session(db, Session(
        name=args.name, kind=SessionKind(args.kind), site_id=_site_id(db, args.site), date=args.date,
        notes=args.notes, participant_ids=_participant_ids(db, args.participants),
        facilitator_ids=_facilitator_ids(db, args.facilitators, create=True)))
    print(f"Added session {s.name} ({s.kind.label})")
    return 0


def session_edit(args, ctx) -> int:
    db = ctx.open().db
    s = sessions.session_by_name(db, args.name)
    if args.new_name is not KEEP:
        s.name = args.new_name
    if args.kind is not KEEP:
        s.kind = SessionKind(args.kind)
    if args.site is not KEEP:
        s.site_id = _site_id(db, args.site)
    if args.date is not KEEP:
        s.date = args.date
    if args.notes is not KEEP:
        s.notes = args.notes
    if args.participants is not KEEP:
        s.participant_ids = _participant_ids(db, args.participants)
    if args.facilitators is not KEEP:
        s.facilitator_ids = _facilitator_ids(db, args.facilitators)
    sessions.update_session(db, s)
    print(f"Saved session {s.name}")
    return 0


def session_delete(args, ctx) -> int:
    ws = ctx.open()
    s = sessions.session_by_name(ws.db, args.name)
    _confirmed(args, deletes.session_impact(ws, s.id))
    left = deletes.delete_session(ws, s.id)
    print(f"Deleted session {s.name}")
    for path in left:
        print(f"Could not remove {path}; delete it by hand.")
    return 0


def session_list(args, ctx) -> int:
    ws = ctx.open()
    db = ws.db
    sites = {s.id: s.name for s in study.list_sites(db)}
    codes_by_id = {p.id: p.code for p in study.list_participants(db)}
    facs = {f.id: f.code for f in study.list_facilitators(db)}
    rows = []
    steps = {p.session_id: p for p in progress.session_progress(db)}
    missing = progress.missing_audio(ws)
    for s in sessions.list_sessions(db):
        p = steps[s.id]
        rows.append([s.name, s.kind.value, sites.get(s.site_id, ""), s.date,
                     ",".join(codes_by_id[pid] for pid in s.participant_ids),
                     ",".join(facs[f] for f in s.facilitator_ids if f in facs),
                     progress.audio_text(p, missing.get(s.id, 0)),
                     str(p.words), p.coverage_text, f"{p.speakers_named}/{p.speakers}",
                     str(p.codings), p.next_step])
    if not rows:
        print("No sessions yet. Add one with: focusdesk session add NAME --kind focus-group")
        return 0
    print_table(rows, ["session", "kind", "site", "date", "participants", "facilitators", "audio", "words",
                       "speech covered", "named", "codings", "next step"])
    return 0
