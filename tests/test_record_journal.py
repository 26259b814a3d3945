"""The crash-safe WAV and recovery, without a sound device (fast; the real-audio tests are in
test_record.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import soundfile as sf

from focusdesk.audio.probe import probe_audio
from focusdesk.audio.recovery import find_interrupted, recover_interrupted
from focusdesk.audio.wavjournal import (
    GrowingWav,
    Journal,
    JournalLock,
    is_locked,
    journal_path,
    repair_wav,
)
from focusdesk.core.model import Marker, Recording
from focusdesk.store import annotations, transcripts


def _frames(n: int, channels: int = 2) -> np.ndarray:
    t = np.arange(n)
    return np.stack([(1000 * np.sin(t / 10 + c)).astype(np.int16) for c in range(channels)], axis=1)


def test_growing_wav_is_valid_after_each_sync_and_after_close(tmp_path):
    path = tmp_path / "a.wav"
    wav = GrowingWav(path, 16000, 2)
    data = _frames(8000)
    wav.append(memoryview(np.ascontiguousarray(data)).cast("B"))
    wav.sync()
    got, rate = sf.read(path, dtype="int16")
    assert rate == 16000 and got.shape == (8000, 2) and np.array_equal(got, data)
    wav.append(memoryview(np.ascontiguousarray(data)).cast("B"))
    wav.close()
    assert sf.info(str(path)).frames == 16000
    assert probe_audio(path).duration_ms == 1000


def test_process_killed_mid_write_is_repaired_to_its_last_whole_frame(tmp_path):
    """A child appends frames, never syncs the header, and dies with os._exit (like kill -9)."""
    path = tmp_path / "crash.wav"
    code = textwrap.dedent(f"""
        import os, numpy as np
        from focusdesk.audio.wavjournal import GrowingWav
        w = GrowingWav({str(path)!r}, 8000, 2)
        w.append(np.ones((12345, 2), dtype=np.int16).tobytes())
        os.write(w._fd, b"\\x01\\x02\\x03")  # half a frame, as a write cut short would leave
        os._exit(9)
    """)
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    assert sf.info(str(path)).frames < 12345  # the header does not know about the audio yet
    assert repair_wav(path) == 12345
    got, _ = sf.read(path, dtype="int16")
    assert got.shape == (12345, 2) and (got == 1).all()
    assert os.path.getsize(path) == 44 + 12345 * 4


def test_journal_lock_tells_live_from_interrupted(tmp_path):
    wav = tmp_path / "x.wav"
    lock = JournalLock(wav, Journal(session_id=1, rate=48000, channels=1, offset_ms=0, started_at="t"))
    assert is_locked(journal_path(wav))
    lock.release()
    assert not is_locked(journal_path(wav)) and journal_path(wav).exists()
    lock = JournalLock(wav, Journal(session_id=1, rate=48000, channels=1, offset_ms=0, started_at="t"))
    lock.finish()
    assert not journal_path(wav).exists()


def _interrupted_take(ws, session_id, name, frames, locked=False, with_row=True, offset_ms=0):
    path = ws.session_dir(session_id) / name
    journal = JournalLock(path, Journal(session_id=session_id, rate=8000, channels=2,
                                        offset_ms=offset_ms, started_at="2024-03-01T10:00:00",
                                        dropped_blocks=3))
    wav = GrowingWav(path, 8000, 2)
    wav.append(_frames(frames).tobytes())
    os.close(wav._fd)  # no header update: as after a kill
    rec = None
    if with_row:
        rec = transcripts.add_recording(ws.db, Recording(
            session_id=session_id, path=ws.relative(path), duration_ms=0, sample_rate=8000,
            channels=2, offset_ms=offset_ms, status="recording"))
        journal.write(recording_id=rec.id)
    if not locked:
        journal.release()
    return path, rec, journal


def test_recovery_repairs_rows_keeps_markers_and_skips_live_recordings(seeded):
    ws = seeded
    sid = ws.db.execute("SELECT id FROM sessions WHERE name = 'Focus group 1'").fetchone()[0]
    other = ws.db.execute("SELECT id FROM sessions WHERE name = 'Interview 1'").fetchone()[0]
    annotations.add_marker(ws.db, Marker(session_id=sid, ms=500, tag="key quote"))
    crashed, rec, _ = _interrupted_take(ws, sid, "crashed.wav", 8000 * 3)
    orphan, _, _ = _interrupted_take(ws, other, "orphan.wav", 4000, with_row=False, offset_ms=1000)
    live, live_rec, live_lock = _interrupted_take(ws, sid, "live.wav", 800, locked=True)
    empty, _, _ = _interrupted_take(ws, sid, "empty.wav", 0)

    assert set(find_interrupted(ws)) == {crashed, orphan, empty}
    found = recover_interrupted(ws)
    by_path = {f.path: f for f in found}
    got = transcripts.get_recording(ws.db, rec.id)
    assert (got.status, got.duration_ms, got.dropped_blocks) == ("recovered", 3000, 3)
    assert got.sha256 and sf.info(str(crashed)).frames == 24000
    assert "recovered 00:00:03" in by_path[ws.relative(crashed)].describe()
    new = transcripts.list_recordings(ws.db, other)
    assert len(new) == 1 and new[0].status == "recovered" and new[0].offset_ms == 1000 \
        and new[0].duration_ms == 500
    assert by_path[ws.relative(empty)].recording is None  # nothing to keep: row and file removed
    assert not empty.exists()
    assert ws.relative(empty) not in [r.path for r in transcripts.list_recordings(ws.db, sid)]
    assert transcripts.get_recording(ws.db, live_rec.id).status == "recording"  # still being written
    assert annotations.list_markers(ws.db, sid)[0].tag == "key quote"
    assert recover_interrupted(ws) == []  # nothing left to do
    live_lock.release()
    assert [f.path for f in recover_interrupted(ws)] == [ws.relative(live)]
