"""Opening study folders: migrations, and refusing what would damage a study."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import fill_disk, small_disk

from focusdesk.store import annotations, codes, sessions, study, transcripts
from focusdesk.store.schema import LATEST
from focusdesk.store.workspace import DB_NAME, WorkspaceError, default_workspace, open_workspace

FIXTURE = Path(__file__).parent / "fixtures" / "study-v1.sqlite"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_workspace_is_wal_with_foreign_keys(tmp_path):
    with open_workspace(tmp_path / "s") as ws:
        assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ws.schema_version == LATEST
        assert (tmp_path / "s" / "sessions").is_dir()


def test_v1_database_migrates_and_keeps_everything(tmp_path):
    root = tmp_path / "legacy"
    root.mkdir()
    shutil.copy(FIXTURE, root / DB_NAME)
    with open_workspace(root) as ws:
        db = ws.db
        assert ws.schema_version == LATEST
        assert study.get_study(db).title == "Legacy study"
        assert study.get_study(db).settings == {}
        assert study.participant_by_code(db, "P01").attributes == {"years": "4"}
        s = sessions.session_by_name(db, "Focus group 1")
        seg = transcripts.list_segments(db, s.id)[0]
        assert [w.text for w in seg.words][-1] == "engaged"
        assert annotations.list_codings(db, s.id)[0].memo == "clear example"
        assert codes.code_path(db, annotations.list_codings(db, s.id)[0].code_id) == "Added value/Fosters engagement"
        # the v2 full-text index was built over the existing segments
        assert db.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH 'engaged'").fetchall() == [(1,)]
    backup = sqlite3.connect(root / f"{DB_NAME}.v1.bak")
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT text FROM segments").fetchone()[0] == "the programme keeps clients engaged"
    backup.close()


def test_a_study_made_before_migration_3_existed_gets_its_table(tmp_path):
    """Migration 3 landed after 6 and 7: a version-7 study without it is repaired by 8."""
    from focusdesk.store.schema import MIGRATIONS
    from focusdesk.store.workspace import _statements

    root = tmp_path / "v7"
    root.mkdir()
    conn = sqlite3.connect(root / DB_NAME)
    for number in (n for n in sorted(MIGRATIONS) if n <= 7 and n != 3):
        for statement in _statements(MIGRATIONS[number]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'transcription_runs'").fetchall()
    conn.close()
    with open_workspace(root) as ws:
        assert ws.schema_version == LATEST >= 8
        assert ws.db.execute("SELECT count(*) FROM transcription_runs").fetchone() == (0,)
        indexes = {r[0] for r in ws.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"transcription_runs_recording", "segments_recording_end"} <= indexes


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    from focusdesk.store import schema, workspace

    root = tmp_path / "legacy"
    root.mkdir()
    shutil.copy(FIXTURE, root / DB_NAME)
    broken = dict(schema.MIGRATIONS)
    broken[2] = "ALTER TABLE study ADD COLUMN settings TEXT;\nTHIS IS NOT SQL;"
    monkeypatch.setattr(workspace, "MIGRATIONS", broken)
    with pytest.raises(WorkspaceError):
        open_workspace(root)
    conn = sqlite3.connect(root / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "settings" not in [r[1] for r in conn.execute("PRAGMA table_info(study)")]
    conn.close()


def test_newer_schema_is_refused_untouched(tmp_path):
    root = tmp_path / "future"
    root.mkdir()
    db_path = root / DB_NAME
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    conn.commit()
    conn.close()
    before = digest(db_path)
    with pytest.raises(WorkspaceError, match="newer focusdesk"):
        open_workspace(root)
    assert digest(db_path) == before


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\x07" * 5000])
def test_corrupt_database_is_refused_untouched(tmp_path, content):
    root = tmp_path / "broken"
    root.mkdir()
    (root / DB_NAME).write_bytes(content)
    with pytest.raises(WorkspaceError, match="untouched|not changed|damaged"):
        open_workspace(root)
    assert (root / DB_NAME).read_bytes() == content
    assert not (root / f"{DB_NAME}-wal").exists()


def test_second_window_is_refused_but_cli_reads_alongside_cli(tmp_path):
    root = tmp_path / "s"
    first = open_workspace(root, exclusive=True)
    try:
        with pytest.raises(WorkspaceError, match="already open"):
            open_workspace(root, exclusive=True)
        # the lock is per open file description, so prove it across processes too
        code = (f"from focusdesk.store.workspace import open_workspace\n"
                f"open_workspace({str(root)!r})\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.returncode != 0 and "already open" in proc.stderr
    finally:
        first.close()
    a = open_workspace(root)
    b = open_workspace(root)
    a.close()
    b.close()


def test_read_only_folder_gets_clear_message(tmp_path):
    root = tmp_path / "ro"
    with open_workspace(root):
        pass
    before = digest(root / DB_NAME)
    # root ignores permission bits, so make the folder really read-only with a read-only bind mount
    mount = tmp_path / "mnt"
    mount.mkdir()
    ok = subprocess.run(["mount", "--bind", "-o", "ro", str(root), str(mount)], capture_output=True).returncode == 0
    if not ok:  # unprivileged runs: permission bits are enough
        root.chmod(0o555)
        mount = root
    try:
        with pytest.raises(WorkspaceError, match="cannot be written|read-only"):
            open_workspace(mount)
    finally:
        if mount != root:
            subprocess.run(["umount", str(mount)], check=False)
        root.chmod(0o755)
    assert digest(root / DB_NAME) == before


def test_path_that_is_a_file(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(WorkspaceError, match="is a file"):
        open_workspace(f)


def test_default_workspace_rules(monkeypatch, tmp_path):
    monkeypatch.setenv("FOCUSDESK_WORKSPACE", str(tmp_path / "env"))
    assert default_workspace() == tmp_path / "env"
    monkeypatch.delenv("FOCUSDESK_WORKSPACE")
    assert default_workspace() == Path(__file__).resolve().parents[1] / "sessions"


def test_a_full_disk_is_named_as_such_not_as_a_damaged_study(tmp_path):
    """SQLite cannot make its shared-memory file on a full disk and reports an I/O error; that
    must not send the user to restore a backup of a perfectly good study."""
    with small_disk(tmp_path / "disk", "2m") as disk:
        with open_workspace(disk / "study") as ws:
            study.save_study(ws.db, study.Study(title="Full"))
        before = digest(disk / "study" / DB_NAME)
        fill_disk(disk / "filler")
        with pytest.raises(WorkspaceError) as err:
            open_workspace(disk / "study")
        assert "disk holding the study folder" in str(err.value) and "full" in str(err.value)
        assert "damaged" not in str(err.value)
        assert digest(disk / "study" / DB_NAME) == before
