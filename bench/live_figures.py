"""The live-transcript part of bench/record.py --live (issue 13).

Figures: transcriber CPU (the job's child process, /proc, over the recording's wall time),
caption latency (speech to screen: from the moment the last word of a stored segment was recorded
to the moment its caption was stored on the main thread; and to the first caption of any kind,
provisional tails included, that reached that word), time from Stop to the complete transcript,
and WER of the live transcript against an offline transcription of the same file and against
the clips' references (only clips recorded whole).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "data" / "audio"
sys.path.insert(0, str(ROOT / "tests"))

GAP_S = 1.5


def _proc_cpu(pid: int | None) -> float | None:
    if not pid:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LiveBench:
    def __init__(self, ws, session_id: int, tmp: Path, model: str):
        self.ws, self.sid, self.tmp, self.model = ws, session_id, tmp, model
        self.clips: list[tuple[float, float, str]] = []  # playlist (start s, end s, reference)
        self.player_started = 0.0
        self.arrivals: list[tuple[float, int, int, bool]] = []  # wall, start ms, end ms, provisional
        self.cpu: float | None = None
        self.cpu_at_stop: float | None = None
        self.stop_to_done: float | None = None
        self.result = None
        self.behind_max = 0

    def playlist(self, seconds: float) -> Path:
        """The reference clips with pauses between them, looped to ``seconds``, as one WAV."""
        import soundfile as sf
        from references import JFK, LIBRI, telephone

        from focusdesk.audio.decode import SAMPLE_RATE, decode_audio

        items = [
            (decode_audio(AUDIO / "jfk.flac"), JFK),
            (decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"), LIBRI),
            (decode_audio(AUDIO / "telephone-2spk.wav"), telephone()),
        ]
        gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
        parts, t = [], 0.0
        while t < seconds:
            for audio, ref in items:
                parts += [gap, audio]
                t += GAP_S
                self.clips.append((t, t + len(audio) / SAMPLE_RATE, ref))
                t += len(audio) / SAMPLE_RATE
        path = self.tmp / "speech.wav"
        sf.write(path, np.concatenate(parts), SAMPLE_RATE, subtype="PCM_16")
        return path

    def start(self, recorder) -> None:
        from focusdesk.jobs.session_job import BackgroundJob
        from focusdesk.transcribe.live_service import LiveTranscription
        from focusdesk.transcribe.types import Settings

        self.recorder = recorder
        self.job = LiveTranscription(self.ws, self.sid, Settings(model=self.model))
        self.job.on_caption = lambda c: self.arrivals.append(
            (time.monotonic(), c.start_ms, c.end_ms, c.provisional)
        )
        recorder.listener = self.job
        self.runner = BackgroundJob(self.job).start()

    def tick(self) -> None:
        self.runner.pump()
        self.cpu = _proc_cpu(self.runner.run.pid) or self.cpu
        if self.recorder.state == "recording":
            self.behind_max = max(self.behind_max, self.job.behind_ms(self.recorder.position_ms()))

    def finish(self, takes) -> None:
        self.cpu_at_stop = self.cpu
        stopped = time.monotonic()
        self.job.stop()
        while self.runner.pump() is None:
            self.cpu = _proc_cpu(self.runner.run.pid) or self.cpu
            time.sleep(0.05)
        self.stop_to_done = time.monotonic() - stopped
        self.result = self.runner.run.result
        self.takes = takes
        self.lines: list[str] = []
        self._measure()

    def report(self, wall: float) -> None:
        self.lines.append(f"live result:        {self.result.message if self.result else 'none'}")
        if self.cpu_at_stop is not None:
            self.lines.append(
                f"transcriber CPU:    {100 * self.cpu_at_stop / wall:.1f} % of one core while "
                f"recording (its child process at nice +10, 1 thread; target <= 35 % with "
                f"{self.model}); {100 * (self.cpu or 0) / wall:.1f} % with the tail after Stop"
            )
        for line in self.lines:
            print(line)

    def _measure(self) -> None:
        """Everything that needs the study and the file (both go when the benchmark ends)."""
        from references import wer

        from focusdesk.store import transcripts
        from focusdesk.transcribe.engines import load_engine
        from focusdesk.transcribe.pipeline import transcribe_stream
        from focusdesk.transcribe.types import Settings

        first = self.recorder.capture.first_block_at
        stored = [a for a in self.arrivals if not a[3]]
        latency = [w - (first + e / 1000) for w, _s, e, _p in stored]
        reach = []
        for _w, s, e, _p in stored:
            seen = [w for w, s2, e2, _p2 in self.arrivals if e2 >= e and s2 <= max(s, e - 3000)]
            reach.append(min(seen) - (first + e / 1000))
        if latency:
            q = statistics.quantiles(latency, n=20)
            r = statistics.quantiles(reach, n=20)
            self.lines.append(
                f"caption latency:    stored lines median {statistics.median(latency):.1f} s, "
                f"p95 {q[18]:.1f} s; first caption (tail guesses included) median "
                f"{statistics.median(reach):.1f} s, p95 {r[18]:.1f} s   (targets 8 s / 15 s)"
            )
        self.lines.append(f"most behind:        {self.behind_max / 1000:.1f} s of audio while recording")
        self.lines.append(f"Stop -> complete:   {self.stop_to_done:.1f} s   (target <= 30 s)")
        # WER: live against offline on the same file, and both against the references
        live_segs = transcripts.list_segments(self.ws.db, self.sid)
        rec = self.takes[0]
        offline = []
        began = time.monotonic()
        transcribe_stream(
            load_engine(Settings(model=self.model)), self.ws.resolve(rec.path), on_segment=offline.append
        )
        off_s = time.monotonic() - began
        live_text = " ".join(s.text for s in live_segs)
        off_text = " ".join(s.text for s in offline)
        self.lines.append(
            f"WER live vs offline: {100 * wer(off_text, live_text):.1f} %  (offline transcription "
            f"of the same {rec.duration_ms / 1000:.0f} s took {off_s:.0f} s)"
        )
        shift = first - self.player_started  # playlist time at session time 0
        refs, live_w, off_w = [], [], []
        for a, b, ref in self.clips:
            s0, s1 = a - shift, b - shift
            if s0 < 0 or s1 > rec.duration_ms / 1000:
                continue
            refs.append(ref)
            live_w.append(
                " ".join(
                    w.text
                    for seg in live_segs
                    for w in seg.words
                    if s0 - 0.5 <= (w.start_ms + w.end_ms) / 2000 < s1 + 0.5
                )
            )
            off_w.append(
                " ".join(
                    w.text
                    for seg in offline
                    for w in seg.words
                    if s0 - 0.5 <= (w.start + w.end) / 2 < s1 + 0.5
                )
            )
        if refs:
            self.lines.append(
                f"WER vs references:  live {100 * wer(' '.join(refs), ' '.join(live_w)):.1f} %, "
                f"offline {100 * wer(' '.join(refs), ' '.join(off_w)):.1f} %  over {len(refs)} "
                "clips recorded whole (target: live no more than 2 points worse)"
            )
