"""Convert a CTranslate2 Whisper model (e.g. the bundled tiny.en) into an openai-whisper checkpoint.

Why: no weights can be downloaded offline, and openai-whisper needs a PyTorch checkpoint (a dict
with ``dims`` and ``model_state_dict``). CT2 stores the same tensors in PyTorch layout; only the
fused attention projections must be split (self-attention q/k/v by rows, cross-attention k/v), the
zero key biases dropped, and the output projection is the tied token embedding. The alignment
heads from config.json are stored too, because ``whisper.load_model`` does not know them for a
custom checkpoint (see :func:`alignment_heads_dump`).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from pathlib import Path

import numpy as np

from focusdesk.transcribe.ct2_format import CT2Model, ModelFileError, read_ct2_model

FORMAT_VERSION = 1


def _count_layers(model: CT2Model, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in model.variables:
        n += 1
    return n


def _attn(sd: dict, dst: str, w_q, b_q, w_k, w_v, b_v, w_o, b_o) -> None:
    sd[f"{dst}.query.weight"], sd[f"{dst}.query.bias"] = w_q, b_q
    sd[f"{dst}.key.weight"] = w_k
    sd[f"{dst}.value.weight"], sd[f"{dst}.value.bias"] = w_v, b_v
    sd[f"{dst}.out.weight"], sd[f"{dst}.out.bias"] = w_o, b_o


def ct2_to_state_dict(model: CT2Model) -> tuple[dict, dict[str, np.ndarray]]:
    """Return openai-whisper ``dims`` and a state dict of numpy arrays (dtype kept)."""
    if model.name != "WhisperSpec":
        raise ModelFileError(f"This CTranslate2 model is a {model.name or 'unknown'} model, not "
                             "Whisper; choose a Whisper model folder.")
    g = model.get
    if g("encoder/conv1/weight").dtype == np.int8 or any(
            k.endswith("weight_scale") for k in model.variables):
        raise ModelFileError("This CTranslate2 model is quantized (int8) and cannot be converted "
                             "without loss; use a float16/float32 model, or the faster engine.")
    sd: dict[str, np.ndarray] = {}
    n_audio_layer = _count_layers(model, "encoder")
    n_text_layer = _count_layers(model, "decoder")
    if not n_audio_layer or not n_text_layer:
        raise ModelFileError("The model has no encoder/decoder layers; it is not a Whisper model.")
    state = g("encoder/conv1/weight").shape[0]
    text_state = g("decoder/embeddings/weight").shape[1]
    sd["encoder.conv1.weight"], sd["encoder.conv1.bias"] = g("encoder/conv1/weight"), g("encoder/conv1/bias")
    sd["encoder.conv2.weight"], sd["encoder.conv2.bias"] = g("encoder/conv2/weight"), g("encoder/conv2/bias")
    sd["encoder.positional_embedding"] = g("encoder/position_encodings/encodings")
    for i in range(n_audio_layer):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        _self_attention(sd, g, src, dst)
        _mlp(sd, dst, g, f"{src}/ffn")
    _ln(sd, "encoder.ln_post", g, "encoder/layer_norm")
    sd["decoder.token_embedding.weight"] = g("decoder/embeddings/weight")
    sd["decoder.positional_embedding"] = g("decoder/position_encodings/encodings")
    for i in range(n_text_layer):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        _self_attention(sd, g, src, dst)
        wkv, bkv = g(f"{src}/attention/linear_1/weight"), g(f"{src}/attention/linear_1/bias")
        wk, wv = np.split(wkv, 2, axis=0)
        _bk, bv = np.split(bkv, 2, axis=0)
        _attn(sd, f"{dst}.cross_attn", g(f"{src}/attention/linear_0/weight"),
              g(f"{src}/attention/linear_0/bias"), wk, wv, bv,
              g(f"{src}/attention/linear_2/weight"), g(f"{src}/attention/linear_2/bias"))
        _ln(sd, f"{dst}.cross_attn_ln", g, f"{src}/attention/layer_norm")
        _mlp(sd, dst, g, f"{src}/ffn")
    _ln(sd, "decoder.ln", g, "decoder/layer_norm")
    dims = {
        "n_mels": int(g("encoder/conv1/weight").shape[1]),
        "n_audio_ctx": int(g("encoder/position_encodings/encodings").shape[0]),
        "n_audio_state": int(state),
        "n_audio_head": _heads(model, "encoder", state),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(g("decoder/embeddings/weight").shape[0]),
        "n_text_ctx": int(g("decoder/position_encodings/encodings").shape[0]),
        "n_text_state": int(text_state),
        "n_text_head": _heads(model, "decoder", text_state),
        "n_text_layer": n_text_layer,
    }
    return dims, sd


def _heads(model: CT2Model, prefix: str, state: int) -> int:
    value = model.variables.get(f"{prefix}/num_heads")
    return int(value) if value is not None else state // 64


def _self_attention(sd: dict, g, src: str, dst: str) -> None:
    """CTranslate2 fuses q, k and v into one matrix; openai-whisper keeps them apart."""
    w, b = g(f"{src}/self_attention/linear_0/weight"), g(f"{src}/self_attention/linear_0/bias")
    wq, wk, wv = np.split(w, 3, axis=0)
    bq, _bk, bv = np.split(b, 3, axis=0)
    _attn(sd, f"{dst}.attn", wq, bq, wk, wv, bv, g(f"{src}/self_attention/linear_1/weight"),
          g(f"{src}/self_attention/linear_1/bias"))
    _ln(sd, f"{dst}.attn_ln", g, f"{src}/self_attention/layer_norm")


def _ln(sd: dict, dst: str, g, src: str) -> None:
    sd[f"{dst}.weight"], sd[f"{dst}.bias"] = g(f"{src}/gamma"), g(f"{src}/beta")


def _mlp(sd: dict, dst: str, g, src: str) -> None:
    sd[f"{dst}.mlp.0.weight"], sd[f"{dst}.mlp.0.bias"] = g(f"{src}/linear_0/weight"), g(f"{src}/linear_0/bias")
    sd[f"{dst}.mlp.2.weight"], sd[f"{dst}.mlp.2.bias"] = g(f"{src}/linear_1/weight"), g(f"{src}/linear_1/bias")
    _ln(sd, f"{dst}.mlp_ln", g, f"{src}/layer_norm")


def alignment_heads_dump(heads: list[list[int]], n_text_layer: int, n_text_head: int) -> bytes:
    """Encode (layer, head) pairs the way ``WhisperModel.set_alignment_heads`` expects."""
    mask = np.zeros((n_text_layer, n_text_head), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes()))


def read_alignment_heads(folder: Path) -> list[list[int]]:
    config = folder / "config.json"
    try:
        heads = json.loads(config.read_text(encoding="utf-8")).get("alignment_heads") or []
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{config} is missing or damaged ({exc}); the model folder is "
                             "incomplete. Reinstall or download the model again.") from exc
    return [[int(a), int(b)] for a, b in heads]


def convert_ct2_folder(folder: Path | str, target: Path | str) -> Path:
    """Write an openai-whisper checkpoint for the CT2 model in ``folder`` to ``target``.

    Written to a temporary name and renamed, so an interrupted conversion leaves nothing that
    looks complete.
    """
    import torch

    folder, target = Path(folder), Path(target)
    model = read_ct2_model(folder / "model.bin")
    heads = read_alignment_heads(folder)
    dims, sd = ct2_to_state_dict(model)
    state = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in sd.items()}
    checkpoint = {"dims": dims, "model_state_dict": state, "alignment_heads": heads,
                  "focusdesk": {"format": FORMAT_VERSION, "source": str(folder)}}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        torch.save(checkpoint, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
