"""Known errors in words (shared by the CLI and the window) and a log without participant data."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from conftest import fill_disk, small_disk

from focusdesk.cli import main
from focusdesk.core.errors import describe, disk_full_text, log_report, translate
from focusdesk.store import study
from focusdesk.store.workspace import StudyLockedError, open_workspace

SECRET_TEXT = "I stopped going to the clinic after my diagnosis"
SECRET_NAME = "Margaret Okonkwo"


def test_known_errors_read_as_what_to_do(tmp_path):
    full = translate(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.wav")))
    assert full.title == "Disk full" and "Free some space" in full.text
    sql_full = translate(sqlite3.OperationalError("database or disk is full"))
    assert sql_full.title == "Disk full" and "Free some space" in sql_full.text
    missing = translate(FileNotFoundError(errno.ENOENT, "No such file", "/gone/guide.md"))
    assert missing.title == "File not found" and "/gone/guide.md" in missing.text
    denied = translate(PermissionError(errno.EACCES, "Permission denied", "/locked/guide.md"))
    assert denied.title == "Permission denied" and "permissions" in denied.text
    # a damaged study file, as SQLite really reports it
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 200)
    with pytest.raises(sqlite3.DatabaseError) as err:
        sqlite3.connect(bad).execute("SELECT * FROM sqlite_master")
    damaged = translate(err.value)
    assert damaged.title == "Damaged study file" and "backup" in damaged.text
    unique = translate(sqlite3.IntegrityError("UNIQUE constraint failed: sessions.name"))
    assert unique.title == "Name already used" and "Nothing was changed" in unique.text
    assert translate(RuntimeError("boom")) is None
    odd = describe(RuntimeError("boom"))
    assert not odd.expected and "Report a problem" in odd.text and "boom" not in odd.text


def test_locked_study_is_one_message_for_cli_and_window(tmp_path, capsys):
    root = tmp_path / "s"
    first = open_workspace(root, exclusive=True)
    try:
        with pytest.raises(StudyLockedError) as err:
            open_workspace(root, exclusive=True)
        window_text = describe(err.value).text  # what the window's error box says
        assert main(["-w", str(root), "site", "list"]) == 2
    finally:
        first.close()
    assert capsys.readouterr().err.strip() == f"focusdesk: {window_text}"
    assert "already open in another focusdesk window" in window_text


def test_cli_prints_the_shared_text_for_a_disk_full_error(tmp_path, capsys, monkeypatch):
    """SQLite's own 'disk is full' from inside a command gets the shared words, not a traceback."""
    root = tmp_path / "s"
    with open_workspace(root):
        pass

    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(study, "add_site", full)
    assert main(["-w", str(root), "site", "add", "Site A"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"focusdesk: {disk_full_text('the study folder')}"


def test_cli_on_a_really_full_disk(tmp_path, capsys):
    with small_disk(tmp_path / "disk", "2m") as disk:
        with open_workspace(disk / "study"):
            pass
        fill_disk(disk / "filler")
        assert main(["-w", str(disk / "study"), "site", "add", "Site A"]) == 2
    err = capsys.readouterr().err
    assert f"The disk holding the study folder {disk / 'study'} is full" in err
    assert "Free some space" in err and "Traceback" not in err


def _deep_in_the_transcript(text: str, who: str) -> None:
    raise ValueError(f"cannot split {text!r} spoken by {who}")


def test_the_log_report_keeps_type_and_frames_but_no_message_text():
    try:
        try:
            _deep_in_the_transcript(SECRET_TEXT, SECRET_NAME)
        except ValueError as inner:
            raise RuntimeError(f"while saving {SECRET_NAME}") from inner
    except RuntimeError as exc:
        text = log_report(exc)
    assert SECRET_TEXT not in text and SECRET_NAME not in text and "Okonkwo" not in text
    assert text.startswith("RuntimeError")
    assert "ValueError" in text and "_deep_in_the_transcript" in text
    assert "tests/test_errors.py:" in text  # the frame's file and line, from the package folder on
    os_text = log_report(OSError(errno.ENOSPC, "No space", f"/home/{SECRET_NAME}/a.wav"))
    assert "ENOSPC" in os_text and SECRET_NAME not in os_text
