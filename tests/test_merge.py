"""A coder's copy (study copy-for), coded independently and merged back (issue 17 item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from focusdesk.cli import main
from focusdesk.core.model import Code, Session, SessionKind, Study
from focusdesk.store import audit, coding_ops, open_workspace, sessions, transcript_ops, transcripts
from focusdesk.store import coders as cs
from focusdesk.store import codes as code_store
from focusdesk.store import study as study_store
from focusdesk.store.merge import TranscriptConflict, merge_copy
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.convert import create_protected
from focusdesk.store.study_copy import copy_for

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "data" / "audio"
VTT = ("WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nP01: And so my fellow Americans\n\n"
       "00:00:04.500 --> 00:00:10.500\nask not what your country can do for you\n")


@pytest.fixture
def study(tmp_path, capsys):
    root = tmp_path / "study"
    vtt = tmp_path / "a.vtt"
    vtt.write_text(VTT)

    def run(*argv, where: Path = root) -> tuple[int, str]:
        code = main(["--workspace", str(where), *map(str, argv)])
        out = capsys.readouterr()
        return code, out.out + out.err

    for step in (["study", "init", "--title", "Merge"], ["participant", "add", "P01"],
                 ["session", "add", "S", "--kind", "interview", "--participants", "P01"],
                 ["import-audio", AUDIO / "jfk.flac", "--session", "S"],
                 ["import-transcript", vtt, "--session", "S"],
                 ["coder", "add", "A"], ["coder", "use", "A"],
                 ["code", "add", "--session", "S", "--code", "Hope", "--create", "--from", "1", "--to", "4"]):
        code, out = run(*step)
        assert code == 0, (step, out)
    return root, run


def _counts(root: Path) -> dict[str, int]:
    with open_workspace(root, create=False) as ws:
        return {t: ws.db[t].count for t in ("sessions", "segments", "codings", "codes", "memos")}


def test_copy_code_merge_twice_and_agreement(study, tmp_path):
    root, run = study
    copy = tmp_path / "copy-B"
    code, out = run("study", "copy-for", "B", copy)
    assert code == 0, out
    assert "1 hard-linked" in out or "0 hard-linked" in out
    assert list((copy / "sessions").rglob("*.flac")), "the media came with the copy"
    with open_workspace(copy, create=False) as ws:
        assert cs.current_coder(ws.db).name == "B"
    # B codes in the copy: the same code over another span, and a code that exists only there
    for step in (["code", "add", "--session", "S", "--code", "Hope", "--from", "2", "--to", "4"],
                 ["code", "add", "--session", "S", "--code", "Duty", "--create", "--from", "5", "--to", "9"]):
        code, out = run(*step, where=copy)
        assert code == 0, out
    before = _counts(root)
    code, out = run("merge", copy)
    assert code == 0, out
    assert "2 codings" in out and "Duty" in out
    after = _counts(root)
    assert after["sessions"] == before["sessions"] and after["segments"] == before["segments"]
    assert after["codings"] == before["codings"] + 2 and after["codes"] == before["codes"] + 1
    with open_workspace(root, create=False) as ws:
        b = cs.coder_by_name(ws.db, "B")
        mine = cs.codings_of(ws.db, [b.id])
        assert sorted((c.start_ms, c.end_ms) for c in mine) == [(2000, 4000), (5000, 9000)]
        assert [e.action for e in audit.entries(ws.db)][-1] == "merge"
    code, out = run("merge", copy)  # twice: nothing more
    assert code == 0 and "0 codings" in out and "2 codings already here" in out
    assert _counts(root) == after
    code, out = run("agreement", "--coders", "A,B")
    assert code == 0, out
    assert "Hope" in out


def _copy_with_an_edited_turn(study, tmp_path):
    """B's copy with a coding, and its second turn's text edited."""
    _root, run = study
    copy = tmp_path / "copy-B"
    assert run("study", "copy-for", "B", copy)[0] == 0
    assert run("code", "add", "--session", "S", "--code", "Hope", "--from", "2", "--to", "4", where=copy)[0] == 0
    with open_workspace(copy, create=False) as ws:
        sid = ws.db.execute("SELECT id FROM sessions WHERE name = 'S'").fetchone()[0]
        second = transcripts.list_segments(ws.db, sid, with_words=False)[1]
        transcript_ops.edit_segment_text(ws.db, second.id, "ask what you can do for your country")
    return copy


def test_an_edited_transcript_is_refused_and_nothing_changes(study, tmp_path):
    root, run = study
    copy = _copy_with_an_edited_turn(study, tmp_path)
    before = _counts(root)
    code, out = run("merge", copy)
    assert code != 0
    assert "Nothing was merged" in out and "S 00:00:04: text differs" in out and "text differs" in out
    assert "ask what you can do" not in out  # turns are named by time, never quoted
    assert _counts(root) == before
    with open_workspace(root, create=False) as ws, open_workspace(copy, create=False) as other:
        with pytest.raises(TranscriptConflict) as err:
            merge_copy(ws.db, other.db)
        assert len(err.value.differences) == 1


def test_copy_for_refuses_a_folder_with_something_in_it(study, tmp_path):
    root, run = study
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x.txt").write_text("x")
    code, out = run("study", "copy-for", "B", tmp_path / "busy")
    assert code == 1 and "not empty" in out
    assert run("study", "copy-for", "B", root / "inside")[0] == 1


def test_a_protected_studys_copy_stays_protected_and_merges(tmp_path):
    root, copy = tmp_path / "study", tmp_path / "copy"
    create_protected(root, "first passphrase")
    try:
        with open_workspace(root) as ws:
            study_store.save_study(ws.db, Study(title="Sealed"))
            sessions.add_session(ws.db, Session("S1", SessionKind.INTERVIEW))
            copy_for(ws, "B", copy)
        assert keyfile.key_path(copy).read_bytes() == keyfile.key_path(root).read_bytes()
        assert not (copy / "focusdesk.sqlite").read_bytes().startswith(b"SQLite format 3")
        keyring.forget_all()
        with open_workspace(copy, passphrase="first passphrase") as other:
            assert cs.current_coder(other.db).name == "B"
            code = other.db.execute("SELECT id FROM codes").fetchone()
            assert code is None  # no frame: B makes a code in the copy
            made = code_store.add_code(other.db, Code(name="Trust"))
            sid = other.db.execute("SELECT id FROM sessions").fetchone()[0]
            coding_ops.apply_code(other.db, sid, made.id, 0, 1)
            with open_workspace(root) as ws:
                report = merge_copy(ws.db, other.db)
                assert (report.codings_added, report.codes_created) == (1, ["Trust"])
    finally:
        keyring.forget_all()


def test_window_copy_for_a_coder_and_merge_it_back(qtbot, seeded, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    from focusdesk.ui.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _w, _t, text: shown.append(text))
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    copy = tmp_path / "copy-B"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("B", True))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(copy))
    next(a for a in win.menu("Study").actions() if a.text() == "Copy for a &coder…").trigger()
    assert (copy / "focusdesk.sqlite").is_file() and "B's copy" in shown[-1]
    with open_workspace(copy, create=False) as other:
        sid = other.db.execute("SELECT id FROM sessions WHERE name = 'Focus group 1'").fetchone()[0]
        code = code_store.add_code(other.db, Code(name="Made by B"))
        coding_ops.apply_code(other.db, sid, code.id, 0, 1)
    with qtbot.waitSignal(win.changes.changed, timeout=2000):
        next(a for a in win.menu("Study").actions() if a.text() == "&Merge a coder's copy…").trigger()
    assert "1 coding and 0 memos of B merged" in shown[-1] and "Made by B" in shown[-1]
    assert [c.name for c in cs.list_coders(seeded.db)] == ["default", "B"]


def test_summaries_merge_with_their_coder_once(study, tmp_path):
    root, run = study
    copy = tmp_path / "copy-B"
    assert run("study", "copy-for", "B", copy)[0] == 0
    assert run("framework", "--summary", "P01", "Hope", "A reads hope here.")[0] == 0  # A is current
    code, out = run("framework", "--summary", "P01", "Hope", "Default's note.", "--coder", "default")
    assert code == 0 and "Saved default's summary" in out
    code, out = run("framework", "--summary", "P01", "Hope", "B reads duty, not hope.", where=copy)
    assert code == 0 and "Saved B's summary" in out
    code, out = run("merge", copy)
    assert code == 0 and "1 summary added" in out, out
    with open_workspace(root, create=False) as ws:
        rows = ws.db.execute("SELECT c.name, s.summary FROM framework_summaries s JOIN coders c "
                             "ON c.id = s.coder_id ORDER BY c.name").fetchall()
    assert rows == [("A", "A reads hope here."), ("B", "B reads duty, not hope."), ("default", "Default's note.")]
    code, out = run("framework")
    assert "Summary: A reads hope here." in out and "Summary by B: B reads duty, not hope." in out
    code, out = run("merge", copy)  # twice: nothing more
    assert code == 0 and "1 summary already here" in out and "added" not in out
    with open_workspace(copy, create=False) as other:  # B rewrites it later in the copy
        other.db.execute("UPDATE framework_summaries SET summary = 'B, revised.', updated_at = '2999-01-01T00:00:00'")
    code, out = run("merge", copy)
    assert code == 0 and "0 summaries added, 1 updated" in out, out
    with open_workspace(root, create=False) as ws:
        b, a = cs.coder_by_name(ws.db, "B"), cs.coder_by_name(ws.db, "A")
        texts = dict(ws.db.execute("SELECT coder_id, summary FROM framework_summaries").fetchall())
    assert (texts[b.id], texts[a.id]) == ("B, revised.", "A reads hope here.")


def _export(run, where: Path, target: Path) -> None:
    code, out = run("export-study", "--format", "qdpx", "-o", target, "--no-media", where=where)
    assert code == 0, out


def test_a_coders_qdpx_export_merges_like_the_copy(study, tmp_path):
    from focusdesk.core.model import Memo
    from focusdesk.store import annotations

    root, run = study
    copy = tmp_path / "copy-B"
    assert run("study", "copy-for", "B", copy)[0] == 0
    for step in (["code", "add", "--session", "S", "--code", "Hope", "--from", "2", "--to", "4"],
                 ["code", "add", "--session", "S", "--code", "Duty", "--create", "--from", "5", "--to", "9"]):
        assert run(*step, where=copy)[0] == 0
    with open_workspace(copy, create=False) as other:
        sid = other.db.execute("SELECT id FROM sessions WHERE name = 'S'").fetchone()[0]
        annotations.add_memo(other.db, Memo(title="B's reading", body="Duty over hope.", session_id=sid))
    qdpx = tmp_path / "B.qdpx"
    _export(run, copy, qdpx)
    before = _counts(root)
    code, out = run("merge", qdpx)
    assert code == 0, out
    assert "2 codings and 1 memo of B merged" in out and "codes created: Duty" in out
    after = _counts(root)
    assert (after["sessions"], after["segments"]) == (before["sessions"], before["segments"])
    assert (after["codings"], after["memos"], after["codes"]) == (before["codings"] + 2, before["memos"] + 1,
                                                                   before["codes"] + 1)
    with open_workspace(root, create=False) as ws:
        b = cs.coder_by_name(ws.db, "B")
        assert sorted((c.start_ms, c.end_ms) for c in cs.codings_of(ws.db, [b.id])) == [(2000, 4000), (5000, 9000)]
        duty = ws.db.execute("SELECT guid FROM codes WHERE name = 'Duty'").fetchone()[0]
        with open_workspace(copy, create=False) as other:  # the code keeps its stable id
            assert other.db.execute("SELECT guid FROM codes WHERE name = 'Duty'").fetchone()[0] == duty
        assert ws.db.execute("SELECT coder_id FROM memos WHERE title = ?", ["B's reading"]).fetchone()[0] == b.id
        assert [e.action for e in audit.entries(ws.db)][-1] == "merge qdpx"
    code, out = run("merge", qdpx)  # twice: nothing more
    assert code == 0 and "0 codings and 0 memos of B merged" in out and "2 codings already here" in out
    assert _counts(root) == after
    # the original's own export names its sessions alike, so import-qdpx still refuses it as a duplicate
    mine = tmp_path / "mine.qdpx"
    _export(run, root, mine)
    code, out = run("import-qdpx", mine)
    assert code != 0 and "already has" in out


def test_a_qdpx_with_a_changed_transcript_or_a_new_session_is_refused(study, tmp_path):
    root, run = study
    copy = _copy_with_an_edited_turn(study, tmp_path)
    edited = tmp_path / "edited.qdpx"
    _export(run, copy, edited)
    with open_workspace(copy, create=False) as ws:  # a turn removed: the lines no longer pair up
        sid = ws.db.execute("SELECT id FROM sessions WHERE name = 'S'").fetchone()[0]
        second = transcripts.list_segments(ws.db, sid, with_words=False)[1]
        transcript_ops.delete_segments(ws.db, [second.id])
    shorter = tmp_path / "shorter.qdpx"
    _export(run, copy, shorter)
    assert run("session", "add", "Only in B", "--kind", "interview", where=copy)[0] == 0
    extra = tmp_path / "extra.qdpx"
    _export(run, copy, extra)
    before = _counts(root)
    code, out = run("merge", edited)
    assert code != 0 and "Nothing was merged" in out and "S 00:00:04: text differs" in out, out
    assert "ask what you can do" not in out and "default options" in out
    code, out = run("merge", shorter)
    assert code != 0 and "S 00:00:04: a turn only in this study" in out, out
    code, out = run("merge", extra)
    assert code != 0 and "not sessions of this study: Only in B" in out, out
    assert _counts(root) == before
    with open_workspace(root, create=False) as ws:
        assert [c.name for c in cs.list_coders(ws.db)] == ["default", "A"]  # nothing written


def test_a_qdpx_back_from_another_program_brings_every_users_codings_once(study, tmp_path):
    """After a round trip through NVivo (origin not focusdesk, GUIDs kept) every REFI user's
    codings come in as their coder; the original's own are already here; a coded turn gets
    its speaker back."""
    import zipfile

    root, run = study
    copy = tmp_path / "copy-B"
    assert run("study", "copy-for", "B", copy)[0] == 0
    with open_workspace(copy, create=False) as other:
        sid = other.db.execute("SELECT id FROM sessions WHERE name = 'S'").fetchone()[0]
        first = transcripts.list_segments(other.db, sid, with_words=False)[0]
        hope = other.db.execute("SELECT id FROM codes WHERE name = 'Hope'").fetchone()[0]
        coding_ops.code_turn(other.db, first.id, hope)
    ours = tmp_path / "ours.qdpx"
    _export(run, copy, ours)
    nvivo = tmp_path / "nvivo.qdpx"
    with zipfile.ZipFile(ours) as src, zipfile.ZipFile(nvivo, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "project.qde":
                data = data.replace(b'origin="focusdesk"', b'origin="NVivo 14"')
            dst.writestr(item, data)
    code, out = run("merge", nvivo)
    assert code == 0, out
    assert "0 codings and 0 memos of A merged; 1 coding already here" in out
    assert "1 coding and 0 memos of B merged" in out
    with open_workspace(root, create=False) as ws:
        b = cs.coder_by_name(ws.db, "B")
        (mine,) = cs.codings_of(ws.db, [b.id])
        here_first = transcripts.list_segments(ws.db, mine.session_id, with_words=False)[0]
        assert (mine.start_ms, mine.end_ms, mine.speaker_id) == (500, 4000, here_first.speaker_id)
        assert mine.speaker_id is not None
    before = _counts(root)
    code, out = run("merge", nvivo)
    assert code == 0 and "0 codings and 0 memos of B merged; 1 coding already here" in out
    assert _counts(root) == before


def test_window_merges_a_coders_qdpx_export(qtbot, seeded, tmp_path, monkeypatch):
    from coding_study import build_transcripts
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from focusdesk.exchange.refi_export import write_qdpx
    from focusdesk.ui.main_window import MainWindow

    build_transcripts(seeded.db)  # a session's codings travel in QDPX on its transcript
    copy, qdpx = tmp_path / "copy-B", tmp_path / "B.qdpx"
    copy_for(seeded, "B", copy)
    with open_workspace(copy, create=False) as other:
        sid = other.db.execute("SELECT id FROM sessions WHERE name = 'Focus group 1'").fetchone()[0]
        code = code_store.add_code(other.db, Code(name="Made by B"))
        coding_ops.apply_code(other.db, sid, code.id, 1000, 2000)
        write_qdpx(other, qdpx, include_media=False)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _w, _t, text: shown.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(qdpx), ""))
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.changes.changed, timeout=2000):
        next(a for a in win.menu("Study").actions() if a.text() == "Merge a coder's &QDPX export…").trigger()
    assert "1 coding and 0 memos of B merged" in shown[-1] and "Made by B" in shown[-1]
    assert [c.name for c in cs.list_coders(seeded.db)] == ["default", "B"]
