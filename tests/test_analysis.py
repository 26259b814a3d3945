"""Retrieval, matrices and the framework matrix on a small study with hand-computed numbers.

Codings (see coding_study.add_study_codings):
  FG1 Fosters engagement   0–10 s   speaker S1 (P01)          -> P01 10 s
  FG1 Time-consuming      10–15 s   no speaker (S2 speaks)    -> P02 5 s
  FG1 Overwhelming        15–20 s   speaker S2 (P02)          -> P02 5 s
  FG1 Prevents drift       5–25 s   no speaker                -> P01 5+5 s, P02 10 s
  INT Time-consuming       0–7.5 s  speaker S1 (P03)          -> P03 7.5 s
Talk time: P01 20 s, P02 10 s, P03 15 s, P04 0; FG1 30 s, INT 15 s.
"""

from __future__ import annotations

import pytest
from coding_study import add_study_codings, build_transcripts

from focusdesk.analysis.framework import framework_matrix, set_summary
from focusdesk.analysis.matrices import code_matrix, talk_time
from focusdesk.analysis.retrieval import passages
from focusdesk.store import study as st


@pytest.fixture
def coded(seeded):
    db = seeded.db
    ids = build_transcripts(db)
    add_study_codings(db, ids)
    return db, ids


def test_participant_matrix_by_hand(coded):
    db, ids = coded
    c, p = ids["code"], ids["pid"]
    m = code_matrix(db, rows="participant")
    assert [label for _, label in m.rows] == ["P01", "P02", "P03", "P04"]
    assert m.cell(p["P01"], c["Fosters engagement"]).count == 1
    assert m.cell(p["P01"], c["Fosters engagement"]).duration_ms == 10_000
    assert m.cell(p["P01"], c["Prevents drift between sessions"]).duration_ms == 10_000
    assert m.cell(p["P02"], c["Prevents drift between sessions"]).duration_ms == 10_000
    assert m.cell(p["P02"], c["Time-consuming"]).duration_ms == 5_000
    assert m.cell(p["P03"], c["Time-consuming"]).duration_ms == 7_500
    assert m.cell(p["P02"], c["Time-consuming"]).share == pytest.approx(0.5)
    assert m.cell(p["P03"], c["Time-consuming"]).share == pytest.approx(0.5)
    assert m.cell(p["P04"], c["Time-consuming"]).count == 0
    # parent columns aggregate their sub-codes: P02's burden = TC 10–15 ∪ OW 15–20 = 10 s, 2 codings
    burden = m.cell(p["P02"], c["Added burden"])
    assert (burden.count, burden.duration_ms, burden.share) == (2, 10_000, pytest.approx(1.0))
    # P01's value: FE 0–10 ∪ PD (5–10, 20–25) = 15 s of 20 s talk
    value = m.cell(p["P01"], c["Added value"])
    assert (value.count, value.duration_ms, value.share) == (2, 15_000, pytest.approx(0.75))
    assert m.talk_ms == {p["P01"]: 20_000, p["P02"]: 10_000, p["P03"]: 15_000}


def test_session_and_site_matrix_by_hand(coded):
    db, ids = coded
    c = ids["code"]
    fg, it = ids["sess"]["Focus group 1"], ids["sess"]["Interview 1"]
    m = code_matrix(db, rows="session")
    assert m.cell(fg, c["Prevents drift between sessions"]).duration_ms == 20_000
    assert m.cell(fg, c["Prevents drift between sessions"]).share == pytest.approx(20 / 30)
    assert m.cell(fg, c["Added burden"]).count == 2
    assert m.cell(it, c["Time-consuming"]).share == pytest.approx(0.5)
    sites = code_matrix(db, rows="site")
    assert [r for r, _ in sites.rows] == ["Site A", "Site B"]
    assert sites.cell("Site A", c["Added value"]).duration_ms == 25_000  # 0–10 ∪ 5–25
    assert sites.cell("Site B", c["Time-consuming"]).count == 1
    assert "Site A," in sites.to_csv("count")


def test_case_variables_group_and_filter(coded):
    db, ids = coded
    c, p = ids["code"], ids["pid"]
    by_role = code_matrix(db, rows="role")  # P01, P03 are OT; P02, P04 are PT
    assert [r for r, _ in by_role.rows] == ["OT", "PT"]
    assert by_role.cell("OT", c["Time-consuming"]).duration_ms == 7_500
    assert by_role.cell("PT", c["Time-consuming"]).duration_ms == 5_000
    assert by_role.talk_ms == {"OT": 35_000, "PT": 10_000}
    only_a = code_matrix(db, rows="participant", where={"site": "Site A"})
    assert [label for _, label in only_a.rows] == ["P01", "P02"]
    # sessions counted only for Site A's people: FG1's drift coding counts for P01+P02 = 20 s
    sess_pt = code_matrix(db, rows="session", where={"role": "PT"})
    fg = ids["sess"]["Focus group 1"]
    assert sess_pt.cell(fg, c["Prevents drift between sessions"]).duration_ms == 10_000
    assert sess_pt.cell(fg, c["Fosters engagement"]).count == 0
    years = code_matrix(db, rows="attr:years")
    assert {r for r, _ in years.rows} == {"3", "6", "9", "12"}
    assert years.cell("9", c["Time-consuming"]).count == 1 and p
    with pytest.raises(ValueError, match="site, role, years"):
        code_matrix(db, rows="profesion")
    with pytest.raises(ValueError, match="No case variable"):
        framework_matrix(db, where={"profesion": "OT"})
    assert [r.code for r in framework_matrix(db, where={"role": "pt"}).rows] == ["P02", "P04"]


def test_retrieval_with_attribution(coded):
    db, ids = coded
    got = passages(db, ids["code"]["Time-consuming"])
    assert [(x.session, x.speaker, x.start_ms) for x in got] == [("Focus group 1", "P02", 10_000),
                                                                ("Interview 1", "P03", 0)]
    assert got[0].text == "It took a lot of time to"
    assert got[0].attribution() == "(P02, Site A, Focus group 1, 00:00:10)"
    assert got[1].quote() == "“Setting it up took time every” (P03, Site B, Interview 1, 00:00:00)"
    drift = passages(db, ids["code"]["Prevents drift between sessions"])[0]
    assert drift.speaker == "P01 & P02" and drift.code_path == "Added value/Prevents drift between sessions"
    everything = passages(db, ids["code"]["Added burden"], include_children=True)
    assert len(everything) == 3
    only_fg = passages(db, session_id=ids["sess"]["Interview 1"])
    assert len(only_fg) == 1
    # a pseudonym, never the real name
    assert all("Real Name" not in x.quote() for x in passages(db))


def test_framework_matrix_contents(coded):
    db, ids = coded
    c, p = ids["code"], ids["pid"]
    set_summary(db, p["P02"], c["Time-consuming"], "Set-up time is the main cost.")
    fm = framework_matrix(db)
    assert [t.name for t in fm.columns] == ["Fosters engagement", "Therapy becomes ubiquitous",
                                            "Prevents drift between sessions", "Disruptive",
                                            "Overwhelming", "Time-consuming"]
    assert [r.code for r in fm.rows] == ["P01", "P02", "P03", "P04"]
    cell = fm.cells[(p["P02"], c["Time-consuming"])]
    assert cell.summary == "Set-up time is the main cost."
    assert [q.text for q in cell.quotes] == ["It took a lot of time to"]
    drift_p01 = fm.cells[(p["P01"], c["Prevents drift between sessions"])].quotes
    # only P01's own words within the coded range (5–10 s and 20–25 s)
    assert drift_p01[0].text.startswith("It kept clients") and "took" not in drift_p01[0].text
    assert drift_p01[0].text.endswith("Clients practised at home. That")  # "That" starts at 24.4 s
    drift_p02 = fm.cells[(p["P02"], c["Prevents drift between sessions"])].quotes[0]
    assert drift_p02.speaker == "P02" and drift_p02.text.endswith("Notifications were overwhelming.")
    assert (p["P04"], c["Time-consuming"]) not in fm.cells
    domains = framework_matrix(db, [c["Added value"], c["Added burden"]])
    assert len(domains.cells[(p["P02"], c["Added burden"])].quotes) == 2
    set_summary(db, p["P02"], c["Time-consuming"], "")
    assert framework_matrix(db).cells[(p["P02"], c["Time-consuming"])].summary == ""


def test_framework_summaries_are_each_coders_own(coded):
    """Migration 020: one summary per coder and cell; the matrix shows the current coder's and
    the others' beside it; clearing or merging codes never touches another coder's."""
    from focusdesk.analysis.framework import get_summary
    from focusdesk.store import coders as cs
    from focusdesk.store.frame_ops import merge_codes

    db, ids = coded
    c, p = ids["code"], ids["pid"]
    set_summary(db, p["P02"], c["Time-consuming"], "Default's view.")
    b = cs.use_coder(db, "B", create=True)
    set_summary(db, p["P02"], c["Time-consuming"], "B's view.")
    cell = framework_matrix(db).cells[(p["P02"], c["Time-consuming"])]
    assert (cell.summary, cell.other_summaries) == ("B's view.", {"default": "Default's view."})
    shown = framework_matrix(db, coder_id=cs.DEFAULT_ID).cells[(p["P02"], c["Time-consuming"])]
    assert (shown.summary, shown.other_summaries) == ("Default's view.", {"B": "B's view."})
    set_summary(db, p["P02"], c["Overwhelming"], "B on overwhelm.", coder_id=b.id)
    merge_codes(db, c["Overwhelming"], c["Time-consuming"])
    assert get_summary(db, p["P02"], c["Time-consuming"]) == "B's view.\n\nB on overwhelm."
    assert get_summary(db, p["P02"], c["Time-consuming"], cs.DEFAULT_ID) == "Default's view."
    set_summary(db, p["P02"], c["Time-consuming"], "")
    assert db.execute("SELECT coder_id, summary FROM framework_summaries").fetchall() == [(1, "Default's view.")]


def test_talk_time(coded):
    db, ids = coded
    rows = talk_time(db)
    assert [(r.session, r.speaker, r.talk_ms, r.turns) for r in rows] == [
        ("Focus group 1", "P01", 20_000, 2), ("Focus group 1", "P02", 10_000, 1),
        ("Interview 1", "P03", 15_000, 1)]
    assert rows[0].share == pytest.approx(2 / 3)
    assert st.list_participants(db)
