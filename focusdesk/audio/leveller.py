"""Level speech for a second transcription pass: a look-ahead AGC that never clips.

Used by the "transcribe this stretch again" fill (focusdesk.transcribe.fill), not by the main
pass: measured on AMI (issue 12), levelling before the VAD lost *more* speech (13.6 % of
single-speaker speech without words against 9.4 % with the raw audio at the same threshold), and
levelled audio to Whisper gained nothing over the lower VAD threshold alone.

Why: in real meeting audio (AMI headset mixes, ../shared/data/audio/ami) one participant can talk
at -35 to -50 dBFS next to others at -20 to -30 dBFS. Silero VAD and Whisper both lose such a
voice: silero's speech probability falls with level, and Whisper's log-mel input is clamped to
80 dB below the loudest frame of each 30-s input, then decoded as if it were background. Attenuating
a whole clean file loses nothing, so what matters is *relative* level within one stretch of audio.
This leveller brings every few seconds of audio to about the same loudness, so a quiet voice
reaches the models at the level of a loud one.

How (offline, so the gain may look ahead as well as back):

1. power per 20-ms frame, averaged over a centred window of ``window_s`` (cumulative sums, O(n));
2. gain (dB) = target - local level, limited to ``max_gain_db`` of boost and ``max_cut_db`` of cut,
   and no boost at all where the local level is below ``floor_dbfs`` (room tone between turns
   stays room tone: raising it is what makes Whisper invent "Thank you." over noise);
3. the gain is lowered wherever it would push a frame's peak, or a neighbouring frame's, over
   ``ceiling`` (0.98 full scale) -- so with per-sample linear interpolation between frame centres
   no sample can exceed the ceiling: nothing is ever clipped;
4. the gain is interpolated per sample (no zipper noise) and applied.

Pure numpy, float32 out; about 20 ms per minute of audio on one core (< 1 % of tiny.en's time).
"""

from __future__ import annotations

import numpy as np

from focusdesk.audio.decode import SAMPLE_RATE


def _moving_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean of ``values`` over ``width`` entries (shorter at the edges)."""
    if width <= 1 or len(values) == 0:
        return values.astype(np.float64)
    c = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    n = len(values)
    half = width // 2
    idx = np.arange(n)
    lo = np.clip(idx - half, 0, n)
    hi = np.clip(idx + half + 1, 0, n)
    return (c[hi] - c[lo]) / (hi - lo)


def level_gain_db(samples: np.ndarray, sr: int = SAMPLE_RATE, *, target_dbfs: float = -22.0,
                  window_s: float = 3.0, max_gain_db: float = 30.0, max_cut_db: float = 10.0,
                  floor_dbfs: float = -62.0, frame_s: float = 0.02,
                  ceiling: float = 0.98) -> tuple[np.ndarray, int]:
    """Per-frame gain in dB and the frame length in samples (see the module docstring)."""
    frame = max(1, int(round(frame_s * sr)))
    n_frames = -(-len(samples) // frame)
    padded = np.zeros(n_frames * frame, dtype=np.float32)
    padded[:len(samples)] = samples
    frames = padded.reshape(n_frames, frame)
    power = np.einsum("ij,ij->i", frames, frames).astype(np.float64) / frame
    peak = np.maximum(frames.max(axis=1), -frames.min(axis=1)).astype(np.float64)
    local_db = 10.0 * np.log10(_moving_mean(power, max(1, int(round(window_s / frame_s)))) + 1e-12)
    gain_db = np.clip(target_dbfs - local_db, -max_cut_db, max_gain_db)
    # Below the floor the audio is room tone, not a quiet voice: never boost it. Fade in over
    # 6 dB so a voice close to the floor is not switched on and off.
    fade = np.clip((local_db - floor_dbfs) / 6.0, 0.0, 1.0)
    gain_db = np.where(gain_db > 0, gain_db * fade, gain_db)
    # Peak limit, own frame and both neighbours (interpolation reaches into them).
    limit_db = 20.0 * np.log10(ceiling / np.maximum(peak, 1e-9))
    nb = limit_db.copy()
    nb[1:] = np.minimum(nb[1:], limit_db[:-1])
    nb[:-1] = np.minimum(nb[:-1], limit_db[1:])
    return np.minimum(gain_db, nb), frame


def level(samples: np.ndarray, sr: int = SAMPLE_RATE, **options: float) -> np.ndarray:
    """``samples`` (1-D float32, -1..1) levelled to about ``target_dbfs`` per ``window_s``.

    Options as :func:`level_gain_db`. Never clips: every output sample is within ``ceiling``
    (0.98) of full scale, provided the input was within full scale.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.size == 0:
        return x.copy()
    gain_db, frame = level_gain_db(x, sr, **options)
    # Linear interpolation between frame centres, done frame by frame (np.interp over every
    # sample costs ten times more): piece k runs from centre k-1 to centre k.
    g = np.power(10.0, gain_db / 20.0).astype(np.float32)
    g = np.concatenate([g[:1], g, g[-1:]])
    half = frame // 2
    n_pieces = len(gain_db) + 1
    shifted = np.zeros(n_pieces * frame, dtype=np.float32)
    shifted[half:half + len(x)] = x
    ramp = (np.arange(frame, dtype=np.float32) + 0.5) / frame
    pieces = shifted.reshape(n_pieces, frame)
    out = pieces * (g[:-1, None] + (g[1:] - g[:-1])[:, None] * ramp[None, :])
    return out.reshape(-1)[half:half + len(x)]
