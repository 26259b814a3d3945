"""Pure parts of diarization: word-level merge, turns arithmetic, DER, channel activity."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import AUDIO

from focusdesk.core.model import Segment, Word
from focusdesk.core.turn_merge import TurnIndex, join_words, merge_transcript, split_segment
from focusdesk.core.turns import Turn, relabel, smooth, talk_time
from focusdesk.diarize import metrics
from focusdesk.diarize.channels import turns_from_channels


def _segment(words: list[tuple[int, int, str]], text: str | None = None) -> Segment:
    ws = [Word(s, e, t) for s, e, t in words]
    return Segment(session_id=1, start_ms=ws[0].start_ms, end_ms=ws[-1].end_ms,
                   text=text if text is not None else join_words(ws), words=ws, id=7)


def test_segment_spanning_a_speaker_change_is_split_at_that_word():
    # The reference call: Diane "Oh, hello. I didn't know you were there." then Sheila
    # "Neither did I." (STM words, RTTM turns): one Whisper-like segment across the change.
    utts = metrics.read_stm(AUDIO / "telephone-2spk.stm")
    words = [(s, e, (" " + t)) for s, e, t, spk in metrics.stm_words(utts) if 8400 <= s < 10700]
    seg = _segment(words)
    assert seg.text.startswith("Oh, hello.") and "Neither" in seg.text
    turns = metrics.read_rttm(AUDIO / "telephone-2spk.rttm")
    pieces = merge_transcript([seg], turns)
    assert [lab for lab, _ in pieces] == ["speaker90", "speaker91"]
    first, second = pieces[0][1], pieces[1][1]
    assert first.text == "Oh, hello. I didn't know you were there."
    assert second.text == "Neither did I."
    assert first.id == 7 and second.id is None  # the first piece updates the stored segment
    assert second.words[0].text.strip() == "Neither" and second.start_ms == second.words[0].start_ms
    assert first.end_ms == second.start_ms and first.start_ms == seg.start_ms and second.end_ms == seg.end_ms


def test_words_keep_their_times_and_a_word_in_a_gap_takes_the_nearest_turn():
    seg = _segment([(0, 400, " yes"), (450, 800, " right."), (2100, 2500, " So"), (2550, 3000, " then")])
    turns = [Turn(0, 900, "A"), Turn(2200, 3100, "B")]  # "So" starts 100 ms before B's turn
    pieces = split_segment(seg, TurnIndex(turns))
    assert [(lab, p.text) for lab, p in pieces] == [("A", "yes right."), ("B", "So then")]
    assert [w.start_ms for _, p in pieces for w in p.words] == [0, 450, 2100, 2550]


def test_one_speaker_segment_is_not_split_and_no_turns_leaves_it_alone():
    seg = _segment([(0, 400, " one"), (500, 900, " two")])
    assert [lab for lab, _ in split_segment(seg, TurnIndex([Turn(0, 1000, "A")]))] == ["A"]
    assert merge_transcript([seg], [])[0][0] is None


def test_edited_text_is_not_cut_but_takes_the_majority_speaker():
    seg = _segment([(0, 300, " hi"), (400, 3000, " everybody welcome")], text="Hi everybody, welcome!")
    pieces = split_segment(seg, TurnIndex([Turn(0, 350, "A"), Turn(350, 3000, "B")]))
    assert len(pieces) == 1 and pieces[0][0] == "B" and pieces[0][1].text == "Hi everybody, welcome!"


def test_segment_without_words_takes_the_speaker_it_overlaps_most():
    seg = Segment(session_id=1, start_ms=1000, end_ms=5000, text="typed by hand")
    assert split_segment(seg, TurnIndex([Turn(0, 1500, "A"), Turn(1500, 6000, "B")]))[0][0] == "B"


def test_join_words_handles_whisper_and_typed_words():
    assert join_words([Word(0, 1, " Hello,"), Word(1, 2, " world.")]) == "Hello, world."
    assert join_words([Word(0, 1, "Hello"), Word(1, 2, ","), Word(2, 3, "world")]) == "Hello, world"


def test_talk_time_counts_overlap_of_one_voice_once_and_relabel_orders_by_first_turn():
    turns = [Turn(5000, 6000, "x"), Turn(0, 1000, "y"), Turn(500, 1500, "y"), Turn(7000, 7100, "x")]
    assert talk_time(turns) == {"x": 1100, "y": 1500}
    renamed, mapping = relabel(turns)
    assert mapping == {"y": "S1", "x": "S2"}
    assert smooth([Turn(0, 1000, "A"), Turn(1000, 1200, "B"), Turn(1200, 3000, "A")], 400, 0) == [
        Turn(0, 3000, "A")]


def test_der_of_reference_is_zero_and_counts_errors():
    ref = metrics.read_rttm(AUDIO / "telephone-2spk.rttm")
    assert len(ref) == 10
    assert metrics.der(ref, ref).der == 0
    swapped = [Turn(t.start_ms, t.end_ms, {"speaker90": "b", "speaker91": "a"}[t.speaker]) for t in ref]
    assert metrics.der(ref, swapped).der == 0
    one = [Turn(t.start_ms, t.end_ms, "same") for t in ref]
    result = metrics.der(ref, one)
    assert 0.3 < result.der < 0.7 and result.confusion_ms > 0
    assert metrics.der(ref, []).der == pytest.approx(1.0)
    assert metrics.der(ref, one, collar_s=0.25).total_ms < result.total_ms


def test_channel_activity_finds_each_channel_and_ignores_bleed_and_silence():
    rate = 16000
    t = np.arange(rate * 4) / rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    left = np.where((t >= 0.5) & (t < 1.5), tone, 0.0) + 1e-4 * np.random.default_rng(0).standard_normal(len(t))
    right = np.where((t >= 2.0) & (t < 3.5), tone, 0.0) + 0.003 * left  # bleed of the left mic
    turns = turns_from_channels([left.astype(np.float32), right.astype(np.float32),
                                 np.zeros(len(t), dtype=np.float32)], rate)
    assert [(t.speaker, round(t.start_ms, -2), round(t.end_ms, -2)) for t in turns] == [
        ("S1", 500, 1500), ("S2", 2000, 3500)]
