"""Headless transcript edits on a real study: times preserved, anchors never move, undo exact."""

from __future__ import annotations

import pytest

from focusdesk.core.model import Coding, Marker, Segment, Word
from focusdesk.store import annotations, codes, sessions, transcript_ops, transcripts


def _add(db, session_id, speaker_id, start, text, step=400):
    words = [Word(start + i * step, start + i * step + step - 50, w, probability=0.8)
             for i, w in enumerate(text.split())]
    return transcripts.add_segment(db, Segment(session_id=session_id, start_ms=start,
                                               end_ms=words[-1].end_ms, text=text,
                                               speaker_id=speaker_id, words=words))


@pytest.fixture
def tx(seeded):
    db = seeded.db
    s = sessions.session_by_name(db, "Focus group 1")
    s1 = transcripts.ensure_speaker(db, s.id, "S1")
    s2 = transcripts.ensure_speaker(db, s.id, "S2")
    a = _add(db, s.id, s1.id, 0, "so how does the app fit into your week")
    b = _add(db, s.id, s2.id, 5000, "honestly it keeps me going between sessions")
    c = _add(db, s.id, s1.id, 9000, "thank you that is helpful")
    return seeded, s, (s1, s2), (a, b, c)


def _snapshot(db, session_id):
    return [(seg.id, seg.start_ms, seg.end_ms, seg.speaker_id, seg.text,
             [(w.start_ms, w.end_ms, w.text, w.probability) for w in seg.words])
            for seg in transcripts.list_segments(db, session_id)]


def test_edit_keeps_unchanged_word_times(tx):
    ws, s, _, (a, b, c) = tx
    before, after = transcript_ops.edit_segment_text(ws.db, b.id, "Honestly, it really keeps me going between sessions.")
    old = {w.text.strip(".,").lower(): (w.start_ms, w.end_ms) for w in before.words}
    for w in after.words:
        key = w.text.strip(".,").lower()
        if key != "really":
            assert (w.start_ms, w.end_ms) == old[key]
    really = next(w for w in after.words if w.text == "really")
    assert old["it"][1] <= really.start_ms <= really.end_ms <= old["keeps"][0]
    assert after.start_ms == b.start_ms and after.end_ms == b.end_ms
    assert transcripts.get_segment(ws.db, b.id).text.startswith("Honestly, it really")


def test_editing_words_never_moves_markers_or_codings(tx):
    ws, s, (s1, s2), (a, b, c) = tx
    db = ws.db
    marker = annotations.add_marker(db, Marker(session_id=s.id, ms=6200, tag="quote", note="good one"))
    guide_marker = annotations.add_marker(db, Marker(session_id=s.id, ms=5000, guide_item_key="q1"))
    code = codes.list_codes(db)[0]
    coding = annotations.add_coding(db, Coding(session_id=s.id, code_id=code.id, start_ms=5400,
                                               end_ms=7750, speaker_id=s2.id, memo="engagement"))
    anchors = ([(m.id, m.ms, m.tag, m.note, m.guide_item_key) for m in annotations.list_markers(db, s.id)],
               [(k.id, k.start_ms, k.end_ms, k.speaker_id, k.code_id) for k in annotations.list_codings(db, s.id)])
    transcript_ops.edit_segment_text(db, b.id, "Truthfully it is what keeps me going")
    transcript_ops.find_replace(db, s.id, "going", "afloat")
    _, first, second = transcript_ops.split_segment(db, b.id, word_index=3)
    transcript_ops.merge_segments(db, first.id, second.id)
    transcript_ops.set_segment_speaker(db, b.id, s1.id)
    transcript_ops.edit_segment_text(db, b.id, "completely different words now")
    after = ([(m.id, m.ms, m.tag, m.note, m.guide_item_key) for m in annotations.list_markers(db, s.id)],
             [(k.id, k.start_ms, k.end_ms, k.speaker_id, k.code_id) for k in annotations.list_codings(db, s.id)])
    assert after == anchors
    assert marker.id and guide_marker.id and coding.id


def test_split_and_merge_roundtrip(tx):
    ws, s, _, (a, b, c) = tx
    db = ws.db
    original = _snapshot(db, s.id)
    text = b.text
    before, first, second = transcript_ops.split_segment(db, b.id, char_pos=text.index("between"))
    assert first.id == b.id and second.id not in (a.id, b.id, c.id)
    assert first.text == "honestly it keeps me going" and second.text == "between sessions"
    assert first.end_ms == before.words[4].end_ms and second.start_ms == before.words[5].start_ms
    assert second.speaker_id == b.speaker_id
    assert [seg.id for seg in transcripts.list_segments(db, s.id)] == [a.id, b.id, second.id, c.id]
    merged_before, merged = transcript_ops.merge_segments(db, b.id, second.id)
    assert merged.text == b.text and merged.end_ms == b.end_ms
    assert [(w.start_ms, w.end_ms, w.text) for w in merged.words] == [(w.start_ms, w.end_ms, w.text) for w in b.words]
    # Undo both steps exactly.
    transcript_ops.restore_segments(db, merged_before)
    transcript_ops.delete_segments(db, [second.id])
    transcript_ops.restore_segments(db, [before])
    assert _snapshot(db, s.id) == original


def test_undo_of_edit_restores_exactly_and_fts_follows(tx):
    ws, s, _, (a, b, c) = tx
    db = ws.db
    original = _snapshot(db, s.id)
    before, _ = transcript_ops.edit_segment_text(db, a.id, "so where does the app fit")
    assert db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH 'where'").fetchall() == [(a.id,)]
    transcript_ops.restore_segments(db, [before])
    assert _snapshot(db, s.id) == original
    assert db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH 'where'").fetchall() == []
    assert db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH 'how'").fetchall() == [(a.id,)]


def test_find_and_replace(tx):
    ws, s, _, (a, b, c) = tx
    db = ws.db
    matches = transcript_ops.find_in_session(db, s.id, "THE")
    assert [(m.segment_id, m.start) for m in matches] == [(a.id, 12)]
    assert matches[0].ms == a.words[3].start_ms
    assert transcript_ops.find_in_session(db, s.id, "the", case_sensitive=True)
    assert transcript_ops.find_in_session(db, s.id, "app fit", whole_word=True)[0].segment_id == a.id
    assert not transcript_ops.find_in_session(db, s.id, "ap", whole_word=True)
    original = _snapshot(db, s.id)
    changed = transcript_ops.find_replace(db, s.id, "sessions", "appointments")
    assert [seg.id for seg in changed] == [b.id]
    new_b = transcripts.get_segment(db, b.id)
    assert new_b.text.endswith("appointments")
    assert new_b.words[-1].start_ms == b.words[-1].start_ms  # one-for-one keeps the time
    assert transcript_ops.find_replace(db, s.id, "nothing-like-this", "x") == []
    with pytest.raises(ValueError, match="empty"):
        transcript_ops.find_replace(db, s.id, "thank you that is helpful", "")
    transcript_ops.restore_segments(db, changed)
    assert _snapshot(db, s.id) == original


def test_set_speaker_checks_session(tx):
    ws, s, (s1, s2), (a, b, c) = tx
    other = sessions.session_by_name(ws.db, "Interview 1")
    stranger = transcripts.ensure_speaker(ws.db, other.id, "S1")
    with pytest.raises(LookupError):
        transcript_ops.set_segment_speaker(ws.db, a.id, stranger.id)
    before, after = transcript_ops.set_segment_speaker(ws.db, a.id, s2.id)
    assert before.speaker_id == s1.id and after.speaker_id == s2.id


def test_edit_refuses_empty_text(tx):
    ws, s, _, (a, b, c) = tx
    with pytest.raises(ValueError, match="cannot be empty"):
        transcript_ops.edit_segment_text(ws.db, a.id, "   ")
    assert transcripts.get_segment(ws.db, a.id).text == a.text
