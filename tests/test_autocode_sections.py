"""Auto-coding hits, topic sections from live markers, and topic coverage."""

from __future__ import annotations

import pytest
from coding_study import build_transcripts

from focusdesk.analysis import sections as sec
from focusdesk.analysis.autocode import apply_hits, auto_code, find_hits
from focusdesk.analysis.coverage import topic_coverage
from focusdesk.analysis.matrices import code_matrix
from focusdesk.analysis.retrieval import passages
from focusdesk.core.model import Marker, Recording
from focusdesk.store import annotations, transcripts
from focusdesk.store.coding_ops import session_codings


@pytest.fixture
def study(seeded):
    return seeded.db, build_transcripts(seeded.db)


def test_auto_code_sentence_and_turn(study):
    db, ids = study
    tc = ids["code"]["Time-consuming"]
    hits = find_hits(db, "time", unit="sentence", code_id=tc)
    # "It took a lot of time to set up." (FG1, S2) and "Setting it up took time every week." (INT)
    assert [(h.session, h.speaker, h.text) for h in hits] == [
        ("Focus group 1", "P02", "It took a lot of time to set up."),
        ("Interview 1", "P03", "Setting it up took time every week.")]
    fg_turn = transcripts.get_segment(db, ids["seg"][("Focus group 1", 1)])
    assert hits[0].start_ms == fg_turn.words[0].start_ms
    assert hits[0].end_ms == fg_turn.words[8].end_ms  # "up." ends the sentence
    assert db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0  # preview writes nothing
    assert apply_hits(db, tc, hits) == 2
    again = find_hits(db, "time", unit="sentence", code_id=tc)
    assert all(h.already_coded for h in again)
    assert apply_hits(db, tc, again) == 0  # idempotent
    turns, added = auto_code(db, "between sessions", ids["code"]["Prevents drift between sessions"],
                             unit="turn")
    assert added == 2 and [(h.start_ms, h.end_ms) for h in turns] == [(0, 10_000), (20_000, 30_000)]
    fg = ids["sess"]["Focus group 1"]
    assert {c.speaker_id for c in session_codings(db, fg)} == {ids["spk"][("Focus group 1", "S1")],
                                                              ids["spk"][("Focus group 1", "S2")]}


def test_auto_code_phrase_prefix_and_session(study):
    db, ids = study
    assert [h.text for h in find_hits(db, "engag*")] == ["It kept clients engaged between sessions.",
                                                         "But engagement went up."]
    assert find_hits(db, "engaged") and not find_hits(db, "engag")
    assert [h.session for h in find_hits(db, "took time")] == ["Interview 1"]
    assert find_hits(db, "time", session_id=ids["sess"]["Interview 1"])[0].session == "Interview 1"
    with pytest.raises(ValueError):
        find_hits(db, "  ")


def _markers(db, sid):
    for ms, key in ((0, "intro"), (12_000, "experience.q1"), (18_000, "value-burden.q2")):
        annotations.add_marker(db, Marker(session_id=sid, ms=ms, guide_item_key=key))
    annotations.add_marker(db, Marker(session_id=sid, ms=5_000, tag="laughter"))  # not a guide item
    transcripts.add_recording(db, Recording(session_id=sid, path="a.wav", duration_ms=40_000,
                                            sample_rate=16000, channels=1))


def test_sections_from_markers_adjust_and_use_like_codes(study):
    db, ids = study
    fg = ids["sess"]["Focus group 1"]
    _markers(db, fg)
    got = sec.derive_sections(db, fg)
    assert [(s.guide_item_key, s.start_ms, s.end_ms) for s in got] == [
        ("intro", 0, 12_000), ("experience.q1", 12_000, 18_000), ("value-burden.q2", 18_000, 40_000)]
    assert got[1].label() == "How have you used the programme with your clients so far?: 00:00:12–00:00:18"
    moved = sec.adjust_section(db, got[1].id, start_ms=11_000, end_ms=19_000)
    assert moved.adjusted
    annotations.add_marker(db, Marker(session_id=fg, ms=30_000, guide_item_key="closing"))
    again = sec.derive_sections(db, fg)
    assert [(s.guide_item_key, s.start_ms, s.end_ms) for s in again] == [
        ("intro", 0, 12_000), ("experience.q1", 11_000, 19_000), ("value-burden.q2", 18_000, 30_000),
        ("closing", 30_000, 40_000)]
    # retrieval: the section's words (11–19 s lies inside P02's turn)
    ps = passages(db, "guide:experience.q1")
    assert ps[0].speaker == "P02" and ps[0].text == "took a lot of time to set up. Notifications were"
    assert passages(db, "guide:value-burden.q2")[0].speaker == "P02 & P01"
    m = code_matrix(db, rows="participant", include_sections=True)
    col = "guide:experience.q1"
    assert col in [c.key for c in m.columns]
    assert m.cell(ids["pid"]["P02"], col).duration_ms == 8_000  # 11–19 s, all P02's
    assert m.cell(ids["pid"]["P01"], col).duration_ms == 0


def test_topic_coverage(study):
    db, ids = study
    fg = ids["sess"]["Focus group 1"]
    _markers(db, fg)
    cov = {c.session: c for c in topic_coverage(db)}
    fgc = cov["Focus group 1"]
    times = {i.key: i.ms for i in fgc.items}
    assert times["intro"] == 12_000 and times["experience.q1"] == 6_000 and times["experience"] == 6_000
    assert times["value-burden"] == 22_000 and times["closing"] == 0
    asked = {"experience.q1", "value-burden.q2"}
    assert {i.key for i in fgc.never_asked} == {
        "intro.q1", "intro.q2", "experience.q2", "experience.q3", "value-burden.q1", "value-burden.q3",
        "closing.q1"} and not asked & {i.key for i in fgc.never_asked}
    assert fgc.covered_ms == 40_000
    assert len(cov["Interview 1"].never_asked) == 9  # no markers there: nothing asked
