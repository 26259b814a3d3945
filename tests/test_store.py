"""Store round trips for every entity, on a real SQLite file."""

from __future__ import annotations

import pytest

from focusdesk.core.model import (
    Code,
    Coding,
    Facilitator,
    GuideItem,
    GuideItemKind,
    Marker,
    Memo,
    Participant,
    Recording,
    Segment,
    SessionKind,
    Site,
    Speaker,
    Study,
    TopicGuide,
    Word,
)
from focusdesk.store import annotations, codes, guide, sessions, study, transcripts
from focusdesk.store.study import AlreadyExists, NotFound
from focusdesk.store.workspace import open_workspace


def reopen(ws):
    root = ws.root
    ws.close()
    return open_workspace(root)


def test_study_site_participant_facilitator_round_trip(workspace):
    db = workspace.db
    study.save_study(db, Study(title="T", description="D", settings={"quick_tags": ["key quote"]}))
    site = study.add_site(db, Site("Site A", notes="north"))
    p = study.add_participant(db, Participant(code="P01", site_id=site.id, role="OT", real_name="Ann",
                                              consent_date="2024-01-02", attributes={"years": "5"}))
    f = study.add_facilitator(db, Facilitator("Dr Facil", initials="DF"))
    ws = reopen(workspace)
    db = ws.db
    assert study.get_study(db).settings == {"quick_tags": ["key quote"]}
    assert study.get_study(db).description == "D"
    assert study.list_sites(db) == [site]
    assert study.participant_by_code(db, "p01") == p
    assert study.list_facilitators(db) == [f]
    with pytest.raises(AlreadyExists):
        study.add_participant(db, Participant(code="P01"))
    with pytest.raises(NotFound, match="study show"):
        study.participant_by_code(db, "P99")
    ws.close()


def test_session_members_round_trip(seeded):
    db = seeded.db
    f = study.add_facilitator(db, Facilitator("Mo"))
    s = sessions.session_by_name(db, "focus group 1")
    s.facilitator_ids = [f.id]
    s.notes = "ran long"
    sessions.update_session(db, s)
    again = sessions.get_session(db, s.id)
    assert again == s
    assert again.kind is SessionKind.FOCUS_GROUP
    assert [study.get_participant(db, i).code for i in again.participant_ids] == ["P01", "P02"]
    with pytest.raises(NotFound, match="Focus group 1"):
        sessions.session_by_name(db, "nope")


def test_guide_round_trip_keeps_order_and_keys(workspace):
    g = TopicGuide(title="G", sections=[
        GuideItem("a", GuideItemKind.SECTION, "Intro", 5, [
            GuideItem("a.1", GuideItemKind.QUESTION, "Q1", None, [GuideItem("a.1.p", GuideItemKind.PROBE, "P")]),
            GuideItem("a.2", GuideItemKind.QUESTION, "Q2", 2.5)]),
        GuideItem("b", GuideItemKind.SECTION, "Close")])
    study.save_study(workspace.db, Study(title="x"))
    guide.save_guide(workspace.db, g)
    loaded = guide.load_guide(workspace.db)
    assert loaded.title == "G"
    assert [i.key for i in loaded.walk()] == ["a", "a.1", "a.1.p", "a.2", "b"]
    assert loaded.find("a.2").planned_minutes == 2.5
    assert [q.key for q in loaded.questions("a")] == ["a.1", "a.2"]


def test_recording_speaker_segment_words_round_trip(seeded):
    db = seeded.db
    s = sessions.session_by_name(db, "Focus group 1")
    rec = transcripts.add_recording(db, Recording(s.id, "sessions/0001/a.flac", 60_000, 48_000, 2,
                                                  sha256="ab", dropped_blocks=3))
    sp = transcripts.ensure_speaker(db, s.id, "S1")
    assert transcripts.ensure_speaker(db, s.id, "S1").id == sp.id
    seg = transcripts.add_segment(db, Segment(s.id, 1000, 2000, "hello there", sp.id, rec.id, words=[
        Word(1000, 1400, "hello", 0.91), Word(1400, 2000, "there", 0.3)]))
    assert transcripts.list_recordings(db, s.id) == [rec]
    loaded = transcripts.get_segment(db, seg.id)
    assert loaded.text == "hello there" and loaded.speaker_id == sp.id
    assert [(w.start_ms, w.end_ms, w.text, w.probability) for w in loaded.words] == [
        (1000, 1400, "hello", 0.91), (1400, 2000, "there", 0.3)]
    p01 = study.participant_by_code(db, "P01")
    sp.participant_id = p01.id
    transcripts.update_speaker(db, sp)
    assert transcripts.speaker_names(db, s.id) == {sp.id: "P01"}
    assert transcripts.speaker_names(db, s.id, real_names=True) == {sp.id: "Real Name 1"}
    transcripts.delete_segment(db, seg.id)
    assert db.execute("SELECT COUNT(*) FROM words").fetchone()[0] == 0


def test_markers_codes_codings_memos_round_trip(seeded):
    db = seeded.db
    s = sessions.session_by_name(db, "Interview 1")
    m = annotations.add_marker(db, Marker(s.id, 65_000, guide_item_key="intro.q1", note="starts"))
    assert annotations.list_markers(db, s.id) == [m]
    code = codes.code_by_path(db, "Added burden/Time-consuming")
    assert codes.code_path(db, code.id) == "Added burden/Time-consuming"
    new = codes.add_code(db, Code("Extra", parent_id=code.id, colour="#123456"))
    assert codes.code_path(db, new.id) == "Added burden/Time-consuming/Extra"
    c = annotations.add_coding(db, Coding(s.id, code.id, 1000, 5000, memo="why"))
    assert annotations.list_codings(db, session_id=s.id) == [c]
    with pytest.raises(ValueError):
        annotations.add_coding(db, Coding(s.id, code.id, 5000, 1000))
    memo = annotations.add_memo(db, Memo("Thoughts", "body", session_id=s.id, code_id=code.id))
    memo.body = "changed"
    annotations.update_memo(db, memo)
    assert annotations.list_memos(db)[0].body == "changed"


def test_full_text_search_index_follows_edits(seeded):
    db = seeded.db
    s = sessions.session_by_name(db, "Focus group 1")
    seg = transcripts.add_segment(db, Segment(s.id, 0, 1000, "the app was overwhelming"))
    hits = lambda q: [r[0] for r in db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?", [q])]  # noqa: E731
    assert hits("overwhelming") == [seg.id]
    seg.text = "the app was fine"
    transcripts.update_segment(db, seg, words=False)
    assert hits("overwhelming") == [] and hits("fine") == [seg.id]


def test_deleting_session_cascades(seeded):
    db = seeded.db
    s = sessions.session_by_name(db, "Focus group 1")
    sp = transcripts.ensure_speaker(db, s.id, "S1")
    transcripts.add_segment(db, Segment(s.id, 0, 10, "x", sp.id, words=[Word(0, 10, "x")]))
    annotations.add_marker(db, Marker(s.id, 5, tag="key quote"))
    sessions.delete_session(db, s.id)
    for table in ("segments", "speakers", "markers", "session_participants"):
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE session_id = ?", [s.id]).fetchone()[0] == 0, table
    assert db.execute("SELECT COUNT(*) FROM words").fetchone()[0] == 0


def test_speaker_model_defaults():
    assert Speaker(session_id=1, label="S1").participant_id is None
