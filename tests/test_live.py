"""Live tagging logic without a window: keys, next item/section, pacing, not-yet-asked."""

from __future__ import annotations

import pytest

from focusdesk.core.live import (
    DEFAULT_QUICK_TAGS,
    LiveGuide,
    consent_script,
    parse_quick_tags,
    quick_tags,
)
from focusdesk.core.model import GuideItem, GuideItemKind, Marker, TopicGuide
from focusdesk.store import annotations
from focusdesk.store import guide as guide_store

S, Q, P = GuideItemKind.SECTION, GuideItemKind.QUESTION, GuideItemKind.PROBE


def small_guide() -> TopicGuide:
    return TopicGuide(sections=[
        GuideItem("a", S, "Intro", 2, [GuideItem("a.1", Q, "Names?"), GuideItem("a.2", Q, "Week?")]),
        GuideItem("b", S, "Experience", 5, [
            GuideItem("b.1", Q, "Used it?", children=[GuideItem("b.1.p", P, "Example?")]),
            GuideItem("b.2", Q, "Changed?")]),
        GuideItem("c", S, "Closing", None, [GuideItem("c.1", Q, "Anything else?")]),
    ])


def test_keys_walk_the_guide_and_track_what_was_asked():
    live = LiveGuide(small_guide(), session_id=1)
    assert [q.key for q in live.questions()] == ["a.1", "a.2"]  # before anything: first section
    m = live.next_item(1000)
    assert (m.guide_item_key, m.ms, m.session_id) == ("a.1", 1000, 1)
    assert live.current_section.key == "a"
    assert live.mark_question(2, 2000).guide_item_key == "a.2"
    assert live.mark_question(3, 2100) is None  # section a has two questions
    assert live.next_item(3000).guide_item_key == "b.1"  # crosses into the next section
    assert live.current_section.key == "b"
    assert [q.key for q in live.questions()] == ["b.1", "b.2"]
    assert live.next_section(4000).guide_item_key == "c"
    assert live.next_item(4500).guide_item_key == "c.1"  # from a heading: its first question
    assert live.next_item(5000) is None and live.next_section(5000) is None  # the end
    assert [q.key for q in live.not_yet_asked()] == ["b.2"]


def test_probe_counts_its_question_as_asked():
    live = LiveGuide(small_guide(), 1)
    live.mark_item("b.1.p", 10)
    assert "b.1" in live.asked and live.current_section.key == "b"
    assert live.next_item(20).guide_item_key == "b.2"


def test_pacing_counts_media_time_per_section():
    live = LiveGuide(small_guide(), 1)
    live.next_item(0)                # a from 0
    live.tag("key quote", 50_000)    # tags do not move the section
    live.mark_item("b.1", 150_000)   # a: 150 s of 120 planned -> over
    rows = {r.key: r for r in live.pacing(now_ms=210_000)}
    assert rows["a"].spent_ms == 150_000 and rows["a"].planned_ms == 120_000 and rows["a"].over
    assert rows["b"].spent_ms == 60_000 and not rows["b"].over and rows["b"].current
    assert rows["c"].spent_ms == 0 and rows["c"].planned_ms is None and rows["c"].ratio is None
    assert rows["b"].ratio == pytest.approx(60_000 / 300_000)
    live.mark_item("a.2", 240_000)   # back to a
    rows = {r.key: r for r in live.pacing(now_ms=300_000)}
    assert rows["a"].spent_ms == 150_000 + 60_000 and rows["b"].spent_ms == 90_000


def test_state_rebuilds_from_stored_markers(seeded):
    db = seeded.db
    g = guide_store.load_guide(db)
    sid = seeded.db.execute("SELECT id FROM sessions WHERE name = 'Focus group 1'").fetchone()[0]
    live = LiveGuide(g, sid)
    made = [live.next_item(1000), live.next_item(5000), live.next_section(9000),
            live.tag("follow up", 9500), live.note("  nodding  ", 9600), live.note("   ", 9700)]
    assert made[-1] is None and made[-2].note == "nodding"
    for m in made:
        if m is not None:
            annotations.add_marker(db, m)
    again = LiveGuide(g, sid, annotations.list_markers(db, sid))
    assert again.current_item.key == live.current_item.key == "experience"
    assert again.asked == {"intro.q1", "intro.q2"}
    assert [r.spent_ms for r in again.pacing(12_000)] == [r.spent_ms for r in live.pacing(12_000)]
    assert [q.key for q in again.not_yet_asked()][:2] == ["experience.q1", "experience.q2"]


def test_quick_tags_and_consent_from_settings():
    assert quick_tags({}) == DEFAULT_QUICK_TAGS
    assert quick_tags({"quick_tags": ["a", " a ", "", "b"]}) == ["a", "b"]
    assert len(quick_tags({"quick_tags": [str(i) for i in range(20)]})) == 12
    assert parse_quick_tags("key quote\nlaughter, silence\n\n") == ["key quote", "laughter", "silence"]
    assert parse_quick_tags("") == DEFAULT_QUICK_TAGS
    assert consent_script({"consent_script": "  Do you agree?  "}) == "Do you agree?"
    assert consent_script({}) == ""


def test_unknown_item_is_refused():
    live = LiveGuide(small_guide(), 1)
    with pytest.raises(KeyError):
        live.mark_item("nope", 0)
    live.apply(Marker(session_id=1, ms=5, guide_item_key="deleted-item"))  # old marker: ignored
    assert live.current_item is None
