"""Waveform peaks (audio/peaks.py): computed from real audio, cached beside the file, refreshed
when the file changes, and a damaged file reported without stopping the others."""

from __future__ import annotations

import numpy as np
import soundfile as sf
from conftest import AUDIO

from focusdesk.audio.peaks import BUCKET_MS, cache_path, cached_peaks, load_peaks, peaks_job
from focusdesk.jobs.runner import run_job


def _tone(path, seconds=2.0, amp=0.5, sr=16000):
    t = np.arange(int(sr * seconds)) / sr
    sf.write(path, (amp * np.sin(2 * np.pi * 200 * t)).astype(np.float32), sr)
    return path


def test_peaks_are_cached_and_follow_the_file(tmp_path):
    wav = _tone(tmp_path / "a.wav")
    assert cached_peaks(wav) is None
    peaks = load_peaks(wav)
    assert peaks.shape == (2000 // BUCKET_MS, 2)
    assert 0.45 < peaks[:, 1].max() <= 0.51 and -0.51 <= peaks[:, 0].min() < -0.45
    assert cache_path(wav).is_file()
    assert np.array_equal(cached_peaks(wav), peaks)
    _tone(wav, seconds=3.0, amp=0.2)  # the recording changed: the cache no longer counts
    assert cached_peaks(wav) is None
    assert load_peaks(wav).shape == (300, 2)


def test_real_recording_peaks_in_a_child_process(tmp_path):
    src = AUDIO / "telephone-2spk.wav"
    media = tmp_path / src.name
    media.write_bytes(src.read_bytes())
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    got = []
    run_job("focusdesk.audio.peaks:peaks_job", {"paths": [str(bad), str(media)]}, got.append)
    kinds = [(m["type"], m.get("path")) for m in got if m["type"] != "started"]
    assert kinds == [("error", str(bad)), ("peaks", str(media))]
    assert "broken.wav" in got[1]["error"]  # says which file
    peaks = cached_peaks(media)  # written by the child
    info = sf.info(str(media))
    assert abs(len(peaks) * BUCKET_MS - info.duration * 1000) <= BUCKET_MS
    assert peaks[:, 1].max() > 0.05  # real speech, not silence


def test_peaks_job_without_a_writable_folder_sends_the_array(tmp_path, monkeypatch):
    wav = _tone(tmp_path / "b.wav", seconds=1.0)
    monkeypatch.setattr("focusdesk.audio.peaks.cached_peaks", lambda _p: None)
    got = []
    peaks_job({"paths": [str(wav)]}, got.append)
    assert got[0]["type"] == "peaks" and got[0]["peaks"].shape == (100, 2)
