"""devices, record, mark, markers and recover: the live session from the command line."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from focusdesk.commands._common import print_table
from focusdesk.core.live import CONSENT_TAG
from focusdesk.core.model import Marker
from focusdesk.core.timefmt import format_ms
from focusdesk.store import annotations, guide, sessions


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devices", help="list audio inputs")
    p.set_defaults(func=devices_cmd)

    p = sub.add_parser("record", help="record a session from an audio input (headless)")
    p.add_argument("--session", required=True, help="session name (or id)")
    p.add_argument("--duration", type=float, metavar="SECONDS",
                   help="stop after this many seconds (default: until Ctrl+C)")
    p.add_argument("--device", help="input device: index, (part of) its name, or a PulseAudio source "
                   "such as the monitor a call plays on ('focusdesk devices' lists them; "
                   "default: the system's default input)")
    p.add_argument("--channels", type=int, default=1, help="channels to record (default 1)")
    p.add_argument("--rate", type=int, default=48000, help="sample rate in Hz (default 48000)")
    p.add_argument("--reserve-mb", type=float, default=32, metavar="MB",
                   help="stop cleanly when less than this is free on the disk (default 32)")
    p.add_argument("--live", action="store_true",
                   help="transcribe while recording and print captions as they arrive; after "
                   "the stop the rest is transcribed before the command ends")
    p.add_argument("--model", default=None,
                   help="with --live: model name or path (default: the bundled tiny.en)")
    p.add_argument("--engine", default="auto", choices=["auto", "faster", "openai"],
                   help="with --live: transcription engine (default auto)")
    p.set_defaults(func=record_cmd)

    p = sub.add_parser("mark", help="add a marker to a session's timeline")
    p.add_argument("--session", required=True)
    p.add_argument("--at", required=True, metavar="SECONDS", help="media time: seconds or HH:MM:SS")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--guide-item", metavar="ID", help="topic-guide item id, e.g. intro.q1")
    what.add_argument("--tag", metavar="T", help="a quick tag, e.g. 'key quote'")
    p.add_argument("--note", help="free text")
    p.set_defaults(func=mark_cmd)

    p = sub.add_parser("markers", help="list a session's markers")
    p.add_argument("--session", required=True)
    p.set_defaults(func=markers_cmd)

    p = sub.add_parser("recover", help="repair recordings interrupted by a crash")
    p.set_defaults(func=recover_cmd)


def devices_cmd(args, ctx) -> int:
    from focusdesk.audio.capture import NO_DEVICE_HELP, list_input_devices

    devices = list_input_devices()
    if not devices:
        print(f"focusdesk: no audio input device was found. {NO_DEVICE_HELP}", file=sys.stderr)
        return 1
    print_table([[str(d.index), ("* " if d.is_default else "  ") + d.name, d.hostapi, str(d.channels),
                  str(d.default_rate)] for d in devices],
                ["#", "  input (* default)", "system", "channels", "rate"])
    return 0


def _report_recovered(ws) -> None:
    from focusdesk.audio.recovery import recover_interrupted

    for item in recover_interrupted(ws):
        print(f"Recovered: {item.describe()}", flush=True)


def recover_cmd(args, ctx) -> int:
    from focusdesk.audio.recovery import recover_interrupted

    found = recover_interrupted(ctx.open())
    for item in found:
        print(item.describe())
    if not found:
        print("No interrupted recordings.")
    return 0


class _Stop(Exception):
    pass


def _on_term(signum, frame):
    raise _Stop()


def record_cmd(args, ctx) -> int:
    from focusdesk.audio.capture import CaptureError, NoInputDevice, minutes_left, resolve_device
    from focusdesk.audio.recorder import SessionRecorder

    if args.duration is not None and args.duration <= 0:
        raise ValueError("--duration must be a positive number of seconds.")
    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    _report_recovered(ws)
    try:
        device = resolve_device(args.device)
        recorder = SessionRecorder(ws, session.id, device, rate=args.rate, channels=args.channels,
                                   min_free_bytes=int(args.reserve_mb * 1_000_000))
    except (NoInputDevice, CaptureError) as exc:
        print(f"focusdesk: {exc}", file=sys.stderr)
        return 2
    free, minutes = minutes_left(ws.session_dir(session.id), args.rate, args.channels)
    live = _start_live(ws, session.id, args, recorder) if args.live else None
    previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        try:
            take = recorder.start()
        except (NoInputDevice, CaptureError) as exc:
            if live is not None:
                live.cancel()
            print(f"focusdesk: {exc}", file=sys.stderr)
            return 2
        print(f"Recording {session.name!r} from {device.name} at {args.rate} Hz, {args.channels} "
              f"channel(s) to {take.path} (starts at {format_ms(take.offset_ms)} on the session "
              f"timeline; disk space for {minutes:.0f} minutes). Ctrl+C stops.", flush=True)
        error = _record_loop(recorder, args.duration, live)
    except (KeyboardInterrupt, _Stop):
        error = None
    finally:
        takes = recorder.stop()
        signal.signal(signal.SIGTERM, previous)
    for rec in takes:
        print(f"Saved {format_ms(rec.duration_ms, millis=True)} to {rec.path} "
              f"(dropped blocks: {rec.dropped_blocks}).", flush=True)
    if live is not None:
        _finish_live(live)
    if error:
        print(f"focusdesk: {error} The recording so far is kept in the session.", file=sys.stderr)
        return 1
    return 0


def _start_live(ws, session_id: int, args, recorder):
    """The live transcript: a job beside the recorder, told about takes as they open and close."""
    from focusdesk.jobs.session_job import BackgroundJob
    from focusdesk.transcribe.live_service import LiveTranscription
    from focusdesk.transcribe.types import DEFAULT_MODEL, Settings

    job = LiveTranscription(ws, session_id, Settings(engine=args.engine,
                                                     model=args.model or DEFAULT_MODEL))
    job.on_caption = _print_caption
    recorder.listener = job
    return BackgroundJob(job).start()


def _print_caption(caption) -> None:
    """``» 00:01:02  text`` once stored; ``~ 00:01:02  text`` for the unfinished tail."""
    mark = "~" if caption.provisional else "»"
    print(f"{mark} {format_ms(caption.start_ms)}  {caption.text}", flush=True)


def _finish_live(live) -> None:
    """After the stop: the tail is transcribed (Ctrl+C leaves it for 'focusdesk transcribe')."""
    job = live.run.job
    job.stop()
    print(f"Finishing the live transcript ({job.behind_s:.0f} s of audio left)…", flush=True)
    try:
        result = live.wait()
    except KeyboardInterrupt:
        result = live.cancel()
    if result is not None:
        print(result.message, flush=True)


def _record_loop(recorder, duration: float | None, live=None) -> str | None:
    started = time.monotonic()
    next_report = started + 1.0
    while True:
        time.sleep(0.1)
        error = recorder.poll()
        if error:
            return error
        if live is not None and live.pump() is not None:
            print(f"focusdesk: the live transcript stopped: {live.run.result.message}",
                  file=sys.stderr, flush=True)
            live = None
        now = time.monotonic()
        if now >= next_report:
            next_report += 1.0
            levels = recorder.capture.levels.read()
            peaks = " ".join(f"{p:.0f}" for p in levels.peak_db)
            clip = "  CLIPPING" if any(levels.clipped) else ""
            behind = ""
            if live is not None:
                from focusdesk.transcribe.live_service import catching_up

                behind = f"  live: {catching_up(live.run.job.behind_s)}" if catching_up(
                    live.run.job.behind_s) else ""
            print(f"recording {recorder.recorded_ms() / 1000:.1f} s  peak {peaks} dBFS  "
                  f"dropped {recorder.capture.dropped_blocks}{clip}{behind}", flush=True)
        if duration is not None and recorder.recorded_ms() >= duration * 1000:
            return None


def mark_cmd(args, ctx) -> int:
    from focusdesk.core.timefmt import parse_time

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    ms = parse_time(args.at)
    if ms < 0:
        raise ValueError("--at must not be negative.")
    if args.guide_item:
        item = guide.load_guide(ws.db).find(args.guide_item)
        if item is None:
            keys = ", ".join(i.key for i in guide.load_guide(ws.db).walk()) or "none (import a guide)"
            raise LookupError(f"No topic-guide item {args.guide_item!r}. Items: {keys}.")
    tag = args.tag.strip() if args.tag else None
    if args.tag is not None and not tag:
        raise ValueError("--tag must not be empty.")
    m = annotations.add_marker(ws.db, Marker(session_id=session.id, ms=ms,
                                             guide_item_key=args.guide_item, tag=tag,
                                             note=args.note))
    print(f"Marked {format_ms(m.ms, millis=True)} in {session.name!r} (marker {m.id}).")
    return 0


def markers_cmd(args, ctx) -> int:
    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    items = {i.key: i for i in guide.load_guide(ws.db).walk()}
    rows = []
    for m in annotations.list_markers(ws.db, session.id):
        what = ""
        if m.guide_item_key:
            item = items.get(m.guide_item_key)
            what = f"{m.guide_item_key}: {item.text}" if item else m.guide_item_key
        elif m.tag:
            what = "consent recorded" if m.tag == CONSENT_TAG else f"#{m.tag}"
        rows.append([format_ms(m.ms, millis=True), what[:70], m.note or ""])
    if not rows:
        print(f"No markers in {session.name!r} yet.")
        return 0
    print_table(rows, ["time", "marker", "note"])
    return 0
