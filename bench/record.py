"""Benchmark: a long 48 kHz stereo recording from a null sink while the main thread is busy.

Targets (issue 4): 0 dropped blocks, recorder CPU under 5% of one core.

    .venv/bin/python bench/record.py --seconds 600
    .venv/bin/python bench/record.py --seconds 60 --latency high   # compare input buffer sizes
    .venv/bin/python bench/record.py --seconds 600 --live   # real speech, live transcript (issue 13)

With ``--live`` the sink plays the reference clips of ../shared/data/audio (JFK, LibriSpeech, the
telephone call) in a loop instead of a tone, and the live transcriber runs beside the recorder
(its messages stored on the busy main thread, as the console does): see bench/live_figures.py.

It starts a private PulseAudio server (tests/pulse.py), plays a tone into its null sink, and
records it with focusdesk's SessionRecorder into a temporary study while the main thread runs a
pure-Python loop (holding the GIL as a busy window would) and polls the recorder twice a second.
"Recorder CPU" is the process's CPU time minus the main thread's, over wall time: the PortAudio
callback thread, the writer thread and the sound-client threads together. The baseline is the
same measurement over the same busy loop with no recording, in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from pulse import PulseServer, tone  # noqa: E402


def thread_cpu() -> dict[int, float]:
    """CPU seconds of each thread of this process, by native id (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def stall_rounds(ms: float) -> int:
    """How long a ``sum(range(n))`` must be to hold the GIL for about ``ms`` milliseconds."""
    n = 1_000_000
    t0 = time.perf_counter()
    sum(range(n))
    return int(n * ms / 1000 / max(1e-6, time.perf_counter() - t0))


def busy_for(seconds: float, tick=None, stall_n: int = 0) -> tuple[float, int]:
    """Keep the main thread busy in Python; returns (other threads' CPU seconds, loop rounds).

    With ``stall_n``, every 2 s the thread also makes one long C call that never lets go of the
    GIL (as a window does while it lays out a huge table): the audio callback must wait it out.
    """
    start_wall, start_cpu, start_main = time.monotonic(), time.process_time(), time.thread_time()
    rounds, next_tick, next_stall = 0, start_wall + 0.5, start_wall + 2.0
    while True:
        total = 0
        for i in range(20_000):
            total += i * i
        rounds += 1
        now = time.monotonic()
        if tick is not None and now >= next_tick:
            next_tick += 0.5
            tick()
        if stall_n and now >= next_stall:
            next_stall += 2.0
            sum(range(stall_n))
        if now - start_wall >= seconds:
            break
    other = (time.process_time() - start_cpu) - (time.thread_time() - start_main)
    return other, rounds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0, help="recording length (default 600)")
    ap.add_argument("--baseline", type=float, default=None,
                    help="seconds of the busy loop without recording (default: min(30, seconds/5))")
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--stall-ms", type=float, default=0.0,
                    help="also hold the GIL this long every 2 s (a window that freezes briefly)")
    ap.add_argument("--live", action="store_true",
                    help="play looped reference speech and transcribe it live (issue 13)")
    ap.add_argument("--model", default="tiny.en", help="with --live: the model (default tiny.en)")
    ap.add_argument("--latency", default=None,
                    help="PortAudio input latency: seconds, 'low' or 'high' (default: focusdesk's "
                         "INPUT_LATENCY_S)")
    args = ap.parse_args()
    baseline_s = args.baseline if args.baseline is not None else min(30.0, args.seconds / 5)

    with tempfile.TemporaryDirectory(prefix="focus-bench-") as tmp, \
            PulseServer(rate=args.rate, channels=args.channels) as server:
        os.environ.update(server.env)  # before sounddevice is imported
        from focusdesk.audio.capture import resolve_device
        from focusdesk.audio.recorder import SessionRecorder
        from focusdesk.core.model import Session, Study
        from focusdesk.store import open_workspace, sessions, study

        ws = open_workspace(Path(tmp) / "study")
        study.save_study(ws.db, Study(title="bench"))
        sid = sessions.add_session(ws.db, Session("bench")).id
        if args.live:
            from live_figures import LiveBench

            live = LiveBench(ws, sid, Path(tmp), args.model)
            player = server.play(live.playlist(args.seconds + baseline_s + 10))
            live.player_started = time.monotonic()
        else:
            live = None
            player = server.play(tone(Path(tmp) / "tone.wav", 440.0, args.seconds + baseline_s + 10,
                                      rate=args.rate))
        time.sleep(1.0)
        device = resolve_device(None)

        stall_n = stall_rounds(args.stall_ms) if args.stall_ms > 0 else 0
        base_cpu, base_rounds = busy_for(baseline_s, None, stall_n)
        options = {}
        if args.latency is not None:
            options["latency"] = args.latency if args.latency in ("low", "high") else float(args.latency)
        recorder = SessionRecorder(ws, sid, device, rate=args.rate, channels=args.channels, **options)
        if live is not None:
            live.start(recorder)
        errors: list[str] = []
        peaks: list[float] = []

        def tick():
            err = recorder.poll()
            if err:
                errors.append(err)
            peaks.extend(recorder.capture.levels.read().peak_db)
            if live is not None:
                live.tick()

        before = thread_cpu()
        wall0 = time.monotonic()
        recorder.start()
        rec_cpu, rec_rounds = busy_for(args.seconds, tick, stall_n)
        wall = time.monotonic() - wall0
        after = thread_cpu()
        used = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
        main_tid = threading.get_native_id()
        cap = recorder.capture
        named = {cap.audio_thread_id: "PortAudio callback", cap.writer_thread_id: "writer"}
        breakdown = {name: used.get(tid, 0.0) for tid, name in named.items() if tid}
        breakdown["other (sound client, etc.)"] = sum(
            v for tid, v in used.items() if tid not in named and tid != main_tid)
        stop_at = time.monotonic()
        first_block_at = cap.first_block_at
        takes = recorder.stop()
        player.terminate()
        if live is not None:
            live.finish(takes)
        ws.close()

    rec = takes[0] if takes else None
    print(f"recording:          {args.seconds:.0f} s requested at {args.rate} Hz, {args.channels} ch "
          f"from the null sink's monitor ({device.name}), input latency {cap.latency}")
    if rec is None:
        print("no recording was made:", errors)
        return 1
    print(f"recorded:           {rec.duration_ms / 1000:.2f} s in {wall:.2f} s wall "
          f"(the first blocks of an idle sink may be missing)")
    print(f"dropped blocks:     {rec.dropped_blocks}   (target 0)")
    if first_block_at is not None:
        clock_s = stop_at - first_block_at
        print(f"against the clock:  {clock_s - rec.duration_ms / 1000:.2f} s less audio than the "
              f"{clock_s:.2f} s since the first block (what is still in the input buffer at stop, "
              f"up to {cap.latency if isinstance(cap.latency, str) else f'{cap.latency:g} s'}, "
              "is not recorded)")
    print(f"recorder CPU:       {100 * rec_cpu / wall:.2f} % of one core   (target < 5 %)")
    print("  by thread:        " + ", ".join(f"{k} {100 * v / wall:.2f} %" for k, v in breakdown.items())
          + "  (/proc, 10 ms ticks)")
    print(f"baseline CPU:       {100 * base_cpu / baseline_s:.2f} % of one core over {baseline_s:.0f} s "
          f"of the same busy loop without recording")
    if args.stall_ms > 0:
        print(f"GIL held:           {args.stall_ms:.0f} ms at a time, every 2 s, by the main thread")
    print(f"main thread busy:   {rec_rounds / wall:.0f} rounds/s while recording, "
          f"{base_rounds / baseline_s:.0f} rounds/s without")
    print(f"levels seen:        peak {max(peaks) if peaks else float('nan'):.1f} dBFS")
    print(f"errors:             {errors or 'none'}")
    if live is not None:
        live.report(wall)
    return 0 if rec.dropped_blocks == 0 and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
