"""Withdrawing a participant: their words gone from the study, every export and the backups; the
anonymised choice keeps passages with no name; their voice silenced in exported audio; the
audit log append-only and free of transcript text."""

from __future__ import annotations

import sqlite3
import zipfile

import numpy as np
import pytest
from conftest import AUDIO
from exchange_data import LINES, fill_session
from openpyxl import load_workbook

from focusdesk import cli
from focusdesk.audio.decode import SAMPLE_RATE, stream_audio
from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Segment
from focusdesk.exchange import exports
from focusdesk.store import audit, backups, transcripts, withdrawal
from focusdesk.store import study as study_store

P01_WORDS = ["overwhelming", "time-consuming", "occupational therapist"]
P02_WORDS = ["clients engaged", "daily life"]


@pytest.fixture
def coded(seeded):
    sid = fill_session(seeded.db)
    backups.create_backup(seeded)  # holds P01's words until the withdrawal replaces it
    return seeded, sid


def _content(path, fmt) -> str:
    if fmt in ("docx", "qdpx"):
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                           if n.endswith((".xml", ".qde", ".txt")))
    if fmt == "xlsx":
        wb = load_workbook(path)
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    return path.read_text(encoding="utf-8-sig")


TEXT_FORMATS = [f for f in exports.SESSION_FORMATS if f != "rttm"]


def test_withdrawal_removes_their_words_from_every_export(coded, tmp_path):
    ws, sid = coded
    withdrawal.withdraw(ws, "P01")
    for fmt in TEXT_FORMATS:
        out = tmp_path / f"s{exports.SUFFIX[fmt]}"
        exports.export_session(ws, sid, fmt, out)
        text = _content(out, fmt)
        for words in P01_WORDS:
            assert words not in text, (fmt, words)
        assert "Real Name 1" not in text
        if fmt not in ("csv", "xlsx"):  # transcripts; the spreadsheets hold codings only
            assert withdrawal.WITHDRAWN_TEXT in text, fmt
            assert "clients engaged" in text, fmt  # P02 is untouched
    for fmt in exports.STUDY_FORMATS:
        out = tmp_path / f"study{exports.SUFFIX[fmt]}"
        exports.export_study(ws, fmt, out)
        text = _content(out, fmt)
        assert not any(w in text for w in P01_WORDS), fmt


def test_withdrawal_leaves_no_copy_in_the_study_folder(coded):
    ws, sid = coded
    p = study_store.participant_by_code(ws.db, "P01")
    withdrawal.withdraw(ws, "P01")
    after = study_store.get_participant(ws.db, p.id)
    assert after.code == "P01" and after.real_name == "" and after.attributes == {} and after.role == ""
    assert withdrawal.is_withdrawn(ws.db, p.id)
    assert ws.db.execute("SELECT COUNT(*) FROM codings c JOIN speakers s ON s.id = c.speaker_id "
                         "WHERE s.participant_id = ?", [p.id]).fetchone()[0] == 0
    hits = ws.db.execute("SELECT COUNT(*) FROM segments_fts WHERE segments_fts MATCH 'overwhelming'").fetchone()[0]
    assert hits == 0
    # the old backup held their words: it is gone, and nothing in the folder holds them now
    listed = backups.list_backups(ws)
    assert [b.reason for b in listed] == ["after a withdrawal"]
    for path in ws.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for words in P01_WORDS:
                assert words.encode() not in data, (path.name, words)
    assert b"clients engaged" in (ws.root / "focusdesk.sqlite").read_bytes()


def test_keeping_anonymised_passages_keeps_them_with_no_name(coded, tmp_path):
    ws, sid = coded
    withdrawal.withdraw(ws, "P01", keep_anonymised=True)
    for fmt in ("txt", "docx", "csv", "xlsx"):
        out = tmp_path / f"a{exports.SUFFIX[fmt]}"
        exports.export_session(ws, sid, fmt, out)
        text = _content(out, fmt)
        assert "overwhelming" in text, fmt  # the passage stays (coded, so in the spreadsheets too)
        assert "Anonymous 1" in text, fmt
        assert "Real Name 1" not in text
    txt = (tmp_path / "a.txt").read_text("utf-8")
    line = next(x for x in txt.splitlines() if "overwhelming" in x)
    assert "P01" not in line
    assert ws.db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 4


def test_turns_assigned_to_a_withdrawn_voice_later_still_say_withdrawn(coded, tmp_path):
    ws, sid = coded
    withdrawal.withdraw(ws, "P01")
    spk = next(s for s in transcripts.list_speakers(ws.db, sid) if s.label == "S1")
    transcripts.add_segments(ws.db, [Segment(session_id=sid, start_ms=90_000, end_ms=92_000,
                                             text="a late secret sentence", speaker_id=spk.id)])
    out = tmp_path / "late.txt"
    exports.export_session(ws, sid, "txt", out)
    assert "late secret" not in out.read_text("utf-8")


def test_their_voice_is_silenced_in_exported_audio(seeded, tmp_path):
    ws = seeded
    sid = fill_session(ws.db)
    import_audio_file(ws, sid, AUDIO / "jfk.flac")
    s1 = [s for s in transcripts.list_segments(ws.db, sid)
          if s.speaker_id == next(k.id for k in transcripts.list_speakers(ws.db, sid) if k.label == "S1")]
    span = (s1[0].start_ms, s1[0].end_ms)  # inside jfk.flac's 11 s
    assert span[1] < 11_000
    withdrawal.withdraw(ws, "P01")
    out = tmp_path / "s.qdpx"
    warnings = exports.export_session(ws, sid, "qdpx", out)
    assert any("silenced" in w for w in warnings)
    with zipfile.ZipFile(out) as z:
        name = next(n for n in z.namelist() if n.endswith(".m4a"))
        (tmp_path / "a.m4a").write_bytes(z.read(name))
    audio = np.concatenate(list(stream_audio(tmp_path / "a.m4a")))
    a, b = (span[0] + 100) * SAMPLE_RATE // 1000, (span[1] - 100) * SAMPLE_RATE // 1000
    assert np.abs(audio[a:b]).max() < 1e-3
    rest = audio[: span[0] * SAMPLE_RATE // 1000]
    assert np.abs(rest).max() > 0.05  # the others still speak


def test_the_cli_says_what_happens_and_needs_yes(coded, capsys):
    ws, sid = coded
    root = ws.root
    ws.close()
    assert cli.main(["-w", str(root), "participant", "withdraw", "P01"]) == 2
    out = capsys.readouterr()
    assert "[withdrawn]" in out.out and "--yes" in out.err
    assert cli.main(["-w", str(root), "participant", "withdraw", "P01", "--yes"]) == 0
    assert cli.main(["-w", str(root), "participant", "withdraw", "P01", "--yes"]) == 2
    assert "already been withdrawn" in capsys.readouterr().err
    assert cli.main(["-w", str(root), "participant", "list"]) == 0
    assert "P01 (withdrawn)" in capsys.readouterr().out
    assert cli.main(["-w", str(root), "audit", "list", "--format", "csv"]) == 0
    csv_text = capsys.readouterr().out
    assert "participant withdrawn,P01,removed" in csv_text
    assert cli.main(["-w", str(root), "audit", "list", "--since", "yesterday"]) == 2
    assert "--since expects a date" in capsys.readouterr().err


def test_audit_rows_cannot_be_changed_or_deleted(coded):
    ws, _ = coded
    audit.record(ws.db, audit.EXPORTED, "docx", obj="session 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ws.db.execute("UPDATE audit_log SET detail = 'nothing happened'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ws.db.execute("DELETE FROM audit_log")
    assert ws.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] >= 2


def test_the_audit_log_holds_no_transcript_text_or_names(coded, tmp_path):
    from focusdesk.store.deletes import delete_session

    ws, sid = coded
    for fmt in ("docx", "txt"):
        exports.export_session(ws, sid, fmt, tmp_path / f"Real Name 1{exports.SUFFIX[fmt]}")
    exports.export_study(ws, "csv", tmp_path / "study.csv")
    withdrawal.withdraw(ws, "P02")
    other = ws.db.execute("SELECT id FROM sessions WHERE id != ?", [sid]).fetchone()[0]
    delete_session(ws, other)
    rows = audit.entries(ws.db)
    actions = {e.action for e in rows}
    assert {audit.STUDY_CREATED, audit.EXPORTED, audit.PARTICIPANT_WITHDRAWN,
            audit.BACKUP_CREATED, audit.SESSION_DELETED} <= actions
    dump = audit.to_csv(rows)
    for _, line in LINES:
        for word in line.split():
            if len(word) > 5:
                assert word.strip(",.?") not in dump, word
    assert "Real Name" not in dump and "Dana" not in dump
