"""Decoding any audio to 16 kHz mono float32 with PyAV, per channel, from an offset, in blocks."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO

from focusdesk.audio.decode import SAMPLE_RATE, check_samples, decode_audio, stream_audio
from focusdesk.audio.probe import AudioFileError


def test_decodes_24bit_stereo_flac_to_16k_mono_float32():
    samples = decode_audio(AUDIO / "jfk.flac")
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(len(samples) - 11 * SAMPLE_RATE) < SAMPLE_RATE // 100
    assert 0.05 < float(np.abs(samples).max()) <= 1.0


def test_channels_can_be_read_one_by_one():
    left = decode_audio(AUDIO / "stereo-2spk.wav", channel=0)
    right = decode_audio(AUDIO / "stereo-2spk.wav", channel=1)
    mixed = decode_audio(AUDIO / "stereo-2spk.wav")
    assert len(left) == len(right) == len(mixed) == 5 * SAMPLE_RATE
    assert abs(np.corrcoef(left, right)[0, 1]) < 0.2
    np.testing.assert_allclose(mixed, (left + right) / 2, atol=1e-4)
    with pytest.raises(AudioFileError, match="channel 3 does not exist"):
        decode_audio(AUDIO / "stereo-2spk.wav", channel=2)


@pytest.mark.parametrize("name", ["telephone-2spk.wav", "librispeech-2412-153948-0000.flac"])
def test_start_offset_skips_exactly_that_much(name):
    full = decode_audio(AUDIO / name)
    part = decode_audio(AUDIO / name, start_s=4.5)
    start = int(4.5 * SAMPLE_RATE)
    assert len(part) == len(full) - start
    np.testing.assert_allclose(part[:SAMPLE_RATE], full[start:start + SAMPLE_RATE], atol=1e-4)


def test_blocks_join_to_the_whole_file():
    blocks = list(stream_audio(AUDIO / "telephone-2spk.wav", block_s=7.0))
    assert [len(b) for b in blocks[:-1]] == [7 * SAMPLE_RATE] * (len(blocks) - 1)
    np.testing.assert_array_equal(np.concatenate(blocks), decode_audio(AUDIO / "telephone-2spk.wav"))


def test_reading_a_long_file_in_blocks_keeps_memory_flat(tmp_path):
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16") as fh:
        for _ in range(20):  # 20 minutes
            fh.write((rng.standard_normal(60 * SAMPLE_RATE) * 0.1).astype(np.float32))
    whole_mb = 20 * 60 * SAMPLE_RATE * 4 / 1e6
    tracemalloc.start()
    n = 0
    for block in stream_audio(path, block_s=30):
        n += len(block)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 20 * 60 * SAMPLE_RATE
    assert peak / 1e6 < whole_mb / 4, f"peak {peak / 1e6:.0f} MB for a {whole_mb:.0f} MB signal"


def test_check_samples_fixes_or_refuses_what_engines_mishandle():
    pcm = (np.ones(100) * 16384).astype(np.int16)
    out = check_samples(pcm)
    assert out.dtype == np.float32 and abs(out[0] - 0.5) < 1e-3
    assert check_samples(np.zeros(10, dtype=np.float64)).dtype == np.float32
    assert np.isfinite(check_samples(np.array([np.nan, np.inf], dtype=np.float32))).all()
    with pytest.raises(AudioFileError, match="mono"):
        check_samples(np.zeros((2, 100), dtype=np.float32))


def _bad_files(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("This is a text file, not audio.\n" * 20)
    corrupt = tmp_path / "corrupt.flac"
    corrupt.write_bytes((AUDIO / "jfk.flac").read_bytes()[:64] + bytes(np.random.default_rng(1)
                                                                       .integers(0, 256, 50000, dtype=np.uint8)))
    silent_corrupt = tmp_path / "no-frames.flac"  # header fine, no packet decodes at all
    silent_corrupt.write_bytes((AUDIO / "jfk.flac").read_bytes()[:64] + bytes(
        np.random.default_rng(0).integers(0, 256, 40000, dtype=np.uint8)))
    odd = tmp_path / "odd-codec.wav"
    pcm = (AUDIO / "telephone-2spk.wav").read_bytes()
    odd.write_bytes(pcm[:20] + (0x5A5A).to_bytes(2, "little") + pcm[22:])  # unknown format tag
    return {"empty": empty, "text": text, "corrupt": corrupt, "no frames": silent_corrupt, "odd codec": odd,
            "missing": tmp_path / "nope.wav"}


def test_bad_files_give_clear_errors(tmp_path):
    for label, path in _bad_files(tmp_path).items():
        with pytest.raises(AudioFileError) as info:
            decode_audio(path)
        message = str(info.value)
        assert path.name in message or label == "missing" and "There is no audio file" in message, label
        assert "Traceback" not in message


def test_very_short_file_decodes(tmp_path):
    path = tmp_path / "short.wav"
    sf.write(path, np.zeros(int(0.2 * 44100), dtype=np.float32), 44100)
    samples = decode_audio(path)
    assert abs(len(samples) - int(0.2 * SAMPLE_RATE)) <= 16
