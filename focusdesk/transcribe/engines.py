"""The two Whisper engines behind one interface.

``Engine.transcribe(audio, language, prompt)`` takes 16 kHz mono float32 samples (checked by
focusdesk.audio.decode.check_samples) and returns the detected language and an iterator of
:class:`SegmentResult` with word times and probabilities.

Both engines decode every 30-second chunk afresh, not on the text decoded before it (``prompt``,
the study's vocabulary, is given to every chunk, and only when the user asks for it). Conditioning on earlier text is what lets one bad
chunk drag the next ones into skipped speech and loops: on 10 minutes of looped speech, two of
nine loops lost a quarter of their words with it and none without (WER 9.0-10.9 % in every loop),
and the run took 20 s instead of 30 s. The faster engine yields segments as it
decodes them; the openai engine (the reference implementation) returns them when the audio given
is done, so the pipeline gives it shorter pieces.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from focusdesk.transcribe.ct2_format import ModelFileError, read_ct2_model
from focusdesk.transcribe.models import ModelRef, openai_checkpoint, resolve_model
from focusdesk.transcribe.types import SegmentResult, Settings, WordResult


def resolve_device(device: str) -> str:
    if device not in ("cpu", "cuda", "auto"):
        raise ValueError(f"Unknown device {device!r}; choose cpu, cuda or auto.")
    if device == "cpu":
        return "cpu"
    try:
        import ctranslate2

        has_cuda = ctranslate2.get_cuda_device_count() > 0
    except Exception:  # noqa: BLE001 - no CUDA runtime at all
        has_cuda = False
    if device == "cuda" and not has_cuda:
        raise ValueError("No CUDA GPU is available here; use --device cpu.")
    return "cuda" if has_cuda else "cpu"


class Engine:
    name = "engine"
    default_beam_size = 5

    def __init__(self, ref: ModelRef, settings: Settings):
        self.ref = ref
        self.settings = settings
        self.device = resolve_device(settings.device)

    @property
    def model_name(self) -> str:
        return self.ref.name

    @property
    def beam_size(self) -> int:
        return self.settings.beam_size or self.default_beam_size

    def language_for(self, language: str | None) -> str | None:
        return "en" if self.ref.english_only else language

    def transcribe(self, audio: np.ndarray, language: str | None,
                   prompt: str | None) -> tuple[str | None, Iterator[SegmentResult]]:
        raise NotImplementedError

    def describe(self) -> dict:
        return {"engine": self.name, "model": self.model_name, "model_path": str(self.ref.path),
                "device": self.device, "beam_size": self.beam_size}


class FasterEngine(Engine):
    """faster-whisper (CTranslate2): int8 on CPU by default, streams segments.

    Greedy decoding by default: on the benchmark's speech (bench/transcribe.py) tiny.en's word
    error rate was the same as with a beam of 5 (9.4 % vs 9.6 %) in 55 % of the time; the
    temperature fallback still re-decodes a segment that comes out repetitive or unlikely.
    """

    name = "faster"
    default_beam_size = 1

    def __init__(self, ref: ModelRef, settings: Settings):
        super().__init__(ref, settings)
        if ref.kind != "ct2":
            raise ValueError(f"{ref.path.name} is an openai-whisper checkpoint; the faster engine "
                             "needs a CTranslate2 folder. Use --engine openai for it.")
        from faster_whisper import WhisperModel

        ct = settings.compute_type
        self.compute_type = ("int8" if self.device == "cpu" else "float16") if ct == "auto" else ct
        try:
            self.model = WhisperModel(str(ref.path), device=self.device, compute_type=self.compute_type,
                                      cpu_threads=settings.threads, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            read_ct2_model(ref.path / "model.bin")  # a clearer message when the file is damaged
            raise ModelFileError(f"faster-whisper cannot load {ref.path}: {exc}") from exc

    def describe(self) -> dict:
        return super().describe() | {"compute_type": self.compute_type}

    def transcribe(self, audio, language, prompt):
        segments, info = self.model.transcribe(
            audio, language=self.language_for(language), beam_size=self.beam_size,
            word_timestamps=True, vad_filter=False, hotwords=prompt or None,
            condition_on_previous_text=False,
            no_speech_threshold=self.settings.no_speech_threshold)

        def results() -> Iterator[SegmentResult]:
            for s in segments:
                yield SegmentResult(
                    float(s.start), float(s.end), s.text.strip(),
                    [WordResult(float(w.start), float(w.end), w.word, float(w.probability))
                     for w in (s.words or [])],
                    float(s.avg_logprob), float(s.no_speech_prob), float(s.compression_ratio))

        return info.language, results()


class OpenAIEngine(Engine):
    """openai-whisper, the reference. CT2 models are converted once into the cache.

    Beam search of 5 (with best-of 5 sampling in the fallback) by default, as the ``whisper``
    command does, so its results match what users of the reference expect.
    """

    name = "openai"

    def __init__(self, ref: ModelRef, settings: Settings):
        super().__init__(ref, settings)
        import torch

        if settings.threads:
            torch.set_num_threads(settings.threads)
        if self.device == "cpu":
            from focusdesk.transcribe import dtw

            dtw.install()  # same word times, without a numba compile in every job
        path = openai_checkpoint(ref)
        try:
            self.model = self._load(path)
        except ModelFileError:
            if ref.kind != "ct2":
                raise
            path.unlink(missing_ok=True)  # a damaged converted copy: convert again, once
            self.model = self._load(openai_checkpoint(ref))

    def _load(self, path):
        import pickle

        import torch
        import whisper
        from whisper.model import ModelDimensions, Whisper

        from focusdesk.transcribe.convert import alignment_heads_dump

        try:
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
            dims = ModelDimensions(**checkpoint["dims"])
            model = Whisper(dims)
            model.load_state_dict(checkpoint["model_state_dict"])
        except (RuntimeError, EOFError, KeyError, TypeError, pickle.UnpicklingError,
                OSError, ValueError) as exc:
            raise ModelFileError(f"{path} is damaged or not an openai-whisper checkpoint "
                                 f"({type(exc).__name__}). Delete it and try again.") from exc
        heads = checkpoint.get("alignment_heads")
        if heads:
            model.set_alignment_heads(alignment_heads_dump(heads, dims.n_text_layer, dims.n_text_head))
        elif self.ref.name in whisper._ALIGNMENT_HEADS:
            model.set_alignment_heads(whisper._ALIGNMENT_HEADS[self.ref.name])
        return model.to(self.device)

    def transcribe(self, audio, language, prompt):
        options = {"beam_size": self.beam_size, "best_of": 5} if self.beam_size > 1 else {}
        result = self.model.transcribe(
            audio, language=self.language_for(language), word_timestamps=True,
            initial_prompt=prompt or None, carry_initial_prompt=bool(prompt),
            condition_on_previous_text=False,
            no_speech_threshold=self.settings.no_speech_threshold,
            fp16=self.device == "cuda", verbose=None, **options)
        segments = [SegmentResult(
            float(seg["start"]), float(seg["end"]), seg["text"].strip(),
            [WordResult(float(w["start"]), float(w["end"]), w["word"], float(w["probability"]))
             for w in seg.get("words", [])],
            float(seg["avg_logprob"]), float(seg["no_speech_prob"]), float(seg["compression_ratio"]))
            for seg in result["segments"]]
        return result.get("language"), iter(segments)


def choose_engine(settings: Settings, ref: ModelRef) -> str:
    if settings.engine != "auto":
        return settings.engine
    return "faster" if ref.kind == "ct2" else "openai"


def load_engine(settings: Settings) -> Engine:
    """Resolve the model and build the chosen engine (``auto``: faster for CT2 folders)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a name must never turn into a download here
    ref = resolve_model(settings.model)
    cls = FasterEngine if choose_engine(settings, ref) == "faster" else OpenAIEngine
    return cls(ref, settings)
