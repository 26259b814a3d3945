"""transcribe, transcribe-file and models commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from focusdesk.commands._common import print_table
from focusdesk.core.speech_cover import Stretch
from focusdesk.core.timefmt import format_ms
from focusdesk.transcribe.types import DEFAULT_MODEL, ENGINES, VAD_THRESHOLD, Settings


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="faster (faster-whisper, default for CTranslate2 models) or openai (openai-whisper)")
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"model name or path (default: the bundled {DEFAULT_MODEL}); see: focusdesk models list")
    p.add_argument("--language", default=None, help="language code, e.g. en (default: detect)")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    p.add_argument("--compute-type", default="auto", help="faster engine: int8, float32, float16 ...")
    p.add_argument("--beam-size", type=int, default=None,
                   help="1 = greedy; default: 1 for the faster engine, 5 for openai (as the whisper command)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: the engine's)")
    p.add_argument("--no-vad", action="store_true", help="do not skip non-speech (not recommended)")
    p.add_argument("--vad-threshold", type=float, default=VAD_THRESHOLD, metavar="P",
                   help=f"speech-detection threshold, 0-1; lower hears quieter voices (default {VAD_THRESHOLD})")
    p.add_argument("--window", type=float, default=300.0, metavar="SECONDS",
                   help="audio processed at once; memory grows with it (default 300)")
    p.add_argument("--per-channel", action="store_true",
                   help="transcribe each channel on its own (one speaker per channel)")
    p.add_argument("--vocabulary-prompt", action="store_true",
                   help="also give the vocabulary to the model as a prompt (helps large models; "
                   "makes tiny models skip conversational speech)")


def _settings(args) -> Settings:
    return Settings(engine=args.engine, model=args.model, language=args.language, device=args.device,
                    compute_type=args.compute_type, beam_size=args.beam_size, threads=args.threads,
                    vad=not args.no_vad, vad_threshold=args.vad_threshold, window_s=args.window, per_channel=args.per_channel,
                    vocabulary_prompt=args.vocabulary_prompt,
                    vocabulary=[v.strip() for v in (getattr(args, "vocabulary", "") or "").split(",")
                                if v.strip()])


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="transcribe a session's recordings into the study "
                       "(resumes after an interruption)")
    p.add_argument("session", help="session name")
    _engine_options(p)
    p.add_argument("--vocabulary", default="", help="comma-separated names and jargon, spelled the "
                   "study's way in the transcript (added to the study's vocabulary and site names)")
    p.add_argument("--restart", action="store_true",
                   help="discard this session's Whisper segments and transcribe from the start")
    fill = p.add_mutually_exclusive_group()
    fill.add_argument("--stretch", action="append", default=[], metavar="HH:MM:SS-HH:MM:SS",
                      help="transcribe just this stretch again with more sensitive settings "
                      "(new words are flagged for review); may be given more than once")
    fill.add_argument("--fill-gaps", action="store_true",
                      help="transcribe every stretch of detected speech without words again "
                      "(see: focusdesk speech-coverage SESSION)")
    p.set_defaults(func=transcribe_cmd)

    p = sub.add_parser("speech-coverage", help="how much of a session's detected speech has words, and "
                       "the stretches without")
    p.add_argument("session", help="session name")
    p.set_defaults(func=coverage_cmd)

    p = sub.add_parser("transcribe-file", help="print the transcript of an audio file (no study needed)")
    p.add_argument("file", type=Path)
    _engine_options(p)
    p.add_argument("--vocabulary", default="", help="comma-separated names and jargon, spelled this "
                   "way in the transcript")
    p.add_argument("--channel", type=int, default=None, help="transcribe only this channel (1-based)")
    p.add_argument("--format", choices=["txt", "json", "vtt"], default="txt")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=transcribe_file_cmd)

    p = sub.add_parser("models", help="list or download Whisper models")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s.add_parser("list", help="models available offline").set_defaults(func=models_list)
    d = s.add_parser("download", help="download a model by name (needs the internet, once)")
    d.add_argument("name", help="e.g. small, base.en, large-v3")
    d.set_defaults(func=models_download)


def _job_error(exc: BaseException) -> int:
    from focusdesk.jobs.session_job import JobOutcome, outcome_of

    outcome = outcome_of(exc)
    if outcome is JobOutcome.CANCELLED:
        print("focusdesk: cancelled", file=sys.stderr)
        return 130
    if outcome is JobOutcome.INTERRUPTED:
        print(f"focusdesk: {exc} What was transcribed so far is kept.", file=sys.stderr)
        return 1
    print(f"focusdesk: {exc}", file=sys.stderr)
    return 2


def transcribe_cmd(args, ctx) -> int:
    from focusdesk.jobs.progress import ProgressBar
    from focusdesk.jobs.session_job import JobOutcome, run_session_job
    from focusdesk.store import sessions
    from focusdesk.transcribe.service import SessionTranscription

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    if args.stretch or args.fill_gaps:
        if args.restart:
            raise ValueError("--restart transcribes everything again; it cannot go with "
                             "--stretch or --fill-gaps.")
        return _fill(ws, session, args)
    job = SessionTranscription(ws, session.id, _settings(args), restart=args.restart)
    for note in job.skipped:
        print(f"Skipped {note}.")
    if not job.tasks:
        print(f"Nothing to transcribe in {session.name}. Use --restart to transcribe it again.")
        return 0
    if job.resumed:
        where = ", ".join(f"{Path(t.recording.path).name} at {format_ms(t.start_ms)}"
                          for t in job.tasks if t.start_ms)
        print(f"Resuming after the last stored segment: {where}")
    bar = ProgressBar()
    try:
        result = run_session_job(job, bar.show)
    finally:
        bar.close()
    if isinstance(result.error, KeyboardInterrupt):
        print(f"focusdesk: interrupted; {job.stored} segment(s) stored. Run the same command "
              "again to resume.", file=sys.stderr)
        return 130
    if result.outcome is not JobOutcome.DONE:
        return _job_error(result.error)
    info = job.engine_info
    print(f"Transcribed {session.name}: {job.stored} segment(s) with {info.get('engine')} / "
          f"{info.get('model')}; {job.low_confidence} low-confidence word(s) to review.")
    if job.stored == 0 and not job.resumed:
        print(f"warning: no words were found in {session.name}'s audio. Check that it plays and "
              "holds speech (a file cut short or damaged decodes to silence); 'focusdesk "
              "speech-coverage' shows what speech was detected.")
    return 0


def parse_stretch(text: str) -> Stretch:
    """``HH:MM:SS-HH:MM:SS`` (or MM:SS, seconds; decimals allowed) as session milliseconds."""
    from focusdesk.core.timefmt import parse_time

    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError
        a, b = parse_time(start.strip()), parse_time(end.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a stretch; write it as HH:MM:SS-HH:MM:SS, "
                         "e.g. 00:12:04-00:12:10.") from None
    if b <= a:
        raise ValueError(f"The stretch {text!r} ends before it starts.")
    return Stretch(a, b)


def _fill(ws, session, args) -> int:
    from focusdesk.jobs.progress import ProgressBar
    from focusdesk.jobs.session_job import JobOutcome, run_session_job
    from focusdesk.transcribe.fill_service import StretchFill, untranscribed

    stretches = ([parse_stretch(t) for t in args.stretch] if args.stretch
                 else untranscribed(ws, session.id))
    if not stretches:
        print(f"{session.name} has no untranscribed speech to fill.")
        return 0
    job = StretchFill(ws, session.id, stretches, _settings(args))
    bar = ProgressBar()
    try:
        result = run_session_job(job, bar.show)
    finally:
        bar.close()
    print(result.message)
    return 0 if result.outcome is JobOutcome.DONE else _job_error(result.error)


def coverage_cmd(args, ctx) -> int:
    from focusdesk.store import sessions
    from focusdesk.store.speech_regions import session_coverage

    ws = ctx.open()
    session = sessions.session_by_name(ws.db, args.session)
    cov = session_coverage(ws.db, session.id)
    if cov.share is None:
        print(f"{session.name}: no detected speech stored. Transcribe it (again, with --restart, "
              "if it was transcribed before this version) to measure coverage.")
        return 0
    print(f"{session.name}: {cov.share:.0%} of {format_ms(cov.speech_ms)} of detected speech has "
          f"words; {len(cov.stretches)} stretch(es) without.")
    if cov.stretches:
        print_table([[format_ms(st.start_ms), format_ms(st.end_ms), f"{st.duration_ms / 1000:.0f} s"]
                     for st in cov.stretches], ["from", "to", "length"])
        print(f"Transcribe them again with: focusdesk transcribe {session.name!r} --fill-gaps")
    return 0


def transcribe_file_cmd(args, ctx) -> int:
    from focusdesk.audio.probe import probe_audio
    from focusdesk.jobs.progress import ProgressBar
    from focusdesk.jobs.runner import JobCancelled, JobCrashed, JobError, run_job
    from focusdesk.transcribe.job import WORKER

    settings = _settings(args)
    info = probe_audio(args.file)
    if args.channel is not None:
        if not 1 <= args.channel <= info.channels:
            raise ValueError(f"{args.file.name} has {info.channels} channel(s); --channel must be "
                             f"between 1 and {info.channels}.")
        channels: list[int | None] = [args.channel - 1]
    elif settings.per_channel and info.channels > 1:
        channels = list(range(info.channels))
    else:
        channels = [None]
    tasks = [{"path": str(args.file), "channel": ch, "start_s": 0.0,
              "duration_s": info.duration_ms / 1000} for ch in channels]
    segments: list[dict] = []
    result: dict = {"file": str(args.file), "duration_ms": info.duration_ms}
    bar = ProgressBar() if not args.quiet else None

    def handle(m: dict) -> None:
        if m["type"] == "segment":
            segments.append(m)
        elif m["type"] == "engine":
            result.update(engine=m["engine"], model=m["model"])
        elif m["type"] == "language":
            result["language"] = m["language"]
        if bar:
            bar.message(m)

    try:
        run_job(WORKER, {"settings": settings.to_dict(), "tasks": tasks}, handle)
    except (JobError, JobCrashed, JobCancelled) as exc:
        if bar:
            bar.close()
        return _job_error(exc)
    if bar:
        bar.close()
    for m in segments:
        m["channel"] = channels[m["task"]]
    segments.sort(key=lambda m: (m["start"], m["task"]))
    print(render(segments, args.format, result, multi=len(channels) > 1), end="")
    return 0


def _label(m: dict, multi: bool) -> str:
    return f"[channel {m['channel'] + 1}] " if multi and m.get("channel") is not None else ""


def _vtt_time(seconds: float) -> str:
    return format_ms(int(round(seconds * 1000)), millis=True)


def render(segments: list[dict], fmt: str, info: dict, multi: bool = False) -> str:
    if fmt == "json":
        out = dict(info, segments=[{
            "start": round(m["start"], 3), "end": round(m["end"], 3), "text": m["text"],
            "channel": m.get("channel"),
            "words": [{"start": round(w[0], 3), "end": round(w[1], 3), "word": w[2],
                       "probability": round(w[3], 4)} for w in m["words"]]} for m in segments])
        return json.dumps(out, ensure_ascii=False, indent=2) + "\n"
    if fmt == "vtt":
        lines = ["WEBVTT", ""]
        for m in segments:
            lines += [f"{_vtt_time(m['start'])} --> {_vtt_time(m['end'])}",
                      _label(m, multi) + m["text"], ""]
        return "\n".join(lines)
    return "".join(f"{_label(m, multi)}{m['text']}\n" for m in segments)


def models_list(args, ctx) -> int:
    from focusdesk.transcribe.models import cache_root, list_models

    rows = []
    for ref in list_models():
        lang = "English" if ref.english_only else "multilingual"
        rows.append([ref.name, f"{ref.size_bytes / 1e6:.0f} MB", ",".join(ref.engines), lang,
                     ref.source, str(ref.path)])
    print_table(rows, ["model", "size", "engines", "language", "source", "path"])
    print(f"\nModel cache: {cache_root()}. Get more with: focusdesk models download NAME (needs the "
          "internet once).")
    return 0


def models_download(args, ctx) -> int:
    from focusdesk.transcribe.models import download_model

    print(f"Downloading {args.name} from huggingface.co …", file=sys.stderr)
    ref = download_model(args.name)
    print(f"Downloaded {ref.name} to {ref.path} ({ref.size_bytes / 1e6:.0f} MB)")
    return 0
