"""The editor plays real audio through a PulseAudio null sink: clicking a word and pressing Esc
plays from (just before) that word, follow mode tracks it, and the sound reaching the sink is
the sound at that time in the file (a 1 kHz tone, where the start of the file is 440 Hz)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from pulse import PulseServer, dominant_frequency

from focusdesk.core.model import Recording, Segment, Word
from focusdesk.store import sessions, transcripts

CHILD = Path(__file__).with_name("editor_player_child.py")
RATE = 48000


@pytest.fixture
def pulse():
    with PulseServer(rate=RATE) as server:
        yield server


def _session_with_two_tones(ws):
    """8 s: 440 Hz for the first 4 s (first turn), then 1 kHz (second turn)."""
    db = ws.db
    s = sessions.session_by_name(db, "Focus group 1")
    t = np.arange(RATE * 8) / RATE
    audio = np.where(t < 4, np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 1000 * t)) * 0.4
    path = ws.session_dir(s.id) / "tones.wav"
    sf.write(path, audio.astype(np.float32), RATE)
    transcripts.add_recording(db, Recording(session_id=s.id, path=ws.relative(path), duration_ms=8000,
                                            sample_rate=RATE, channels=1))
    sp = transcripts.ensure_speaker(db, s.id, "S1")
    for k, start in enumerate((500, 4500)):
        words = [Word(start + i * 500, start + i * 500 + 400, f"word{k}{i}") for i in range(6)]
        transcripts.add_segment(db, Segment(session_id=s.id, start_ms=start, end_ms=words[-1].end_ms,
                                            text=" ".join(w.text for w in words), speaker_id=sp.id, words=words))
    return s


def test_click_word_then_esc_plays_that_audio_through_the_sink(seeded, pulse, tmp_path):
    s = _session_with_two_tones(seeded)
    raw = tmp_path / "sink.raw"
    out = tmp_path / "result.json"
    rec = subprocess.Popen(["parec", "-d", "focus_sink.monitor", "--format=s16le", f"--rate={RATE}",
                            "--channels=1", str(raw)], env=pulse.client_env())
    try:
        time.sleep(0.3)
        env = pulse.client_env()
        env["QT_QPA_PLATFORM"] = "offscreen"
        child = subprocess.run([sys.executable, str(CHILD), str(seeded.root), str(s.id), str(out)],
                               env=env, capture_output=True, text=True, timeout=90)
        time.sleep(0.3)
    finally:
        rec.terminate()
        rec.wait(timeout=10)
    assert child.returncode == 0, child.stderr[-3000:]
    got = json.loads(out.read_text())
    assert got["outputs"], "Qt saw no audio output on the null sink"
    assert got["after_click"] == 5500  # word 3 of the second turn
    assert got["after_resume"] == 4500  # resume rewinds 1 s
    assert got["played"] and got["reached"] and got["paused"] and got["closed"], got
    follow = got["follow"]
    assert follow["current"] == follow["expected"] and follow["current"][0] == 1
    assert follow["current_segment"] == follow["segment_ids"][1]
    samples = np.fromfile(raw, dtype=np.int16).astype(np.float32) / 32768
    loud = samples[np.abs(samples) > 0.05]
    assert len(loud) > RATE // 2, "less than half a second of sound reached the sink"
    assert abs(dominant_frequency(samples, RATE) - 1000) < 20  # the second turn's audio, not the start
