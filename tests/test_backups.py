"""Rolling backups on real study folders: round trip, thinning, a backup killed mid-write, the
audit log carried across a restore, and ``focusdesk check`` on real media."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import AUDIO, ROOT
from exchange_data import fill_session

from focusdesk import cli
from focusdesk.audio.media import import_audio_file
from focusdesk.core.checksums import file_sha256
from focusdesk.core.model import Participant, Segment
from focusdesk.store import audit, backups, open_workspace, transcripts
from focusdesk.store import study as study_store
from focusdesk.store.check import check_study
from focusdesk.store.workspace import StudyLockedError


@pytest.fixture
def coded(seeded):
    sid = fill_session(seeded.db)
    return seeded, sid


def _texts(ws, sid) -> list[str]:
    return [s.text for s in transcripts.list_segments(ws.db, sid)]


def test_restore_brings_back_the_data_and_keeps_the_state_before(coded):
    ws, sid = coded
    before = _texts(ws, sid)
    first = backups.create_backup(ws)
    seg = transcripts.list_segments(ws.db, sid)[0]
    ws.db.execute("UPDATE segments SET text = 'changed after the backup' WHERE id = ?", [seg.id])
    ws.db.execute("DELETE FROM codings")
    study_store.add_participant(ws.db, Participant(code="P99"))
    audit.record(ws.db, audit.EXPORTED, "docx", obj=f"session {sid}")

    done = backups.restore_backup(ws, first.id)

    assert _texts(ws, sid) == before
    assert ws.db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 4
    assert "P99" not in {p.code for p in study_store.list_participants(ws.db)}
    # the state just before the restore is a backup of its own, and holds the change
    safety = backups.get_backup(ws, done.safety.id)
    conn = ws.open_connection(safety.path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM segments WHERE text = 'changed after the backup'"
                            ).fetchone()[0] == 1
    finally:
        conn.close()
    # the audit log keeps what happened after the backup, then says it was restored
    actions = [(e.action, e.detail) for e in audit.entries(ws.db)]
    assert ("exported", "docx") in actions
    assert actions[-1] == (audit.BACKUP_RESTORED, first.id)
    assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_damaged_backup_is_refused_and_changes_nothing(coded):
    ws, sid = coded
    b = backups.create_backup(ws)
    data = bytearray(b.path.read_bytes())
    data[5000] ^= 0xFF
    b.path.write_bytes(bytes(data))
    ws.db.execute("DELETE FROM codings")
    with pytest.raises(backups.BackupError, match="damaged"):
        backups.restore_backup(ws, b.id)
    assert ws.db.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0


def test_rolling_backup_only_when_the_study_changed(coded):
    ws, sid = coded
    first = backups.auto_backup(ws, min_interval_s=0)
    assert first is not None
    assert backups.auto_backup(ws, min_interval_s=0) is None  # nothing changed
    ws.db.execute("UPDATE segments SET text = 'edited' WHERE id = (SELECT MIN(id) FROM segments)")
    assert backups.auto_backup(ws, min_interval_s=3600) is None  # too soon after the last one
    assert backups.auto_backup(ws, min_interval_s=0) is not None


def test_the_windows_timer_reads_the_database_only_after_a_write(coded):
    ws, _ = coded
    timer = backups.RollingBackup(period_s=0)
    assert timer.tick(ws) is not None
    assert timer.tick(ws) is None  # no write since: not even compared
    ws.db.execute("UPDATE segments SET text = 'edited' WHERE id = (SELECT MIN(id) FROM segments)")
    assert timer.tick(ws) is not None
    early = backups.RollingBackup(period_s=3600)
    ws.db.execute("UPDATE segments SET text = 'edited again' WHERE id = (SELECT MIN(id) FROM segments)")
    assert early.tick(ws) is None  # too soon after the last backup ...
    early.period_s = 0
    assert early.tick(ws) is not None  # ... so the change is still pending at the next tick


def test_rotation_keeps_a_bounded_number(coded, monkeypatch):
    ws, _ = coded
    for _ in range(15):
        backups.create_backup(ws)
    kept = backups.list_backups(ws)
    # the newest ten, plus the newest of this hour among the rest
    assert len(kept) == backups.KEEP_RECENT + 1
    assert len(list(backups.backup_dir(ws).glob("*.sqlite"))) == len(kept)
    # a month later: only the newest ten are left (nothing within the hourly/daily windows)
    backups.prune(ws, now=datetime.now(UTC) + timedelta(days=30))
    assert len(backups.list_backups(ws)) == backups.KEEP_RECENT
    # a size cap that holds five backups keeps five (never fewer than three)
    monkeypatch.setattr(backups, "MAX_TOTAL_BYTES", kept[0].size * 5)
    backups.prune(ws)
    assert len(backups.list_backups(ws)) == 5
    assert len(list(backups.backup_dir(ws).iterdir())) == 10


_KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from focusdesk.store import backups, open_workspace
    ws = open_workspace({study!r}, create=False)
    if {at} > 0:  # die at the n-th rename: after the copy is written, or before its manifest lands
        real, calls = os.replace, []
        def replace(a, b):
            calls.append(a)
            if len(calls) == {at}:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(a, b)
        backups.os.replace = replace
    print("ready", flush=True)
    while True:
        backups.create_backup(ws, reason="killed")
""")


def _kill_during_backup(study: Path, at: int, delay: float = 0.0) -> None:
    code = _KILLER.format(root=str(ROOT), study=str(study), at=at)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        if at == 0:
            import time

            time.sleep(delay)
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL


def test_a_killed_backup_never_lists_as_complete(coded):
    ws, _ = coded
    good = backups.create_backup(ws)
    for at, delay in ((1, 0), (2, 0), (0, 0.05), (0, 0.3)):
        _kill_during_backup(ws.root, at, delay)
        for b in backups.list_backups(ws):
            # whatever lists is whole: its checksum matches and it opens as a sound database
            assert file_sha256(b.path) == b.sha256
            conn = ws.open_connection(b.path)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finally:
                conn.close()
        if at:  # killed in its first backup: nothing new lists
            assert [b.id for b in backups.list_backups(ws)] == [good.id]
    # the killed ones left a copy without a manifest, or a .part: swept once stale
    folder = backups.backup_dir(ws)
    leftovers = [p for p in folder.iterdir() if p.name.endswith(".part") or
                 (p.suffix == ".sqlite" and not p.with_suffix(".json").exists())]
    assert leftovers
    backups.sweep(folder, now=datetime.now(UTC).timestamp() + 3600)
    assert all(p.with_suffix(".json").exists() for p in folder.glob("*.sqlite"))
    assert not list(folder.glob("*.part"))


def test_the_cli_lists_creates_and_restores(coded, capsys):
    ws, sid = coded
    root = ws.root
    ws.close()  # the CLI opens the study itself
    assert cli.main(["-w", str(root), "backup", "create"]) == 0
    with open_workspace(root, create=False) as again:
        made = backups.list_backups(again)
    # the rolling one made as the command opened the study, then the one asked for
    assert [b.reason for b in made] == ["manual", "rolling"]
    assert cli.main(["-w", str(root), "backup", "list"]) == 0
    out = capsys.readouterr().out
    assert made[0].id in out and "8 turns" in out
    with open_workspace(root, create=False) as other:
        other.db.execute("DELETE FROM segments")
        # refused while someone else has the study open
        assert cli.main(["-w", str(root), "backup", "restore", made[0].id]) == 2
        assert "already open" in capsys.readouterr().err
        assert other.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 0
    assert cli.main(["-w", str(root), "backup", "restore", made[0].id]) == 0
    with open_workspace(root, create=False) as again:
        assert again.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 8
        assert len(backups.list_backups(again)) == 3
        actions = [e.action for e in audit.entries(again.db)]
        assert actions.count(audit.BACKUP_CREATED) == 2 and actions[-1] == audit.BACKUP_RESTORED


def test_restore_is_refused_while_another_holds_the_lock(coded):
    ws, _ = coded
    with pytest.raises(StudyLockedError):
        open_workspace(ws.root, create=False, exclusive=True)


def test_check_finds_changed_missing_and_unexpected_media(seeded, capsys):
    ws = seeded
    sid = ws.db.execute("SELECT id FROM sessions ORDER BY id").fetchone()[0]
    a = import_audio_file(ws, sid, AUDIO / "jfk.flac")
    b = import_audio_file(ws, sid, AUDIO / "librispeech-2412-153948-0000.flac")
    backups.create_backup(ws)
    assert check_study(ws).ok
    path_a, path_b = ws.resolve(a.path), ws.resolve(b.path)
    data = bytearray(path_a.read_bytes())
    data[len(data) // 2] ^= 0x55
    path_a.write_bytes(bytes(data))
    path_b.unlink()
    (path_a.parent / "stray.wav").write_bytes(b"RIFF")
    report = check_study(ws)
    assert report.database_ok
    assert report.changed == [a.path]
    assert report.missing == [b.path]
    assert report.unexpected == [f"{Path(a.path).parent.as_posix()}/stray.wav"]
    root = ws.root
    ws.close()
    assert cli.main(["-w", str(root), "check"]) == 1
    out = capsys.readouterr().out
    assert "1 missing" in out and a.path in out and b.path in out and "Database: ok" in out


def test_the_backup_manifest_records_media_checksums(seeded):
    from focusdesk.audio.probe import sha256_file

    ws = seeded
    sid = ws.db.execute("SELECT id FROM sessions ORDER BY id").fetchone()[0]
    rec = import_audio_file(ws, sid, AUDIO / "jfk.flac")
    b = backups.create_backup(ws)
    media = {m.path: m for m in b.media}
    assert media[rec.path].sha256 == sha256_file(ws.resolve(rec.path)) == rec.sha256
    assert media[rec.path].size == ws.resolve(rec.path).stat().st_size
    assert (b.path.stat().st_mode & 0o077) == 0  # participant data: the owner's only


_RESTORER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from focusdesk.store import backups, open_workspace
    ws = open_workspace({study!r}, create=False, exclusive=True)
    print("ready", flush=True)
    backups.restore_backup(ws, {backup!r})
    print("done", flush=True)
""")


def test_a_killed_restore_leaves_the_old_or_the_new_study(seeded):
    """kill -9 at moments spread over a restore of a few megabytes: the study opens, is sound,
    and is wholly the state before or wholly the backup's, never a mix."""
    import time

    from focusdesk.core.model import Study

    ws = seeded
    sid = ws.db.execute("SELECT MIN(id) FROM sessions").fetchone()[0]
    transcripts.add_segments(ws.db, [Segment(session_id=sid, start_ms=i * 10, end_ms=i * 10 + 5,
                                             text=f"backup state turn {i} " + "x" * 400) for i in range(8000)])
    study_store.save_study(ws.db, Study(title="Backup state"))
    b = backups.create_backup(ws)
    ws.db.execute("DELETE FROM segments WHERE id % 2 = 0")
    study_store.save_study(ws.db, Study(title="Current state"))
    expected = {"Backup state": 8000, "Current state": 4000}
    root = ws.root
    ws.close()
    code = _RESTORER.format(root=str(ROOT), study=str(root), backup=b.id)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    assert child.stdout.readline().strip() == "done"
    took = time.monotonic() - started  # the restore alone: the safety backup, then the copy
    child.wait(timeout=60)
    with open_workspace(root, create=False) as again:  # put it back to "current" for the kills
        assert again.db.execute("SELECT title FROM study").fetchone()[0] == "Backup state"
        safety = backups.list_backups(again)[0]
        assert safety.reason == f"before restoring {b.id}"
        backups.restore_backup(again, safety.id)
        assert again.db.execute("SELECT title FROM study").fetchone()[0] == "Current state"
    seen = set()
    for fraction in (0.3, 0.5, 0.7, 0.85, 0.95):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(took * fraction)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open_workspace(root, create=False) as after:
            assert after.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            title = after.db.execute("SELECT title FROM study").fetchone()[0]
            count = after.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
            assert expected[title] == count
            seen.add(title)
            print(f"killed at {fraction:.0%} of {took:.2f} s: {title}")
            if title == "Backup state":  # it finished before the kill: start again from "current"
                backups.restore_backup(after, next(x for x in backups.list_backups(after)
                                                   if x.reason == f"before restoring {b.id}").id)
    assert "Current state" in seen
