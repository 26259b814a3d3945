"""Word alignment rules: unchanged words keep their times, new ones are interpolated."""

from __future__ import annotations

import pytest

from focusdesk.core.model import Word
from focusdesk.core.word_align import (
    align_words,
    char_to_word_index,
    merge_words,
    normalise,
    split_index,
    split_words,
)


def _words(text: str, start: int = 1000, step: int = 500, dur: int = 400) -> list[Word]:
    return [Word(start + i * step, start + i * step + dur, t, probability=0.9, id=100 + i)
            for i, t in enumerate(text.split())]


def _times(words):
    return [(w.text, w.start_ms, w.end_ms) for w in words]


def test_unchanged_text_keeps_everything():
    old = _words("the app helps between sessions")
    new = align_words(old, "the app helps between sessions", 1000, 3400)
    assert new == old


def test_case_and_punctuation_changes_keep_times_and_ids():
    old = _words("the app helps between sessions")
    new = align_words(old, "The app helps, between sessions.", 1000, 3400)
    assert [w.text for w in new] == ["The", "app", "helps,", "between", "sessions."]
    assert [(w.start_ms, w.end_ms, w.id) for w in new] == [(w.start_ms, w.end_ms, w.id) for w in old]


def test_inserted_words_are_interpolated_between_neighbours():
    old = _words("the app helps sessions")  # helps 2000-2400, sessions 2500-2900
    new = align_words(old, "the app helps between all sessions", 1000, 2900)
    assert _times(new[:3]) == _times(old[:3])
    assert _times(new[-1:]) == [("sessions", 2500, 2900)]
    between, all_ = new[3], new[4]
    assert 2400 <= between.start_ms <= between.end_ms <= all_.start_ms <= all_.end_ms <= 2500
    assert between.probability is None and between.id is None


def test_one_for_one_replacement_keeps_the_words_time():
    old = _words("their was a problem")
    new = align_words(old, "there was a problem", 1000, 2900)
    assert _times(new)[0] == ("there", 1000, 1400)
    assert new[0].probability is None
    assert _times(new[1:]) == _times(old[1:])


def test_many_for_one_replacement_spreads_over_old_span():
    old = _words("we use the up to date version")
    new = align_words(old, "we use the up-to-date version", 1000, 4400)
    assert _times(new)[3] == ("up-to-date", old[3].start_ms, old[5].end_ms)
    new = align_words(old, "we use the very latest and newest version", 1000, 4400)
    mid = new[3:7]
    assert mid[0].start_ms == old[3].start_ms and mid[-1].end_ms == old[5].end_ms
    assert all(a.end_ms <= b.start_ms for a, b in zip(mid, mid[1:]))


def test_deleted_words_vanish_others_keep_times():
    old = _words("um so I think it works")
    new = align_words(old, "I think it works", 1000, 4000)
    assert _times(new) == _times(old[2:])


def test_insert_at_start_and_end_uses_segment_bounds():
    old = _words("middle words", start=2000)
    new = align_words(old, "first middle words last", 1500, 3500)
    assert new[0].start_ms >= 1500 and new[0].end_ms <= old[0].start_ms
    assert new[-1].start_ms >= old[1].end_ms and new[-1].end_ms <= 3500


def test_text_without_words_spreads_over_segment():
    new = align_words([], "a longer word", 0, 1300)
    assert new[0].start_ms == 0 and new[-1].end_ms == 1300
    assert all(w.start_ms <= w.end_ms for w in new)


def test_times_are_monotonic_under_many_edits():
    old = _words("one two three four five six seven eight nine ten")
    for text in ["zero one two three", "one 2 three four five", "ten nine eight",
                 "one two inserted three four five six seven eight nine ten eleven"]:
        new = align_words(old, text, 1000, 6000)
        starts = [w.start_ms for w in new]
        assert starts == sorted(starts)
        assert all(w.start_ms <= w.end_ms for w in new)


def test_split_at_cursor_between_words():
    old = _words("hello there how are you")
    text = "hello there how are you"
    res = split_words(old, text, text.index("how"), 1000, 3400)
    assert res.first_text == "hello there" and res.second_text == "how are you"
    assert _times(res.first_words) == _times(old[:2])
    assert _times(res.second_words) == _times(old[2:])
    assert res.first_end == old[1].end_ms and res.second_start == old[2].start_ms


def test_split_inside_a_word_shares_its_time():
    old = _words("helloworld again")
    res = split_words(old, "helloworld again", 5, 1000, 1900)
    assert res.first_text == "hello" and res.second_text == "world again"
    assert res.first_words[0].start_ms == 1000
    assert res.first_end <= res.second_start
    assert res.second_words[-1].start_ms == old[1].start_ms


def test_split_needs_words_on_both_sides():
    with pytest.raises(ValueError, match="cursor between two words"):
        split_words(_words("a b"), "a b", 0, 0, 10)
    with pytest.raises(ValueError):
        split_index(_words("a b"), 0, 0, 10)


def test_split_index_and_merge_roundtrip():
    old = _words("one two three four")
    res = split_index(old, 2, 1000, 2900)
    text, words = merge_words(res.first_text, res.first_words, res.second_text, res.second_words)
    assert text == "one two three four" and words == old


def test_helpers():
    assert normalise("“Hello,”") == "hello"
    assert normalise("...") == "..."
    assert char_to_word_index("ab cd ef", 3) == 1
    assert char_to_word_index("ab cd ef", 4) == 2
    assert char_to_word_index("ab cd ef", 99) == 3
