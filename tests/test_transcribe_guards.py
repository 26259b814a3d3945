"""Loop and repetition guards, window seams, the vocabulary prompt."""

from __future__ import annotations

import numpy as np
import pytest

from focusdesk.transcribe.guards import LoopGuard, collapse_repeated_ngrams, compression_ratio
from focusdesk.transcribe.pipeline import quiet_cut, vocabulary_prompt
from focusdesk.transcribe.types import SegmentResult, WordResult


def words(text: str, start: float = 0.0) -> list[WordResult]:
    return [WordResult(start + i * 0.5, start + i * 0.5 + 0.4, " " + w, 0.9)
            for i, w in enumerate(text.split())]


def seg(text: str, start: float) -> SegmentResult:
    w = words(text, start)
    return SegmentResult(start, w[-1].end, text, w)


def joined(ws: list[WordResult]) -> str:
    return "".join(w.text for w in ws).strip()


def test_repeated_ngrams_collapse_to_two_copies():
    kept, dropped = collapse_repeated_ngrams(words(
        "I think that I think that I think that I think that we agree"))
    assert joined(kept) == "I think that I think that we agree"
    assert dropped == 6


def test_natural_repetition_is_kept():
    for text in ["no no no", "very very good", "it was it was fine", "the the", "yes"]:
        kept, dropped = collapse_repeated_ngrams(words(text))
        assert joined(kept) == text and dropped == 0, text
    kept, _ = collapse_repeated_ngrams(words("no no no no no"))
    assert joined(kept) == "no no no"


def test_loop_guard_drops_a_sentence_repeated_every_segment_and_asks_for_a_prompt_reset():
    guard = LoopGuard()
    texts = ["We tried the app at home.", "Thank you.", "Thank you.", "Thank you.", "Thank you.",
             "Then the children used it."]
    out = []
    for i, text in enumerate(texts):
        kept = guard.accept(seg(text, i * 5.0))
        if kept:
            out.append(kept.text)
    assert out == ["We tried the app at home.", "Thank you.", "Thank you.",
                   "Then the children used it."]
    assert guard.dropped_segments == 2
    assert guard.loop_detected


def test_loop_guard_drops_overlaps_and_words_before_the_resume_point():
    guard = LoopGuard(last_end=2.0)
    kept = guard.accept(seg("one two three four five six", 0.0))  # words at 0, .5, ... 2.5
    assert kept.text == "five six" and kept.start >= 2.0
    assert guard.accept(seg("five six", 2.0)) is None  # ends before what is already out
    assert compression_ratio("la " * 100) > 2.4 > compression_ratio("A normal sentence, really.")


def test_quiet_cut_lands_in_the_pause():
    sr = 16000
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(100 * sr) * 0.2).astype(np.float32)
    audio[int(83.0 * sr):int(83.6 * sr)] *= 0.001
    cut = quiet_cut(audio, 80.0) / sr
    assert 83.0 <= cut <= 83.6


def test_vocabulary_prompt():
    assert vocabulary_prompt([]) == ""
    assert vocabulary_prompt(["St Mungo's", " CBT ", "CBT", ""]) == "St Mungo's, CBT."


@pytest.mark.parametrize("as_prompt", [False, True])
def test_windows_never_carry_earlier_words_and_the_vocabulary_is_a_prompt_only_when_asked(
        tmp_path, as_prompt):
    """Carrying the previous window's words as a prompt made tiny.en skip speech; never again.
    The vocabulary reaches the model only when asked (as a prompt it broke tiny.en's timing)."""
    import soundfile as sf

    from focusdesk.transcribe.engines import Engine
    from focusdesk.transcribe.pipeline import transcribe_stream
    from focusdesk.transcribe.types import Settings

    class Recorder(Engine):
        def __init__(self):
            self.settings = Settings(window_s=30, vad=False, vocabulary=["CBT"],
                                     vocabulary_prompt=as_prompt)
            self.prompts: list[str | None] = []

        def transcribe(self, audio, language, prompt):
            self.prompts.append(prompt)
            n = len(audio) / 16000
            return "en", iter([SegmentResult(0.5, n - 0.5, f"window {len(self.prompts)}",
                                             [WordResult(0.5, 1.0, " window", 0.9),
                                              WordResult(1.0, n - 0.5, f" {len(self.prompts)}", 0.9)])])

    path = tmp_path / "noise.wav"
    rng = np.random.default_rng(0)
    sf.write(path, (rng.standard_normal(100 * 16000) * 0.1).astype(np.float32), 16000)
    engine = Recorder()
    out = []
    stats = transcribe_stream(engine, path, on_segment=out.append)
    assert stats.windows >= 3 and len(engine.prompts) == stats.windows
    assert engine.prompts == (["CBT."] if as_prompt else [None]) * stats.windows
    assert [s.text for s in out] == [f"window {i + 1}" for i in range(stats.windows)]
