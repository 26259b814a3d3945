"""Recording with real audio: a private PulseAudio null sink, `focusdesk record` in a subprocess.

A tone played into the sink must come back in the file; kill -9, a sound server that dies and a
full disk must each leave a valid recording in its session.
"""

from __future__ import annotations

import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from pulse import PulseServer, dominant_frequency, tone

from focusdesk.audio.probe import probe_audio, sha256_file
from focusdesk.store import annotations, transcripts

SESSION = "Focus group 1"


@pytest.fixture(scope="module")
def pulse():
    with PulseServer() as server:
        yield server


@pytest.fixture(scope="module")
def tone_file(tmp_path_factory):
    return tone(tmp_path_factory.mktemp("tone") / "tone.wav", 1000.0, 40.0)


def cli(ws, args, env, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(ws.root), *args], env=env,
                          capture_output=True, text=True, timeout=kw.pop("timeout", 60), **kw)


def start_cli(ws, args, env, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-u", "-m", "focusdesk", "-w", str(ws.root), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Lines:
    """Read a child's stdout lines without blocking the test."""

    def __init__(self, proc: subprocess.Popen):
        self.q: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.q.put(line)

    def wait_for(self, predicate, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.1)
            except queue.Empty:
                continue
            if predicate(line):
                return line
        raise AssertionError("the recorder did not print the expected line in time")


def progress_seconds(line: str) -> float | None:
    return float(line.split()[1]) if line.startswith("recording ") else None


def session_id(ws) -> int:
    return ws.db.execute("SELECT id FROM sessions WHERE name = ?", [SESSION]).fetchone()[0]


def test_known_tone_is_recorded_and_takes_follow_each_other(seeded, pulse, tone_file):
    player = pulse.play(tone_file)
    try:
        time.sleep(0.5)
        first = cli(seeded, ["record", "--session", SESSION, "--duration", "3", "--channels", "2"],
                    pulse.client_env())
        second = cli(seeded, ["record", "--session", SESSION, "--duration", "1"], pulse.client_env())
    finally:
        player.terminate()
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "dropped blocks: 0" in first.stdout
    recs = transcripts.list_recordings(seeded.db, session_id(seeded))
    assert [(r.status, r.channels, r.sample_rate) for r in recs] == [("complete", 2, 48000),
                                                                      ("complete", 1, 48000)]
    assert abs(recs[0].duration_ms - 3000) <= 100
    assert recs[1].offset_ms == recs[0].duration_ms  # the session timeline is the takes end to end
    path = seeded.resolve(recs[0].path)
    assert recs[0].sha256 == sha256_file(path)
    data, rate = sf.read(path, dtype="float32")
    assert data.shape[1] == 2 and rate == 48000
    last = data[-2 * rate:]
    assert abs(dominant_frequency(last, rate) - 1000.0) < 3
    assert np.sqrt((last ** 2).mean()) > 0.2  # the tone (amplitude 0.5), not silence
    assert np.corrcoef(last[:, 0], last[:, 1])[0, 1] > 0.99


def test_call_on_another_output_is_recorded_from_its_monitor(seeded, pulse, tone_file, tmp_path):
    """A telephone call plays on its own output; its PulseAudio monitor is listed and recorded."""
    module = pulse.pactl("load-module", "module-null-sink", "sink_name=call_sink", "rate=48000",
                         "channels=2").stdout.strip()
    call = tone(tmp_path / "call.wav", 440.0, 20.0)
    players = [pulse.play(tone_file),  # the default source hears 1000 Hz
               subprocess.Popen(["paplay", "-d", "call_sink", str(call)], env=pulse.client_env())]
    try:
        time.sleep(0.5)
        listing = cli(seeded, ["devices"], pulse.client_env())
        r = cli(seeded, ["record", "--session", SESSION, "--duration", "2", "--channels", "2",
                         "--device", "call_sink.monitor"], pulse.client_env())
    finally:
        for p in players:
            p.terminate()
        pulse.pactl("unload-module", module, check=False)
    assert listing.returncode == 0
    assert any("call_sink.monitor" in line and "PulseAudio" in line
               for line in listing.stdout.splitlines())
    assert r.returncode == 0, r.stderr
    assert "from call_sink.monitor" in r.stdout
    (rec,) = transcripts.list_recordings(seeded.db, session_id(seeded))
    data, rate = sf.read(seeded.resolve(rec.path), dtype="float32")
    assert data.shape[1] == 2 and abs(dominant_frequency(data[-rate:], rate) - 440.0) < 3


def test_kill_9_loses_at_most_a_second_and_keeps_markers(seeded, pulse, tone_file):
    player = pulse.play(tone_file)
    proc = start_cli(seeded, ["record", "--session", SESSION, "--duration", "60"], pulse.client_env())
    try:
        lines = Lines(proc)
        lines.wait_for(lambda s: (progress_seconds(s) or 0) >= 2.0)
        for args in (["--tag", "key quote", "--note", "before the kill"], ["--guide-item", "intro.q1"]):
            r = cli(seeded, ["mark", "--session", SESSION, "--at", "1.5", *args], pulse.client_env())
            assert r.returncode == 0, r.stderr
        line = lines.wait_for(lambda s: (progress_seconds(s) or 0) >= 4.0)
        reported, reported_at = progress_seconds(line), time.monotonic()
        time.sleep(0.6)
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        player.terminate()
    sid = session_id(seeded)
    assert [r.status for r in transcripts.list_recordings(seeded.db, sid)] == ["recording"]
    r = cli(seeded, ["recover"], pulse.client_env())
    assert r.returncode == 0 and "recovered" in r.stdout, r.stdout + r.stderr
    (rec,) = transcripts.list_recordings(seeded.db, sid)
    assert rec.status == "recovered"
    audio_at_kill_ms = (reported + (killed_at - reported_at)) * 1000
    assert rec.duration_ms >= audio_at_kill_ms - 1000, (rec.duration_ms, audio_at_kill_ms)
    assert rec.duration_ms <= audio_at_kill_ms + 500
    path = seeded.resolve(rec.path)
    assert probe_audio(path).duration_ms == pytest.approx(rec.duration_ms, abs=50)  # decodes (PyAV)
    data, rate = sf.read(path, dtype="float32")
    assert abs(dominant_frequency(data[-rate:], rate) - 1000.0) < 3  # audio up to the very end
    marks = annotations.list_markers(seeded.db, sid)
    assert {(m.tag, m.guide_item_key, m.note) for m in marks} == {
        ("key quote", None, "before the kill"), (None, "intro.q1", None)}
    listing = cli(seeded, ["markers", "--session", SESSION], pulse.client_env())
    assert "#key quote" in listing.stdout and "intro.q1" in listing.stdout


def test_no_input_device_says_so(seeded, tmp_path):
    env = dict(os.environ, PULSE_SERVER=f"unix:{tmp_path}/no-server/native")
    r = cli(seeded, ["record", "--session", SESSION, "--duration", "2"], env)
    assert r.returncode == 2
    assert "No audio input device was found" in r.stderr and "Connect a microphone" in r.stderr
    assert "Traceback" not in r.stderr
    assert transcripts.list_recordings(seeded.db, session_id(seeded)) == []
    r = cli(seeded, ["devices"], env)
    assert r.returncode == 1 and "no audio input device" in r.stderr


def test_device_gone_mid_recording_keeps_the_recording(seeded, tone_file):
    server = PulseServer().start()
    try:
        player = server.play(tone_file)
        proc = start_cli(seeded, ["record", "--session", SESSION, "--duration", "60"],
                         server.client_env())
        lines = Lines(proc)
        lines.wait_for(lambda s: (progress_seconds(s) or 0) >= 2.0)
        server.kill()  # the input disappears without warning
        proc.wait(20)
        player.wait(10)
    finally:
        server.stop()
    err = proc.stderr.read()
    assert proc.returncode == 1, err
    assert ("stopped delivering audio" in err or "No audio arrived" in err) and "kept" in err
    (rec,) = transcripts.list_recordings(seeded.db, session_id(seeded))
    assert rec.status == "complete" and rec.duration_ms >= 1500
    data, rate = sf.read(seeded.resolve(rec.path), dtype="float32")
    assert len(data) * 1000 // rate == rec.duration_ms
    assert abs(dominant_frequency(data[-rate // 2:], rate) - 1000.0) < 5


def _limit_file_size():  # fallback when tmpfs cannot be mounted (not root)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (600_000, 600_000))


def test_full_disk_stops_cleanly_and_keeps_what_was_written(seeded, pulse, tone_file):
    sid = session_id(seeded)
    folder = seeded.session_dir(sid)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    player = pulse.play(tone_file)
    try:
        r = cli(seeded, ["record", "--session", SESSION, "--duration", "30", "--reserve-mb", "0"],
                pulse.client_env(), preexec_fn=None if mounted else _limit_file_size)
        (rec,) = transcripts.list_recordings(seeded.db, sid)
        data, rate = sf.read(seeded.resolve(rec.path), dtype="float32")
    finally:
        player.terminate()
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "disk is full" in r.stderr and "Everything up to this moment is saved" in r.stderr
    assert rec.status == "complete" and rec.duration_ms >= 1000
    assert len(data) * 1000 // rate == rec.duration_ms
    assert abs(dominant_frequency(data[-rate // 2:], rate) - 1000.0) < 5
