"""Live recording into a protected study: the take and its journal are sealed as they are
written (no sample in the clear, even mid-recording), and a take killed with SIGKILL is
recovered up to its last sealed second."""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest
from plaintext_scan import leaks, runs_of
from pulse import PulseServer, dominant_frequency, tone
from test_record import SESSION, Lines, cli, progress_seconds, session_id, start_cli

from focusdesk.audio.decode import decode_audio
from focusdesk.core.model import Session, SessionKind, Study
from focusdesk.store import sessions, study, transcripts
from focusdesk.store.protect import keyring
from focusdesk.store.protect.convert import create_protected
from focusdesk.store.protect.media import open_media
from focusdesk.store.protect.sealed import MAGIC
from focusdesk.store.workspace import open_workspace

PASSPHRASE = "recording passphrase"


@pytest.fixture(scope="module")
def pulse():
    with PulseServer() as server:
        yield server


@pytest.fixture
def protected(tmp_path):
    keyring.forget_all()
    create_protected(tmp_path / "study", PASSPHRASE)
    ws = open_workspace(tmp_path / "study")
    study.save_study(ws.db, Study(title="Recorded"))
    sessions.add_session(ws.db, Session(SESSION, SessionKind.FOCUS_GROUP))
    (tmp_path / "pw").write_text(PASSPHRASE)
    yield ws
    ws.close()
    keyring.forget_all()


def _pcm_leaks(ws, pcm: bytes) -> list[str]:
    """Files of the study holding any 64-byte run of ``pcm`` (tests/plaintext_scan.py)."""
    return sorted({hit.split(":")[0] for hit in leaks(ws.root, runs_of(pcm))})


def test_recording_is_sealed_as_written_and_a_killed_take_is_recovered(protected, pulse, tmp_path):
    ws = protected
    args = ["--passphrase-file", str(tmp_path / "pw")]
    player = pulse.play(tone(tmp_path / "tone.wav", 1000.0, 30.0))
    proc = start_cli(ws, [*args, "record", "--session", SESSION, "--duration", "30"],
                     pulse.client_env())
    try:
        lines = Lines(proc)
        line = lines.wait_for(lambda s: (progress_seconds(s) or 0) >= 3.0)
        reported, reported_at = progress_seconds(line), time.monotonic()
        take = next(ws.media_root.rglob("recording-*.wav"))
        journal = take.with_name(take.name + ".journal")
        assert take.read_bytes()[:8] == MAGIC and journal.read_bytes()[:8] == MAGIC
        assert b"session_id" not in journal.read_bytes()
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        player.terminate()
    sid = session_id(ws)
    assert [r.status for r in transcripts.list_recordings(ws.db, sid)] == ["recording"]
    r = cli(ws, [*args, "recover"], pulse.client_env())
    assert r.returncode == 0 and "recovered" in r.stdout, r.stdout + r.stderr
    (rec,) = transcripts.list_recordings(ws.db, sid)
    assert rec.status == "recovered"
    audio_at_kill_ms = (reported + (killed_at - reported_at)) * 1000
    assert audio_at_kill_ms - 1200 <= rec.duration_ms <= audio_at_kill_ms + 500
    path = ws.resolve(rec.path)
    assert path.read_bytes()[:8] == MAGIC and not journal.exists()
    with open_media(path) as fh:
        pcm = fh.read()[44:]
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    assert abs(len(samples) * 1000 / rec.sample_rate - rec.duration_ms) <= 1
    assert abs(dominant_frequency(samples[-rec.sample_rate:], rec.sample_rate) - 1000.0) < 3
    assert len(decode_audio(path)) == pytest.approx(rec.duration_ms * 16, abs=200)

    # A second, complete take; then no file of the study holds either take's samples in the clear.
    player = pulse.play(tmp_path / "tone.wav")
    try:
        time.sleep(0.3)
        r = cli(ws, [*args, "record", "--session", SESSION, "--duration", "1"], pulse.client_env())
    finally:
        player.terminate()
    assert r.returncode == 0, r.stderr
    first, second = transcripts.list_recordings(ws.db, sid)
    assert second.status == "complete" and second.offset_ms == first.duration_ms
    with open_media(ws.resolve(second.path)) as fh:
        pcm2 = fh.read()[44:]
    assert _pcm_leaks(ws, pcm) == [] and _pcm_leaks(ws, pcm2) == []
    (ws.root / "control.raw").write_bytes(pcm2)  # the scan finds samples that are in the clear
    assert _pcm_leaks(ws, pcm2) == ["control.raw"]
