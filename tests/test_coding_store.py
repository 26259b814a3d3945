"""Frame operations and time-anchored codings against a real SQLite study."""

from __future__ import annotations

import pytest
from coding_study import build_transcripts

from focusdesk.analysis.retrieval import passages
from focusdesk.store import codes, transcripts
from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.store.study import AlreadyExists


@pytest.fixture
def study(seeded):
    ids = build_transcripts(seeded.db)
    return seeded.db, ids


def test_add_rename_move_reorder(study):
    db, ids = study
    value = ids["code"]["Added value"]
    new = fo.new_code(db, "Builds confidence", parent_id=value, inclusion="client says", exclusion="staff")
    assert new.path == "Added value/Builds confidence"
    assert new.colour == codes.code_by_path(db, "Added value").colour  # inherits the parent's colour
    assert (new.inclusion, new.exclusion) == ("client says", "staff")
    with pytest.raises(AlreadyExists):
        fo.new_code(db, "builds confidence", parent_id=value)
    with pytest.raises(ValueError):
        fo.new_code(db, "a/b")
    renamed = fo.rename_code(db, new.id, "Builds self-confidence")
    assert renamed.path == "Added value/Builds self-confidence"
    moved = fo.move_code(db, new.id, ids["code"]["Added burden"], 0)
    assert moved.path == "Added burden/Builds self-confidence"
    siblings = [c.name for c in fo.list_frame(db) if c.parent_id == ids["code"]["Added burden"]]
    assert siblings[0] == "Builds self-confidence"
    fo.move_code(db, new.id, ids["code"]["Added burden"], 2)
    siblings = [c.name for c in fo.list_frame(db) if c.parent_id == ids["code"]["Added burden"]]
    assert siblings.index("Builds self-confidence") == 2
    with pytest.raises(ValueError):
        fo.move_code(db, ids["code"]["Added burden"], new.id)  # into its own child
    root = fo.move_code(db, new.id, None)
    assert root.path == "Builds self-confidence"


def test_merge_moves_codings(study):
    db, ids = study
    fg = ids["sess"]["Focus group 1"]
    c = ids["code"]
    a = co.apply_code(db, fg, c["Overwhelming"], 12_000, 14_000, memo="too many pings")
    b = co.apply_code(db, fg, c["Time-consuming"], 10_000, 11_000)
    fo.update_code(db, c["Overwhelming"], inclusion="notification load")
    merged = fo.merge_codes(db, c["Overwhelming"], c["Time-consuming"])
    assert merged.n_codings == 2
    assert "notification load" in merged.inclusion
    moved = co.get_coding(db, a.id)
    assert (moved.code_id, moved.start_ms, moved.end_ms, moved.memo) == (c["Time-consuming"], 12_000,
                                                                         14_000, "too many pings")
    assert co.get_coding(db, b.id).code_id == c["Time-consuming"]
    assert "Added burden/Overwhelming" not in [x.path for x in fo.list_frame(db)]


def test_delete_then_restore(study):
    db, ids = study
    fg = ids["sess"]["Focus group 1"]
    value = ids["code"]["Added value"]
    child = ids["code"]["Fosters engagement"]
    k1 = co.apply_code(db, fg, child, 1_000, 4_000, memo="engaged")
    k2 = co.apply_code(db, fg, value, 0, 9_000)
    fo.pin_code(db, child, 3)
    n_codes = len(fo.list_frame(db))
    item = fo.delete_code(db, value)
    assert item.n_codes == 4 and item.n_codings == 2
    assert len(fo.list_frame(db)) == n_codes - 4
    assert db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
    assert [t.path for t in fo.list_trash(db)] == ["Added value"]
    restored = fo.restore_code(db, item.id)
    assert restored.path == "Added value"
    assert len(fo.list_frame(db)) == n_codes
    back = {(x.code_id, x.start_ms, x.end_ms, x.memo) for x in co.session_codings(db, fg)}
    new_child = codes.code_by_path(db, "Added value/Fosters engagement").id
    assert back == {(new_child, 1_000, 4_000, "engaged"), (restored.id, 0, 9_000, "")}
    assert fo.pinned_codes(db) == {3: new_child}
    assert fo.list_trash(db) == []
    assert k1.id and k2.id


def test_restore_with_name_taken_and_empty_trash(study):
    db, ids = study
    item = fo.delete_code(db, ids["code"]["Time-consuming"])
    fo.new_code(db, "Time-consuming", parent_id=ids["code"]["Added burden"])
    restored = fo.restore_code(db, item.id)
    assert restored.path == "Added burden/Time-consuming (restored)"
    fo.delete_code(db, restored.id)
    fo.delete_code(db, ids["code"]["Disruptive"] if "Disruptive" in ids["code"] else
                   codes.code_by_path(db, "Added burden/Disruptive").id)
    assert fo.empty_trash(db) == 2
    assert fo.list_trash(db) == []


def test_codings_keep_times_and_text_after_words_are_edited(study):
    db, ids = study
    fg = ids["sess"]["Focus group 1"]
    seg_id = ids["seg"][("Focus group 1", 1)]
    coding = co.apply_code(db, fg, ids["code"]["Time-consuming"], 10_000, 15_000)
    before = passages(db, ids["code"]["Time-consuming"])
    assert before[0].text.startswith("It took a lot of time")
    seg = transcripts.get_segment(db, seg_id)
    seg.words[5].text = " tyme"  # the words change (here: a typo and an inserted word)
    seg.words.insert(6, type(seg.words[0])(seg.words[5].end_ms, seg.words[5].end_ms, " really"))
    seg.text = "".join(w.text for w in seg.words).strip()
    transcripts.update_segment(db, seg)
    after = co.get_coding(db, coding.id)
    assert (after.start_ms, after.end_ms, after.code_id) == (10_000, 15_000, ids["code"]["Time-consuming"])
    text = passages(db, ids["code"]["Time-consuming"])[0].text
    assert "tyme really" in text and "time" not in text.split()


def test_overlapping_codings_and_turns(study):
    db, ids = study
    fg = ids["sess"]["Focus group 1"]
    c = ids["code"]
    a = co.apply_code(db, fg, c["Time-consuming"], 10_000, 16_000)
    b = co.apply_code(db, fg, c["Overwhelming"], 14_000, 20_000)
    c2 = co.apply_code(db, fg, c["Time-consuming"], 12_000, 18_000)
    assert len({a.id, b.id, c2.id}) == 3
    assert co.apply_code(db, fg, c["Time-consuming"], 10_000, 16_000).id == a.id  # same twice: one
    at = co.codings_at(db, fg, 15_000)
    assert {x.id for x in at} == {a.id, b.id, c2.id}
    turn = co.code_turn(db, ids["seg"][("Focus group 1", 2)], c["Fosters engagement"], memo="m")
    assert (turn.start_ms, turn.end_ms, turn.speaker_id) == (20_000, 30_000, ids["spk"][("Focus group 1", "S1")])
    assert co.set_memo(db, turn.id, "clients at home").memo == "clients at home"
    removed = co.remove_coding(db, b.id)
    assert b.id not in {x.id for x in co.session_codings(db, fg)}
    co.restore_coding(db, removed)
    assert len(co.session_codings(db, fg)) == 4
    with pytest.raises(ValueError):
        co.apply_code(db, fg, c["Overwhelming"], 5_000, 5_000)


def test_code_memo(study):
    db, ids = study
    memo = co.set_code_memo(db, ids["code"]["Disruptive"] if "Disruptive" in ids["code"] else
                            codes.code_by_path(db, "Added burden/Disruptive").id, "first thoughts")
    assert memo.body == "first thoughts" and memo.id
    again = co.set_code_memo(db, memo.code_id, "revised")
    assert again.id == memo.id and again.body == "revised"
