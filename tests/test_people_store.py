"""People, sites and sessions below the window: facilitator codes, edits, dates, deletes and what
they take with them, and exports that name a facilitator by code, never by name."""

from __future__ import annotations

import sqlite3

import pytest
from docx import Document

from focusdesk.cli import main as cli_main
from focusdesk.core.dates import DateError, check_date
from focusdesk.core.model import Facilitator, Participant, Segment, Session, SessionKind, Site
from focusdesk.diarize.service import speaker_hint
from focusdesk.exchange import exports
from focusdesk.exchange.session_data import ExportOptions
from focusdesk.store import deletes, progress, seats, sessions, speaker_ops, study, transcripts
from focusdesk.store.study import AlreadyExists, NotFound
from focusdesk.store.workspace import open_workspace
from tests.exchange_data import fill_session


def test_dates_are_iso_or_refused():
    assert check_date(" 2026-10-01 ") == "2026-10-01" and check_date("") == ""
    for bad in ("01/10/2026", "2026-02-30", "2026-1-5", "tomorrow"):
        with pytest.raises(DateError, match="YYYY-MM-DD"):
            check_date(bad)


def test_store_refuses_a_date_not_in_iso_form(seeded):
    db = seeded.db
    with pytest.raises(DateError, match="consent date '01/10/2026'.*YYYY-MM-DD"):
        study.add_participant(db, Participant("P09", consent_date="01/10/2026"))
    p = study.participant_by_code(db, "P01")
    p.consent_date = "2026-13-01"
    with pytest.raises(DateError):
        study.update_participant(db, p)
    s = sessions.session_by_name(db, "Focus group 1")
    s.date = "1/3/24"
    with pytest.raises(DateError, match="session date"):
        sessions.update_session(db, s)
    assert study.participant_by_code(db, "P01").consent_date == ""
    assert sessions.session_by_name(db, "Focus group 1").date == "2024-03-01"


def test_facilitators_get_codes_and_codes_are_unique_across_people(workspace):
    db = workspace.db
    anna = study.add_facilitator(db, Facilitator("Anna Berg"))
    ben = study.add_facilitator(db, Facilitator("Ben Roe", code="Moderator"))
    assert (anna.code, ben.code) == ("F1", "Moderator")
    assert study.add_facilitator(db, Facilitator("Cy")).code == "F2"
    with pytest.raises(AlreadyExists, match="facilitator code 'f1'"):
        study.add_participant(db, Participant("f1"))
    study.add_participant(db, Participant("P01"))
    ben.code = "p01"
    with pytest.raises(AlreadyExists, match="participant 'p01'"):
        study.update_facilitator(db, ben)
    ben.code, ben.name = "Mod", "Benjamin Roe"
    study.update_facilitator(db, ben)
    assert study.get_facilitator(db, ben.id) == ben
    assert study.facilitator_by_name(db, "mod").id == ben.id  # by code too
    assert speaker_ops.resolve_person(db, "F1") == (None, anna.id)


def test_migration_13_numbers_existing_facilitators(tmp_path):
    from focusdesk.store.schema import MIGRATIONS
    from focusdesk.store.workspace import DB_NAME, _statements

    (tmp_path / "old").mkdir()
    conn = sqlite3.connect(tmp_path / "old" / DB_NAME)  # a study as v12 left it (later migrations too)
    for number in sorted(n for n in MIGRATIONS if n <= 12):
        for statement in _statements(MIGRATIONS[number]):
            conn.execute(statement)
    conn.execute("INSERT INTO facilitators (name) VALUES ('Zed'), ('Amy')")
    conn.execute("PRAGMA user_version = 12")
    conn.commit()
    conn.close()
    ws = open_workspace(tmp_path / "old")
    assert [(f.name, f.code) for f in study.list_facilitators(ws.db)] == [("Zed", "F1"), ("Amy", "F2")]
    with pytest.raises(sqlite3.IntegrityError):  # the index keeps codes unique whatever the caller
        ws.db.execute("INSERT INTO facilitators (name, code) VALUES ('X', 'f2')")
    ws.close()


def test_update_participant_and_site_filter(seeded):
    db = seeded.db
    a, b = (study.site_by_name(db, n) for n in ("Site A", "Site B"))
    assert [p.code for p in study.list_participants(db, site_id=a.id)] == ["P01", "P02"]
    p = study.participant_by_code(db, "P01")
    p.code, p.site_id, p.consent_date, p.attributes = "P11", b.id, "2026-10-01", {"years": "9"}
    study.update_participant(db, p)
    assert study.get_participant(db, p.id) == p
    assert [x.code for x in study.list_participants(db, site_id=b.id)] == ["P03", "P04", "P11"]
    p.code = "P02"
    with pytest.raises(AlreadyExists):
        study.update_participant(db, p)
    a.name = "site b"
    with pytest.raises(AlreadyExists):
        study.update_site(db, a)
    a.name = "Clinic North"
    study.update_site(db, a)
    assert study.get_site(db, a.id).name == "Clinic North"


def _mapped_session(ws):
    """Focus group 1 with S1 -> P01, S2 -> P02, S3 -> facilitator F1 ("Dana Moderator"), codings."""
    sid = fill_session(ws.db)
    p01 = study.participant_by_code(ws.db, "P01")
    seats.add_tap(ws.db, sid, seats.Person("participant", p01.id, "P01"), 1500)
    return sid, p01


def test_participant_delete_says_what_goes_and_keeps_the_codings(seeded):
    db = seeded.db
    sid, p01 = _mapped_session(seeded)
    codings_before = db.execute("SELECT COUNT(*) FROM codings").fetchone()[0]
    impact = deletes.participant_impact(db, p01.id)
    assert impact.counts["sessions"] == 1 and impact.counts["voices"] == 1 and impact.counts["taps"] == 1
    turns = impact.counts["turns"]
    assert turns == 3 and impact.counts["codings"] >= 1
    text = impact.text()
    assert "Delete participant P01?" in text and "1 session (Focus group 1)" in text
    assert f"the {turns} turns and" in text and "stay" in text and "1 seat tap" in text
    deletes.delete_participant(db, p01.id)
    assert study.get_participant(db, p01.id) is None
    assert db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == codings_before
    assert p01.id not in sessions.get_session(db, sid).participant_ids
    assert db.execute("SELECT COUNT(*) FROM seat_taps").fetchone()[0] == 0
    names = set(transcripts.speaker_names(db, sid).values())
    assert names == {"S1", "P02", "F1"}
    with pytest.raises(NotFound):
        deletes.delete_participant(db, p01.id)


def test_site_delete_moves_or_unlinks_and_deletes_nothing_else(seeded):
    db = seeded.db
    a, b = (study.site_by_name(db, n) for n in ("Site A", "Site B"))
    impact = deletes.site_impact(db, a.id, move_to=b.id)
    assert impact.counts == {"participants": 2, "sessions": 1}
    assert "2 participants and 1 session move to Site B" in impact.text()
    deletes.delete_site(db, a.id, move_to=b.id)
    assert [s.name for s in study.list_sites(db)] == ["Site B"]
    assert len(study.list_participants(db, site_id=b.id)) == 4
    assert {s.site_id for s in sessions.list_sessions(db)} == {b.id}
    deletes.delete_site(db, b.id)
    assert len(study.list_participants(db)) == 4 and len(sessions.list_sessions(db)) == 2
    assert {s.site_id for s in sessions.list_sessions(db)} == {None}


def test_session_delete_takes_its_folder_and_nothing_of_another_session(seeded):
    ws, db = seeded, seeded.db
    sid, _ = _mapped_session(ws)
    other = sessions.session_by_name(db, "Interview 1")
    transcripts.add_segment(db, Segment(other.id, 0, 900, "keep me"))
    mine, theirs = ws.session_dir(sid) / "a.wav", ws.session_dir(other.id) / "b.wav"
    mine.write_bytes(b"x" * 1000)
    theirs.write_bytes(b"y" * 10)
    impact = deletes.session_impact(ws, sid)
    assert impact.counts["segments"] == 8 and impact.counts["files"] == 1
    assert "the transcript (8 turns)" in impact.text() and "media folder (1 file" in impact.text()
    assert deletes.delete_session(ws, sid) == []
    assert sessions.get_session(db, sid) is None and not mine.parent.exists()
    assert theirs.read_bytes() == b"y" * 10
    assert [s.text for s in transcripts.list_segments(db, other.id)] == ["keep me"]
    assert study.participant_by_code(db, "P01")  # people stay
    assert db.execute("SELECT COUNT(*) FROM codings WHERE session_id = ?", [sid]).fetchone()[0] == 0


def test_facilitator_counts_in_the_speaker_bound_and_as_named(seeded):
    db = seeded.db
    call = sessions.session_by_name(db, "Interview 1")
    assert call.kind is SessionKind.TELEPHONE_INTERVIEW and len(call.participant_ids) == 1
    assert speaker_hint(call) == 2  # the interviewer, listed or not
    f = study.add_facilitator(db, Facilitator("Anna Berg"))
    call.facilitator_ids = [f.id]
    sessions.update_session(db, call)
    assert speaker_hint(sessions.get_session(db, call.id)) == 2
    s1, s2 = (transcripts.ensure_speaker(db, call.id, label) for label in ("S1", "S2"))
    transcripts.add_segments(db, [Segment(call.id, 0, 900, "hello", s1.id), Segment(call.id, 900, 1800, "hi", s2.id)])
    speaker_ops.assign_speaker(db, call.id, s1.id, participant_id=call.participant_ids[0])
    row = next(p for p in progress.session_progress(db) if p.session_id == call.id)
    assert (row.speakers_named, row.speakers, row.next_step) == (1, 2, "name the speakers")
    speaker_ops.assign_speaker(db, call.id, s2.id, facilitator_id=f.id)
    row = next(p for p in progress.session_progress(db) if p.session_id == call.id)
    assert (row.speakers_named, row.speakers, row.next_step) == (2, 2, "code passages")


def test_docx_names_the_facilitator_by_code_unless_real_names(seeded, tmp_path):
    sid = fill_session(seeded.db)
    fac = study.facilitator_by_name(seeded.db, "Dana Moderator")
    seg = transcripts.list_segments(seeded.db, sid)[0]
    seg.text = "Welcome, I am Dana Moderator; Dana runs this group."
    transcripts.update_segment(seeded.db, seg, words=False)
    out = tmp_path / "p.docx"
    exports.export_session(seeded, sid, "docx", out)
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Dana" not in text and "Moderator" not in text
    assert f"{fac.code}:" in text or f"{fac.code}\t" in text or f" {fac.code} " in text
    assert "Facilitators: F1" in text or "F1" in text.split("Facilitators", 1)[1][:40]
    exports.export_session(seeded, sid, "docx", out, ExportOptions(names=True))
    assert "Dana Moderator" in "\n".join(p.text for p in Document(str(out)).paragraphs)


def test_cli_edits_and_deletes(seeded, capsys):
    root = str(seeded.root)
    seeded.close()

    def run(*args):
        rc = cli_main(["--workspace", root, *args])
        return rc, capsys.readouterr()

    assert run("facilitator", "add", "Anna Berg")[0] == 0
    rc, out = run("facilitator", "list")
    assert rc == 0 and "F1" in out.out and "Anna Berg" in out.out
    assert run("participant", "edit", "P01", "--code", "P10", "--consent-date", "2026-10-01", "--site", "Site B")[0] == 0
    rc, out = run("participant", "edit", "P10", "--consent-date", "01/10/2026")
    assert rc != 0 and "YYYY-MM-DD" in out.err
    assert run("session", "edit", "Focus group 1", "--facilitators", "F1", "--date", "2024-04-02")[0] == 0
    rc, out = run("participant", "delete", "P10")
    assert rc != 0 and "Delete participant P10?" in out.out and "--yes" in out.err
    assert run("participant", "delete", "P10", "--yes")[0] == 0
    assert run("site", "delete", "Site A", "--move-to", "Site B", "--yes")[0] == 0
    assert run("session", "delete", "Interview 1", "--yes")[0] == 0
    ws = open_workspace(seeded.root)
    db = ws.db
    try:
        assert [p.code for p in study.list_participants(db)] == ["P02", "P03", "P04"]
        assert [s.name for s in study.list_sites(db)] == ["Site B"]
        fg = sessions.session_by_name(db, "Focus group 1")
        assert fg.date == "2024-04-02" and fg.facilitator_ids == [study.facilitator_by_name(db, "F1").id]
        assert [s.name for s in sessions.list_sessions(db)] == ["Focus group 1"]
    finally:
        ws.close()


def test_add_session_rejects_blank_name(workspace):
    with pytest.raises(ValueError, match="name"):
        sessions.add_session(workspace.db, Session("  "))
    with pytest.raises(ValueError, match="name"):
        study.add_site(workspace.db, Site(" "))
