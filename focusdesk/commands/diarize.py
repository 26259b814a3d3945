"""``focusdesk diarize SESSION`` (who spoke when) and ``focusdesk speakers --session NAME``."""

from __future__ import annotations

import argparse
import sys

from focusdesk.commands._common import print_table
from focusdesk.core.timefmt import format_ms


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diarize", help="find who spoke when in a session's recordings, offline",
                       description="Find the voices in a session's recordings (S1, S2, ...) and give "
                       "every transcript word its speaker; segments that span a change of speaker "
                       "are split at that word. The number of participants and facilitators of "
                       "the session bounds the count unless --speakers sets it. An enrolled "
                       "facilitator's voice is recognised.")
    p.add_argument("session", help="session name (or id)")
    p.add_argument("--speakers", type=int, metavar="N", help="exactly N voices (overrides the estimate)")
    p.add_argument("--channels", action="store_true",
                   help="one speaker per channel (telephone set-up, a microphone per person); no model")
    p.add_argument("--resume", action="store_true",
                   help="skip recordings already done (after an interrupted run of a session with "
                   "several recordings)")
    p.add_argument("--setting", choices=("auto", "overlap", "fast", "windows"),
                   help="auto (default): the overlap-aware model, or its faster step when this "
                   "computer is too slow for it; overlap / fast: that one; windows: the engine of "
                   "before (one voice at a time)")
    p.add_argument("--merge-only", action="store_true",
                   help="re-apply the stored speaker turns to the transcript (after a new transcription)")
    p.set_defaults(func=diarize_cmd)

    p = sub.add_parser("speakers", help="a session's voices: label, talk time, who they are")
    p.add_argument("--session", required=True)
    p.add_argument("--enrol", metavar="LABEL",
                   help="keep this speaker's voice as its mapped person's voice print, so later "
                   "sessions recognise them (map it first: focusdesk speaker assign)")
    p.set_defaults(func=speakers_cmd)


def diarize_cmd(args, ctx) -> int:
    from focusdesk.diarize import service
    from focusdesk.store import diarization, sessions

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    if args.merge_only:
        if not diarization.session_turns(ws.db, session.id):
            raise ValueError(f"Session {session.name!r} has not been diarized yet; run "
                             f"'focusdesk diarize \"{session.name}\"' first.")
        n = diarization.merge_into_transcript(ws.db, session.id)
        print(f"{n} transcript segment(s) given their speaker.")
        return 0
    from focusdesk.jobs.progress import ProgressBar
    from focusdesk.jobs.session_job import JobOutcome, run_session_job

    job = service.SessionDiarization(ws, session.id, num_speakers=args.speakers,
                                     channels=args.channels, resume=args.resume,
                                     setting=args.setting)
    bar = ProgressBar()
    try:
        result = run_session_job(job, bar.show)
    finally:
        bar.close()
    if result.outcome is JobOutcome.CANCELLED:
        print("focusdesk: cancelled" + ("; completed recordings are kept (--resume does the rest)."
                                        if job.stored else "."), file=sys.stderr)
        return 130
    if result.outcome is not JobOutcome.DONE:
        raise ValueError(f"Diarization failed: {result.error}. Completed recordings are kept; run "
                         "the command again with --resume to do only the rest.") from result.error
    report = job.report
    print(f"{report.speakers} voice(s) in {report.recordings} recording(s) of {session.name!r}.")
    if report.taps is not None:
        from focusdesk.commands.taps import print_mapping

        print_mapping(report.taps)
    for _sid, name in report.recognised:
        print(f"Recognised the enrolled voice of {name}.")
    _print_speakers(ws.db, session.id)
    if report.speakers:
        print("Map voices to people: focusdesk speaker assign ... (or the Speakers panel).")
    return 0


def _print_speakers(db, session_id: int) -> None:
    from focusdesk.store import diarization

    rows = []
    for s in diarization.summarise(db, session_id):
        sample = f"{format_ms(s.sample[1])}-{format_ms(s.sample[2])}" if s.sample else "-"
        who = s.name if s.person else "(not mapped)"
        rows.append([s.speaker.label, who, s.person or "-", format_ms(s.talk_ms), f"{s.share * 100:.0f}%", sample])
    if not rows:
        print("No speakers yet. Run: focusdesk diarize SESSION")
        return
    print_table(rows, ["label", "person", "role", "talk time", "share", "longest turn"])


def speakers_cmd(args, ctx) -> int:
    from focusdesk.store import diarization, sessions
    from focusdesk.store.speaker_ops import resolve_speaker

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    if args.enrol:
        sp = resolve_speaker(ws.db, session.id, args.enrol)
        if not sp.participant_id and not sp.facilitator_id:
            raise ValueError(f"{sp.label} is not mapped to anyone yet; map it first "
                             f"(focusdesk speaker assign), then enrol.")
        diarization.enrol_voice(ws.db, sp.id, facilitator_id=sp.facilitator_id,
                                participant_id=sp.participant_id)
        print(f"Enrolled the voice of {sp.label}; later sessions will recognise it.")
    _print_speakers(ws.db, session.id)
    return 0
