"""study, guide, frame and import-audio commands (people, sites and sessions: ``people.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from focusdesk.audio.media import AlreadyImportedError, import_audio_file
from focusdesk.commands import merge, protect
from focusdesk.core.model import Study
from focusdesk.core.outline import (
    frame_to_markdown,
    frame_to_yaml,
    guide_to_markdown,
)
from focusdesk.core.timefmt import format_ms
from focusdesk.exchange.outline_import import import_frame_file, import_guide_file
from focusdesk.store import codes, guide, sessions, study, transcripts


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="create or show the study")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = s.add_parser("init", help="create a study in the workspace")
    init.add_argument("--title", required=True)
    init.add_argument("--description", default="")
    init.add_argument("--protect", action="store_true",
                      help="encrypt the study with a passphrase (from --passphrase-file or asked); "
                      "prints a recovery key once")
    init.set_defaults(func=study_init)
    s.add_parser("show", help="summary of the study").set_defaults(func=study_show)
    merge.register_copy_for(s)
    protect.register_actions(s)
    demo = s.add_parser("demo", help="build the demo study in its own folder: 2 sites, 11 participants, "
                        "4 recorded sessions, transcribed, speakers named, coded (offline, about 2 minutes)")
    demo.add_argument("--folder", type=Path, metavar="DIR",
                      help="where to build it (default: $FOCUSDESK_DEMO or 'demo' in your data folder); "
                      "a demo already there is replaced")
    demo.add_argument("--only", metavar="SESSION", action="append",
                      help="record and process only this session (repeat; a quicker check)")
    demo.add_argument("--plain", action="store_true",
                      help="instead, fill the empty workspace with the demo's people, sessions, guide "
                      "and frame only (no recordings), in seconds")
    demo.set_defaults(func=study_demo)

    p = sub.add_parser("guide", help="the topic guide")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = s.add_parser("import", help="import a topic guide from YAML, Markdown or Word (.docx)")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=guide_import)
    show = s.add_parser("show", help="print the topic guide")
    show.add_argument("--format", choices=["text", "md"], default="text")
    show.set_defaults(func=guide_show)

    p = sub.add_parser("frame", help="the coding frame")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = s.add_parser("import", help="import a coding frame from YAML, Markdown or a REFI-QDA codebook (.qdc)")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=frame_import)
    exp = s.add_parser("export", help="export the coding frame as a REFI-QDA codebook, YAML or Markdown")
    exp.add_argument("--format", "-f", choices=["qdc", "yaml", "md"], required=True)
    exp.add_argument("-o", "--output", type=Path, required=True, metavar="PATH")
    exp.set_defaults(func=frame_export)
    show = s.add_parser("show", help="print the coding frame")
    show.add_argument("--format", choices=["text", "yaml", "md"], default="text")
    show.set_defaults(func=frame_show)

    p = sub.add_parser("import-audio", help="copy an audio or video file into a session")
    p.add_argument("file", type=Path)
    p.add_argument("--session", required=True)
    p.add_argument("--again", action="store_true",
                   help="import a file the study already holds (by checksum) once more")
    p.set_defaults(func=import_audio)


def study_init(args, ctx) -> int:
    if args.protect and not protect.keyfile.is_protected(ctx.workspace_path):
        if (ctx.workspace_path / "focusdesk.sqlite").is_file():  # an empty one may be converted
            existing = study.get_study(ctx.open().db)
            ctx.close()
            if existing:
                print(f"Study already exists in {ctx.workspace_path}: {existing.title!r} (protect it "
                      "with 'focusdesk study protect', or use --workspace for a new one)")
                return 1
        protect.init_protected(ctx)
    ws = ctx.open()
    existing = study.get_study(ws.db)
    if existing:
        print(f"Study already exists in {ws.root}: {existing.title!r} (use --workspace for a new one)")
        return 1
    study.save_study(ws.db, Study(title=args.title, description=args.description))
    print(f"Created study {args.title!r} in {ws.root}")
    return 0


def study_demo(args, ctx) -> int:
    if args.plain:
        from focusdesk.store.demo import create_demo_study

        ws = ctx.open()
        create_demo_study(ws)
        print(f"Created the demo study in {ws.root}")
        return 0
    from focusdesk.demo.build import build_demo, demo_folder
    from focusdesk.jobs.progress import ProgressBar
    from focusdesk.jobs.session_job import Progress

    folder = args.folder or demo_folder()
    bar = ProgressBar()
    try:
        report = build_demo(folder, lambda fraction, text: bar.show(Progress(fraction, None, text)),
                            only=args.only)
    finally:
        bar.close()
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.steps.items())
    print(f"Built the demo study in {report.folder} in {report.seconds:.0f} s ({steps}; "
          f"{format_ms(report.audio_ms)} of audio).")
    print(f"Open it: focusdesk --workspace {report.folder}")
    return 0


def study_show(args, ctx) -> int:
    ws = ctx.open()
    st = study.get_study(ws.db)
    if st is None:
        print(f"No study in {ws.root} yet. Create one with: focusdesk study init --title TITLE")
        return 1
    db = ws.db
    sites = {s.id: s.name for s in study.list_sites(db)}
    print(f"Study: {st.title}")
    if st.description:
        print(st.description)
    print(f"Workspace: {ws.root}")
    print("Protection: " + ("protected with a passphrase (database and media encrypted)"
                            if ws.protected else "not protected (study protect encrypts it)"))
    print(f"Sites: {', '.join(sites.values()) or 'none'}")
    parts = study.list_participants(db)
    print(f"Participants ({len(parts)}):")
    for p in parts:
        attrs = ", ".join(f"{k}={v}" for k, v in p.attributes.items())
        print(f"  {p.code:6} {sites.get(p.site_id, '-'):12} {p.role:16} {attrs}".rstrip())
    sess = sessions.list_sessions(db)
    print(f"Sessions ({len(sess)}):")
    missing = []
    for s in sess:
        print(f"  {s.name} ({s.kind.label}, {sites.get(s.site_id, 'no site')}, {s.date or 'no date'})")
        missing += [r.path for r in transcripts.list_recordings(db, s.id)
                    if not ws.resolve(r.path).is_file()]
    n_items = sum(1 for _ in guide.load_guide(db).walk())
    print(f"Topic guide: {n_items} items; coding frame: {len(codes.list_codes(db))} codes")
    if missing:
        print(f"Audio missing: {len(missing)} recording file(s) are not in {ws.media_root} "
              f"({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}). Put them back from "
              "a copy; transcripts and codings are kept.")
    return 0


def guide_import(args, ctx) -> int:
    g = import_guide_file(ctx.open().db, args.file)
    n_q = sum(len(s.children) for s in g.sections)
    print(f"Imported topic guide {g.title!r}: {len(g.sections)} sections, {n_q} questions")
    return 0


def guide_show(args, ctx) -> int:
    g = guide.load_guide(ctx.open().db)
    if not g.sections:
        print("No topic guide yet. Import one with: focusdesk guide import FILE")
        return 0
    if args.format == "md":
        print(guide_to_markdown(g), end="")
        return 0
    print(g.title)
    for s in g.sections:
        mins = f" ({s.planned_minutes:g} min)" if s.planned_minutes is not None else ""
        print(f"[{s.key}] {s.text}{mins}")
        for q in s.children:
            print(f"  [{q.key}] {q.text}")
            for p in q.children:
                print(f"      - {p.text}")
    return 0


def frame_import(args, ctx) -> int:
    added = import_frame_file(ctx.open().db, args.file)
    kind = "codebook" if args.file.suffix.lower() == ".qdc" else "coding frame from"
    print(f"Imported {kind} {args.file.name}: {added} new codes")
    return 0


def frame_export(args, ctx) -> int:
    if args.format != "md":
        from focusdesk.commands.exchange import frame_export_cmd

        return frame_export_cmd(args, ctx)
    from focusdesk.exchange.safe_write import write_text

    nodes = codes.export_frame(ctx.open().db)
    if not nodes:
        raise ValueError("The coding frame is empty; there is nothing to export.")
    write_text(args.output, frame_to_markdown(nodes))
    print(f"Wrote {args.output}")
    return 0


def frame_show(args, ctx) -> int:
    db = ctx.open().db
    nodes = codes.export_frame(db)
    if not nodes:
        print("No coding frame yet. Import one with: focusdesk frame import FILE")
        return 0
    if args.format == "yaml":
        print(frame_to_yaml(nodes), end="")
    elif args.format == "md":
        print(frame_to_markdown(nodes), end="")
    else:
        for path, node in (item for n in nodes for item in n.walk()):
            depth = path.count("/")
            print("  " * depth + f"{node.name} {node.colour}".rstrip())
    return 0


def import_audio(args, ctx) -> int:
    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    warnings: list[str] = []
    try:
        rec = import_audio_file(ws, session.id, args.file, again=args.again, warnings=warnings)
    except AlreadyImportedError as exc:
        raise ValueError(str(exc).replace("import it again and confirm",
                                          "run the same command with --again")) from exc
    print(f"Imported {args.file.name} into {session.name}: {format_ms(rec.duration_ms)}, "
          f"{rec.sample_rate} Hz, {rec.channels} channel(s) (recording {rec.id})")
    for w in warnings:
        print(f"warning: {w}")
    return 0
