"""Session-wide speaker operations on a real SQLite study (no window)."""

from __future__ import annotations

import pytest

from focusdesk.core.model import Coding, Facilitator, Segment, Word
from focusdesk.store import annotations, codes, sessions, speaker_ops, study, transcripts
from focusdesk.store.study import AlreadyExists, NotFound


def _session(db):
    return sessions.session_by_name(db, "Focus group 1")


def _add(db, session_id, speaker_id, start, text):
    words = [Word(start + i * 300, start + i * 300 + 250, w) for i, w in enumerate(text.split())]
    return transcripts.add_segment(db, Segment(session_id=session_id, start_ms=start,
                                               end_ms=words[-1].end_ms, text=text,
                                               speaker_id=speaker_id, words=words))


@pytest.fixture
def voices(seeded):
    db = seeded.db
    s = _session(db)
    s1 = transcripts.ensure_speaker(db, s.id, "S1")
    s2 = transcripts.ensure_speaker(db, s.id, "S2")
    s3 = transcripts.ensure_speaker(db, s.id, "S3")
    _add(db, s.id, s1.id, 0, "hello everyone")
    _add(db, s.id, s2.id, 1000, "thanks for having us")
    _add(db, s.id, s3.id, 3000, "it helps between sessions")
    _add(db, s.id, s2.id, 5000, "I agree")
    code = codes.list_codes(db)[0]
    coding = annotations.add_coding(db, Coding(session_id=s.id, code_id=code.id, start_ms=3000,
                                               end_ms=4000, speaker_id=s3.id))
    return seeded, s, (s1, s2, s3), coding


def test_rename_changes_label_everywhere(voices):
    ws, s, (s1, s2, s3), _ = voices
    sp = speaker_ops.rename_speaker(ws.db, s.id, "s2", "Moderator")
    assert sp.id == s2.id
    assert transcripts.speaker_names(ws.db, s.id)[s2.id] == "Moderator"
    assert {seg.speaker_id for seg in transcripts.list_segments(ws.db, s.id)} == {s1.id, s2.id, s3.id}


def test_rename_onto_existing_label_merges(voices):
    ws, s, (s1, s2, s3), coding = voices
    sp = speaker_ops.rename_speaker(ws.db, s.id, "S3", "S2")
    assert sp.id == s2.id
    assert transcripts.get_speaker(ws.db, s3.id) is None
    segs = transcripts.list_segments(ws.db, s.id)
    assert [seg.speaker_id for seg in segs] == [s1.id, s2.id, s2.id, s2.id]
    assert annotations.list_codings(ws.db, s.id)[0].speaker_id == s2.id
    with pytest.raises(AlreadyExists):
        speaker_ops.rename_speaker(ws.db, s.id, "S1", "S2", merge=False)


def test_merge_and_unmerge_restore_exactly(voices):
    ws, s, (s1, s2, s3), coding = voices
    before = [(seg.id, seg.speaker_id) for seg in transcripts.list_segments(ws.db, s.id)]
    result = speaker_ops.merge_speakers(ws.db, s.id, ["S2", "S3"], "S1")
    assert {seg.speaker_id for seg in transcripts.list_segments(ws.db, s.id)} == {s1.id}
    assert [sp.label for sp in transcripts.list_speakers(ws.db, s.id)] == ["S1"]
    speaker_ops.unmerge_speakers(ws.db, result)
    assert [(seg.id, seg.speaker_id) for seg in transcripts.list_segments(ws.db, s.id)] == before
    assert [sp.label for sp in transcripts.list_speakers(ws.db, s.id)] == ["S1", "S2", "S3"]
    assert annotations.list_codings(ws.db, s.id)[0].speaker_id == s3.id


def test_assign_to_participant_and_facilitator(voices):
    ws, s, (s1, s2, s3), _ = voices
    db = ws.db
    study.add_facilitator(db, Facilitator(name="Dr Lee"))
    speaker_ops.assign_speaker(db, s.id, "S1", person="Dr Lee")
    speaker_ops.assign_speaker(db, s.id, "S2", person="p01")
    names = transcripts.speaker_names(db, s.id)
    assert names[s1.id] == "F1" and names[s2.id] == "P01" and names[s3.id] == "S3"
    # The display name finds the speaker too; unassigning brings the label back.
    speaker_ops.assign_speaker(db, s.id, "P01")
    assert transcripts.speaker_names(db, s.id)[s2.id] == "S2"
    with pytest.raises(NotFound, match="participants: P01"):
        speaker_ops.assign_speaker(db, s.id, "S3", person="Nobody")
    with pytest.raises(NotFound, match="speakers: "):
        speaker_ops.assign_speaker(db, s.id, "S9", person="P01")


def test_add_speaker_picks_next_label(voices):
    ws, s, _, _ = voices
    assert speaker_ops.add_speaker(ws.db, s.id).label == "S4"
    with pytest.raises(AlreadyExists):
        speaker_ops.add_speaker(ws.db, s.id, "s1")
