"""The live transcript: real recordings from a private PulseAudio null sink playing reference
speech, transcribed while they grow (issue 13).

The CLI tests run ``focusdesk record --live`` in a subprocess (a kill -9 there is a real crash);
the starved-transcriber test records in this process through SessionRecorder, as the console does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from pulse import PulseServer
from references import JFK, assert_close, wer
from test_record import Lines as _Lines

from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
from focusdesk.audio.growing import read_growing
from focusdesk.audio.wavjournal import GrowingWav
from focusdesk.store import transcription_runs as runs
from focusdesk.store import transcripts
from focusdesk.transcribe.guards import norm
from focusdesk.transcribe.service import SessionTranscription
from focusdesk.transcribe.types import Settings

SESSION = "Focus group 1"


def sid_of(ws) -> int:
    return ws.db.execute("SELECT id FROM sessions WHERE name = ?", [SESSION]).fetchone()[0]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Reference speech as WAVs the null sink can play: JFK alone, and JFK then LibriSpeech."""
    folder = tmp_path_factory.mktemp("live-clips")
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    jfk, libri = decode_audio(AUDIO / "jfk.flac"), decode_audio(AUDIO / "librispeech-2412-153948-0000.flac")
    out = {}
    for name, parts in {"jfk": [gap, jfk, gap], "two": [gap, jfk, gap, gap, libri, gap]}.items():
        out[name] = folder / f"{name}.wav"
        sf.write(out[name], np.concatenate(parts), SAMPLE_RATE, subtype="PCM_16")
    return out


@pytest.fixture(scope="module")
def pulse():
    with PulseServer() as server:
        yield server


def start_cli(ws, args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-u", "-m", "focusdesk", "-w", str(ws.root), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


class Lines(_Lines):
    """test_record's reader, keeping every line it waded through."""

    def __init__(self, proc):
        super().__init__(proc)
        self.seen: list[str] = []

    def wait_for(self, predicate, timeout: float = 20.0) -> str:
        return super().wait_for(lambda s: self.seen.append(s) or predicate(s), timeout)


def captions(lines: list[str]) -> list[str]:
    return [ln.split("  ", 1)[1].strip() for ln in lines if ln.startswith("» ")]


RECORD_JFK = ["record", "--session", SESSION, "--duration", "14", "--live"]


def record_jfk_live(proc: subprocess.Popen, pulse, clips) -> list[str]:
    """Play JFK into a started ``record --live``; the captions it printed, once it ended well."""
    try:
        lines = Lines(proc)
        lines.wait_for(lambda s: s.startswith("Recording"), timeout=30)
        pulse.play(clips["jfk"])
        lines.wait_for(lambda s: s.startswith("Live transcript complete"), timeout=90)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, proc.stderr.read()
    return captions(lines.seen)


def assert_no_overlap(segments) -> None:
    """Each stored segment begins where the one before ended or later: nothing twice."""
    segs = sorted(segments, key=lambda s: s.start_ms)
    for a, b in zip(segs, segs[1:], strict=False):
        assert b.start_ms >= a.end_ms - 50, (a.text, b.text)


def test_read_growing_sees_frames_before_the_header_says_so(tmp_path):
    wav = GrowingWav(tmp_path / "take.wav", 48000, 2)
    block = np.arange(4800 * 2, dtype="<i2").reshape(4800, 2)
    wav.append(block.tobytes())
    wav.sync()
    wav.append(block.tobytes() + b"\x01\x02")  # one frame more than the header says, half a frame
    got = read_growing(wav.path, 4000, 1000)
    assert (got.rate, got.channels, got.total) == (48000, 2, 9600)
    assert np.array_equal(got.frames, np.concatenate([block, block])[4000:5000])
    assert len(read_growing(wav.path, 9000).frames) == 600  # up to the last whole frame
    wav.close()


def test_record_live_prints_captions_and_leaves_nothing_to_transcribe(seeded, pulse, clips):
    said = record_jfk_live(start_cli(seeded, RECORD_JFK, pulse.client_env()), pulse, clips)
    assert_close(" ".join(said), JFK, 0.1)  # the clip's words, in order, as captions
    # what was printed is what is stored: the session's transcript, with a live run per take
    sid = sid_of(seeded)
    segs = transcripts.list_segments(seeded.db, sid)
    assert norm(" ".join(s.text for s in segs)) == norm(" ".join(said))
    assert all(s.words and s.source == "whisper" for s in segs)
    (run,) = runs.list_runs(seeded.db, sid)
    assert run["status"] == "done" and '"live": true' in run["settings"]
    assert SessionTranscription(seeded, sid, Settings()).tasks == []  # `transcribe`: nothing missing
    r = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(seeded.root), "transcribe",
                        SESSION], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "already transcribed" in r.stdout + r.stderr


def test_kill_9_then_the_next_recording_resumes_the_live_transcript(seeded, pulse, clips):
    sid = sid_of(seeded)
    proc = start_cli(seeded, ["record", "--session", SESSION, "--duration", "60", "--live"],
                     pulse.client_env())
    player = None
    try:
        lines = Lines(proc)
        lines.wait_for(lambda s: s.startswith("Recording"), timeout=30)
        player = pulse.play(clips["two"])
        lines.wait_for(lambda s: s.startswith("» "), timeout=40)  # JFK is stored ...
        time.sleep(4.0)  # ... and LibriSpeech is being read when the crash comes
        os.killpg(proc.pid, signal.SIGKILL)  # the recorder and its transcriber die at once
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if player is not None:
            player.terminate()
    before = transcripts.list_segments(seeded.db, sid)
    assert before and [r.status for r in transcripts.list_recordings(seeded.db, sid)] == ["recording"]
    r = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(seeded.root), "record",
                        "--session", SESSION, "--duration", "2", "--live"], env=pulse.client_env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Recovered" in r.stdout and "Live transcript complete" in r.stdout, r.stdout
    first, _second = transcripts.list_recordings(seeded.db, sid)
    assert first.status == "recovered"
    segs = [s for s in transcripts.list_segments(seeded.db, sid) if s.recording_id == first.id]
    assert [s.id for s in segs[:len(before)]] == [s.id for s in before]  # kept, not redone
    assert_no_overlap(segs)
    text = norm(" ".join(s.text for s in segs))
    assert text.count("fellow americans") == 1
    # nothing missing: the same as an offline transcription of the recovered file
    from focusdesk.transcribe.engines import load_engine
    from focusdesk.transcribe.pipeline import transcribe_stream

    offline: list = []
    transcribe_stream(load_engine(Settings()), seeded.resolve(first.path), on_segment=offline.append)
    assert wer(" ".join(s.text for s in offline), text) <= 0.1, (text, [s.text for s in offline])
    assert wer(JFK, text.split("if the reader")[0]) <= 0.1
    assert SessionTranscription(seeded, sid, Settings()).tasks == []


def test_starved_transcriber_drops_no_audio_and_catches_up_after_stop(seeded, clips):
    """The transcriber stalls 6 s before each window (a busy laptop): it falls behind while
    recording, the recording does not notice, and the transcript is finished after the stop."""
    from focusdesk.audio.capture import refresh_devices, resolve_device
    from focusdesk.audio.recorder import SessionRecorder
    from focusdesk.jobs.session_job import BackgroundJob, JobOutcome
    from focusdesk.transcribe.live_service import LiveTranscription

    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK")}
    server = PulseServer().start()
    os.environ.update(server.env)
    refresh_devices()
    sid = sid_of(seeded)
    try:
        job = LiveTranscription(seeded, sid, Settings(), pace_s=6.0)
        live = BackgroundJob(job).start()
        recorder = SessionRecorder(seeded, sid, resolve_device(None), rate=48000, channels=1)
        recorder.listener = job
        recorder.start()
        player = server.play(clips["jfk"])
        while recorder.recorded_ms() < 14000:
            time.sleep(0.1)
            assert recorder.poll() is None
            live.pump()
        behind_at_stop = job.behind_ms(recorder.position_ms())
        (take,) = recorder.stop()
        player.terminate()
        job.stop()
        result = live.wait(timeout=90)
    finally:
        server.stop()
        os.environ.update({k: v for k, v in saved.items() if v is not None})
        for k in [k for k, v in saved.items() if v is None]:
            os.environ.pop(k, None)
        refresh_devices()
    assert take.dropped_blocks == 0
    assert behind_at_stop >= 10000  # a transcriber keeping up is a second or two behind here
    assert result is not None and result.outcome is JobOutcome.DONE, result
    assert job.behind_ms() == 0
    assert_close(" ".join(s.text for s in transcripts.list_segments(seeded.db, sid)), JFK, 0.1)
    assert SessionTranscription(seeded, sid, Settings()).tasks == []


def test_catching_up_wording():
    from focusdesk.transcribe.live_service import catching_up

    assert catching_up(20) == ""
    assert catching_up(50) == "catching up (50 s behind)"
    assert catching_up(130) == "catching up (2 min behind)"


def test_live_captions_in_a_protected_study_leave_nothing_in_the_clear(tmp_path, pulse, clips):
    """The live job reads a sealed take as it grows (its whole records so far): captions come,
    and no file of the study holds a word of them in the clear."""
    root, secret = tmp_path / "study", tmp_path / "passphrase"
    secret.write_text("correct horse battery staple\n")
    pre = [sys.executable, "-m", "focusdesk", "-w", str(root), "--passphrase-file", str(secret)]
    for args in (["study", "init", "--title", "Protected", "--protect"],
                 ["session", "add", SESSION, "--kind", "focus-group"]):
        done = subprocess.run([*pre, *args], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
    proc = subprocess.Popen([*pre[:1], "-u", *pre[1:], *RECORD_JFK], env=pulse.client_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    said = record_jfk_live(proc, pulse, clips)
    assert_close(" ".join(said), JFK, 0.1)
    words = [w.encode() for w in ("country", "Americans", "fellow")]
    leaks = [p.name for p in root.rglob("*") if p.is_file()
             for w in words if w in p.read_bytes() or w.decode().encode("utf-16-le") in p.read_bytes()]
    assert leaks == []
