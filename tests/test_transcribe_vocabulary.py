"""The study's vocabulary: names and jargon spelled the study's way, without breaking transcription."""

from __future__ import annotations

import jiwer
import pytest
from conftest import AUDIO

from focusdesk.transcribe.engines import load_engine
from focusdesk.transcribe.guards import norm
from focusdesk.transcribe.pipeline import transcribe_stream
from focusdesk.transcribe.types import LOW_CONFIDENCE, SegmentResult, Settings, WordResult
from focusdesk.transcribe.vocabulary import apply_vocabulary, build_terms


def seg(text: str) -> SegmentResult:
    words = [WordResult(i, i + 0.8, " " + w, 0.9 - i / 100) for i, w in enumerate(text.split())]
    return SegmentResult(0.0, len(words), text, words)


def corrected(text: str, vocabulary: list[str]) -> SegmentResult:
    return apply_vocabulary(seg(text), build_terms(vocabulary))


def test_exact_matches_take_the_study_spelling_whatever_the_case_punctuation_or_spacing():
    out = corrected("we started cbt at St. Mungos, then saint mungo's", ["CBT", "St Mungo's"])
    assert out.text == "we started CBT at St Mungo's, then saint mungo's"
    assert [w.text for w in out.words][4] == " St Mungo's,"
    # the run of words keeps the first word's start and the last word's end, and the lowest probability
    st = out.words[4]
    assert (st.start, st.end, st.probability) == (4, 5 + 0.8, pytest.approx(0.85))
    assert corrected("Llan Elli is near", ["Llanelli"]).text == "Llanelli is near"


def test_near_misses_are_corrected_only_for_capitalised_words_and_long_terms():
    near = corrected("This is Diane and I'm Sheila.", ["Dianne", "Sheilagh"])
    assert near.text == "This is Dianne and I'm Sheilagh."
    # a near miss is a guess: flagged for review like a low-confidence word; exact ones are not
    assert [w.text for w in near.words if w.probability < LOW_CONFIDENCE] == [" Dianne", " Sheilagh."]
    exact = corrected("we started cbt", ["CBT"])
    assert all(w.probability >= LOW_CONFIDENCE for w in exact.words)
    # an ordinary lower-case word close to a term is left alone
    assert corrected("she hates it", ["Hayes"]).text == "she hates it"
    # short terms only match exactly: CBD is not CBT
    assert corrected("They said CBD", ["CBT"]).text == "They said CBD"
    # an exact match beats a near miss: Site D stays Site D when both sites are listed
    assert corrected("From Site D today", ["Site B", "Site D"]).text == "From Site D today"
    assert corrected("From Site D today", ["Site B"]).text == "From Site B today"
    # a near miss never swallows the next word
    assert corrected("Sheila and Texas", ["Sheilagh"]).text == "Sheilagh and Texas"


def test_nothing_to_correct_returns_the_segment_unchanged():
    original = seg("nothing here")
    assert apply_vocabulary(original, build_terms(["CBT"])) is original
    assert apply_vocabulary(original, []) is original
    assert build_terms(["  St   Mungo's ", "st mungo's", "", "St Mungo's Hospital"])[0].text == \
        "St Mungo's Hospital"


@pytest.mark.parametrize("engine", ["faster", "openai"])
def test_vocabulary_spells_names_on_real_speech_and_loses_no_words(engine):
    """As a prompt, a vocabulary made tiny.en drop the whole telephone call (WER 100 %)."""
    settings = Settings(engine=engine, beam_size=1)
    eng = load_engine(settings)
    clip = AUDIO / "telephone-2spk.wav"
    plain: list[SegmentResult] = []
    named: list[SegmentResult] = []
    transcribe_stream(eng, clip, on_segment=plain.append)
    transcribe_stream(eng, clip, on_segment=named.append, vocabulary=["Dianne", "Sheilagh"])
    plain_text = " ".join(s.text for s in plain)
    named_text = " ".join(s.text for s in named)
    assert "Diane" in plain_text and "Dianne" in named_text and "Sheilagh" in named_text
    assert len(named_text.split()) == len(plain_text.split()) > 50
    # apart from the names, the same words at the same times
    assert jiwer.wer(norm(plain_text), norm(named_text)) <= 3 / len(plain_text.split())
    assert [(w.start, w.end) for s in named for w in s.words] == \
        [(w.start, w.end) for s in plain for w in s.words]
