"""Settings and results shared by the engines, the pipeline and the job (plain, picklable data)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ENGINES = ("auto", "faster", "openai")
DEFAULT_MODEL = "tiny.en"
LOW_CONFIDENCE = 0.5  # words below this probability are flagged for review
# Silero's speech-probability threshold (its default, used before, is 0.5). Chosen by
# bench/speech_coverage.py on the ten AMI clips and the reference clips; figures in pipeline._Speech.
VAD_THRESHOLD = 0.2


@dataclass
class Settings:
    """What the user chose. ``model`` is a name (``tiny.en``, ``small``) or a path."""

    engine: str = "auto"  # auto | faster | openai
    model: str = DEFAULT_MODEL
    language: str | None = None  # None: detect (English-only models always use "en")
    device: str = "cpu"  # cpu | cuda | auto
    compute_type: str = "auto"  # faster: int8 on CPU, float16 on CUDA
    beam_size: int | None = None  # None: the engine's default (faster 1, openai 5)
    vocabulary: list[str] = field(default_factory=list)  # names and jargon, spelled the study's way
    vocabulary_prompt: bool = False  # also prompt the model with them (breaks tiny.en; see vocabulary.py)
    vad: bool = True
    vad_threshold: float = VAD_THRESHOLD  # silero's speech probability to count as speech
    retry_unheard: bool = True  # decode detected speech that got no words again, alone
    no_speech_threshold: float = 0.6  # Whisper's: above it (and unlikely text) a segment is skipped
    threads: int = 0  # 0: the engine's default
    window_s: float = 300.0  # audio processed at once; memory grows with it
    per_channel: bool = False

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"Unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}.")
        if self.language in ("", "auto"):
            self.language = None
        if self.beam_size is not None and self.beam_size < 1:
            raise ValueError("Beam size must be 1 or more.")
        if not 0.0 < self.vad_threshold < 1.0:
            raise ValueError("The speech-detection threshold must be between 0 and 1.")
        if self.window_s < 30:
            raise ValueError("The processing window must be at least 30 seconds.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class WordResult:
    start: float  # seconds
    end: float
    text: str
    probability: float


@dataclass
class SegmentResult:
    start: float  # seconds, relative to the audio given to the engine
    end: float
    text: str
    words: list[WordResult] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0

    def shifted(self, offset: float) -> SegmentResult:
        return SegmentResult(self.start + offset, self.end + offset, self.text,
                             [WordResult(w.start + offset, w.end + offset, w.text, w.probability)
                              for w in self.words],
                             self.avg_logprob, self.no_speech_prob, self.compression_ratio)
