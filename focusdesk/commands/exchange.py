"""export, export-study, import-transcript, import-qdpx and redaction commands.

`frame import/export` and `guide import` (in commands/study.py) call into the exchange layer for
.qdc and .docx files."""

from __future__ import annotations

import argparse
from pathlib import Path

from focusdesk.core.outline import frame_to_yaml
from focusdesk.exchange import exports
from focusdesk.exchange.redact import parse_entry, redaction_list, set_redaction_list
from focusdesk.exchange.session_data import ExportOptions
from focusdesk.exchange.transcript_import import FORMATS
from focusdesk.store import codes, sessions, transcripts


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=Path, required=True, metavar="PATH",
                   help="the file to write; '-' writes a text format to standard output")
    p.add_argument("--names", action="store_true", help="real names instead of pseudonyms")
    p.add_argument("--no-redact", action="store_true", help="do not apply the study's redaction list")
    p.add_argument("--no-media", action="store_true", help="qdpx: leave the audio out")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a session (docx, qdpx, srt, vtt, txt, md, csv, xlsx, maxqda, atlas, rttm)")
    p.add_argument("session")
    p.add_argument("--format", "-f", required=True, choices=exports.SESSION_FORMATS)
    _options(p)
    p.add_argument("--timestamps", choices=["turn", "interval", "none"], default="turn",
                   help="docx/txt/md: a timestamp on every turn, every --interval seconds, or none")
    p.add_argument("--interval", type=int, default=60, metavar="SECONDS")
    p.add_argument("--line-numbers", action="store_true", help="docx: number the lines")
    p.add_argument("--highlight", action="store_true", help="docx: shade coded words in the code's colour")
    p.add_argument("--no-notes", action="store_true", help="leave live notes out")
    p.set_defaults(func=export_cmd)

    p = sub.add_parser("export-study", help="export the whole study (qdpx, csv, xlsx)")
    p.add_argument("--format", "-f", required=True, choices=exports.STUDY_FORMATS)
    p.add_argument("--table", choices=["codings", "framework"], default="codings",
                   help="csv: the codings or the framework matrix")
    _options(p)
    p.set_defaults(func=export_study_cmd)

    p = sub.add_parser("import-transcript", help="attach a transcript (vtt, srt, docx, txt, MAXQDA) to a session")
    p.add_argument("file", type=Path)
    p.add_argument("--session", required=True)
    p.add_argument("--format", choices=FORMATS)
    p.add_argument("--replace", action="store_true", help="replace the session's transcript")
    p.set_defaults(func=import_transcript_cmd)

    p = sub.add_parser("import-turns", help="replace a session's speaker turns with an RTTM file's "
                       "and give the words their speakers again")
    p.add_argument("file", type=Path)
    p.add_argument("--session", required=True)
    p.add_argument("--uri", help="which recording of the file (when it holds several)")
    p.add_argument("--map", action="append", default=[], metavar="LABEL=PERSON",
                   help="give the file's speaker LABEL to a participant code or facilitator name "
                   "(repeat for each; labels that already are a code or name are mapped anyway)")
    p.set_defaults(func=import_turns_cmd)

    p = sub.add_parser("import-qdpx", help="import a REFI-QDA project (.qdpx or .qde)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=import_qdpx_cmd)

    p = sub.add_parser("redaction", help="the study-wide redaction list (names, places, organisations)")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s.add_parser("list", help="show the list").set_defaults(func=redaction_list_cmd)
    add = s.add_parser("add", help="add a term")
    add.add_argument("term")
    add.add_argument("--placeholder", default="", help="e.g. [PLACE] (default [NAME])")
    add.set_defaults(func=redaction_add_cmd)
    rm = s.add_parser("remove", help="remove a term")
    rm.add_argument("term")
    rm.set_defaults(func=redaction_remove_cmd)


def _opts(args) -> ExportOptions:
    return ExportOptions(names=args.names, redact=not args.no_redact,
                         timestamps=getattr(args, "timestamps", "turn"),
                         interval_s=getattr(args, "interval", 60),
                         line_numbers=getattr(args, "line_numbers", False),
                         highlight=getattr(args, "highlight", False),
                         notes=not getattr(args, "no_notes", False))


def _report(path: Path, warnings: list[str], args) -> None:
    print(f"Wrote {path}" + (" (real names)" if args.names else " (pseudonyms)")
          + ("" if not args.no_redact else ", redaction list NOT applied"))
    for w in warnings:
        print(f"warning: {w}")


def _to_stdout(args, ws, session_id: int | None) -> int:
    """``-o -``: the text on standard output, nothing else there (no 'Wrote' line)."""
    import sys

    sys.stdout.write(exports.as_text(ws, session_id, args.format, _opts(args),
                                     table=getattr(args, "table", "codings")))
    sys.stdout.flush()
    return 0


def export_cmd(args, ctx) -> int:
    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    if str(args.output) == "-":
        return _to_stdout(args, ws, session.id)
    warnings = exports.export_session(ws, session.id, args.format, args.output, _opts(args),
                                      include_media=not args.no_media)
    _report(args.output, warnings, args)
    return 0


def import_turns_cmd(args, ctx) -> int:
    from focusdesk.exchange.rttm import import_rttm

    mapping = {}
    for item in args.map:
        label, sep, person = item.partition("=")
        if not sep or not label.strip() or not person.strip():
            raise ValueError(f"--map takes LABEL=PERSON (e.g. --map spk1=P03), not {item!r}.")
        mapping[label.strip()] = person.strip()
    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    ids = import_rttm(ws.db, session.id, args.file, uri=args.uri, mapping=mapping)
    print(f"{len(ids)} speaker(s) from {args.file.name} in {session.name!r}: {', '.join(ids)}; "
          "the transcript's words have their speakers again.")
    names = transcripts.speaker_names(ws.db, session.id)
    named = [f"{label} is {names[sid]}" for label, sid in ids.items() if names.get(sid) not in (None, label)]
    if named:
        print("Named: " + "; ".join(named) + ".")
    return 0


def export_study_cmd(args, ctx) -> int:
    ws = ctx.open()
    if str(args.output) == "-":
        return _to_stdout(args, ws, None)
    warnings = exports.export_study(ws, args.format, args.output, _opts(args), table=args.table,
                                    include_media=not args.no_media)
    _report(args.output, warnings, args)
    return 0


def import_transcript_cmd(args, ctx) -> int:
    from focusdesk.exchange.transcript_import import import_transcript

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    result = import_transcript(ws, session.id, args.file, args.format, replace=args.replace)
    print(f"Imported {result.segments} segments into {session.name}; speakers: "
          f"{', '.join(result.speakers) or 'none'}")
    for w in result.warnings:
        print(f"warning: {w}")
    return 0


def import_qdpx_cmd(args, ctx) -> int:
    from focusdesk.exchange.refi_import import import_qdpx

    report = import_qdpx(ctx.open(), args.file)
    print(f"Imported {args.file.name}: {report.summary()}")
    for w in report.warnings:
        print(f"warning: {w}")
    return 0


def frame_export_cmd(args, ctx) -> int:
    from focusdesk.exchange.qdc import write_qdc
    from focusdesk.exchange.safe_write import write_text

    db = ctx.open().db
    if args.format == "qdc":
        write_qdc(db, args.output)
    else:
        nodes = codes.export_frame(db)
        if not nodes:
            raise ValueError("The coding frame is empty; there is nothing to export.")
        write_text(args.output, frame_to_yaml(nodes))
    print(f"Wrote {args.output}")
    return 0


def redaction_list_cmd(args, ctx) -> int:
    entries = redaction_list(ctx.open().db)
    if not entries:
        print("The redaction list is empty. Add a term with: focusdesk redaction add TERM")
    for e in entries:
        term, placeholder = parse_entry(e)
        print(f"{term} => {placeholder}")
    return 0


def redaction_add_cmd(args, ctx) -> int:
    db = ctx.open().db
    entries = [e for e in redaction_list(db) if parse_entry(e)[0].casefold() != args.term.strip().casefold()]
    entries.append(f"{args.term.strip()} => {args.placeholder}" if args.placeholder else args.term.strip())
    set_redaction_list(db, entries)
    print(f"Added {args.term!r} to the redaction list ({len(entries)} terms)")
    return 0


def redaction_remove_cmd(args, ctx) -> int:
    db = ctx.open().db
    before = redaction_list(db)
    entries = [e for e in before if parse_entry(e)[0].casefold() != args.term.strip().casefold()]
    if len(entries) == len(before):
        raise LookupError(f"{args.term!r} is not on the redaction list.")
    set_redaction_list(db, entries)
    print(f"Removed {args.term!r} from the redaction list")
    return 0
