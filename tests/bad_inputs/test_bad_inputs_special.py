"""Bad inputs that need more than one command line: a file the user may not read, a study in a
folder that cannot be written, a database file marked unchangeable, what killed exports and
imports leave behind, a restart of a transcription killed half-way, a project imported twice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AUDIO, ROOT
from study_state import run_cli, study_state
from test_bad_inputs import base_study, inputs  # noqa: F401 - shared fixtures


@pytest.fixture
def study(base_study, tmp_path) -> Path:  # noqa: F811
    root = tmp_path / "study"
    shutil.copytree(base_study, root)
    return root


def _chattr(flag: str, path: Path) -> None:
    subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)


@pytest.fixture
def open_folder():
    """A folder any user may enter (pytest's own are its owner's only)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="focusdesk-perm-"))
    os.chmod(folder, 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_unreadable_file_says_permission(open_folder):
    """Run without root's power to read anything (the suite runs as root): the capabilities that
    bypass file permissions are dropped, so this works wherever the checkout lies (another user
    could not reach a checkout in a private folder)."""
    folder = open_folder
    secret = folder / "interview.flac"
    shutil.copy(AUDIO / "jfk.flac", secret)
    os.chmod(secret, 0o000)
    guide = folder / "guide.md"
    guide.write_text("# Guide\n")
    os.chmod(guide, 0o000)
    study = folder / "study"
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(folder))
    caps = "-dac_override,-dac_read_search"
    user = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"] if os.geteuid() == 0 else []

    def cli(*args):
        return subprocess.run([*user, sys.executable, "-m", "focusdesk", "--workspace", str(study),
                               *args], capture_output=True, text=True, env=env, timeout=120)

    assert cli("study", "init", "--title", "T").returncode == 0
    assert cli("session", "add", "S", "--kind", "interview").returncode == 0
    for args in (["import-audio", str(secret), "--session", "S"], ["guide", "import", str(guide)]):
        done = cli(*args)
        assert done.returncode == 2, done.stderr
        assert "no permission to read" in done.stderr and "[Errno" not in done.stderr, done.stderr
    assert list((study / "sessions").rglob("*.flac")) == []


def test_a_study_in_a_read_only_folder_can_be_shown_and_exported(study, tmp_path, capsys):
    for extra in ("focusdesk.sqlite-wal", "focusdesk.sqlite-shm"):
        assert not (study / extra).exists()  # closed cleanly: everything is in the main file
    before = study_state(study)
    _chattr("+i", study)  # nothing can be created or removed in the folder, not even by root
    try:
        code, out, err = run_cli(capsys, "--workspace", study, "study", "show")
        assert code == 0 and "Study: Bad inputs" in out, err
        code, out, _ = run_cli(capsys, "--workspace", study, "session", "list")
        assert code == 0 and "00:00:11" in out
        target = tmp_path / "out.txt"
        code, _, err = run_cli(capsys, "--workspace", study, "export", "S", "-f", "txt", "-o", target)
        assert code == 0 and "ask not what your country" in target.read_text(), err
        code, _, err = run_cli(capsys, "--workspace", study, "site", "add", "Elsewhere")
        assert code == 2 and "cannot be written to" in err and "Copy the folder" in err
        assert not (study / ".focusdesk-write-test").exists()
    finally:
        _chattr("-i", study)
    assert study_state(study) == before


def test_an_unchangeable_database_file_is_read_and_refuses_writes_in_words(study, capsys):
    db = study / "focusdesk.sqlite"
    before = study_state(study)
    _chattr("+i", db)
    try:
        code, out, _ = run_cli(capsys, "--workspace", study, "session", "list")
        assert code == 0 and "S " in out
        code, out, err = run_cli(capsys, "--workspace", study, "site", "add", "Elsewhere")
        assert code == 2 and "cannot be written" in err and "Nothing was changed" in err
        assert "OperationalError" not in err + out
    finally:
        _chattr("-i", db)
    assert study_state(study) == before


def test_a_killed_exports_part_file_is_removed_by_the_next_export(study, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    mine = out_dir / ".S.docx.k3j9x0ab.part"  # what a killed 'export -o S.docx' left
    mine.write_bytes(b"PK half a zip")
    other = out_dir / ".notes.txt.zz81m2qa.part"  # another target's, fresh: could be running
    other.write_bytes(b"half")
    old = out_dir / ".old.csv.qq81m2qa.part"  # another target's, untouched for an hour: dead
    old.write_bytes(b"half")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    user_file = out_dir / ".hidden.part"  # not ours (no random tail): never touched
    user_file.write_text("keep")
    code, _, err = run_cli(capsys, "--workspace", study, "export", "S", "-f", "docx",
                           "-o", out_dir / "S.docx")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == [".hidden.part", ".notes.txt.zz81m2qa.part",
                                                         "S.docx"]


def _age(study: Path, path: Path, seconds: float) -> None:
    """The copy was made ``seconds`` ago, its session an hour before."""
    import sqlite3

    conn = sqlite3.connect(study / "focusdesk.sqlite")
    conn.execute("UPDATE sessions SET created_at = '2020-01-01T00:00:00+00:00'")
    conn.commit()
    conn.close()
    os.utime(path, (time.time() - seconds, time.time() - seconds))


def test_what_a_killed_import_left_is_cleaned_or_adopted(study, capsys):
    folder = study / "sessions" / "0002"  # the empty focus group's
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / "meeting.flac.part"
    part.write_bytes((AUDIO / "jfk.flac").read_bytes()[:50000])
    os.utime(part, (time.time() - 600, time.time() - 600))
    copied = folder / "copied.flac"
    shutil.copyfile(AUDIO / "librispeech-2412-153948-0000.flac", copied)
    code, out, _ = run_cli(capsys, "--workspace", study, "recover")
    assert code == 0 and "unfinished copy" in out  # dead for ten minutes: removed
    assert "was added" not in out  # just renamed: an import may be registering it
    _age(study, copied, seconds=30)
    code, out, _ = run_cli(capsys, "--workspace", study, "recover")
    assert code == 0 and "was added to the session" in out
    assert sorted(p.name for p in folder.iterdir()) == ["copied.flac"]
    code, out, _ = run_cli(capsys, "--workspace", study, "session", "list")
    assert any(line.startswith("Empty") and "00:00:1" in line for line in out.splitlines()), out
    # the same file imported again is recognised, not copied a second time
    code, _, err = run_cli(capsys, "--workspace", study, "import-audio",
                           AUDIO / "librispeech-2412-153948-0000.flac", "--session", "Empty")
    assert code == 2 and "already in Empty as copied.flac" in err


def test_an_import_killed_after_its_copy_is_registered_by_the_next_import(study, capsys):
    folder = study / "sessions" / "0002"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(AUDIO / "jfk.flac", folder / "jfk.flac")  # copied, row never committed
    code, out, err = run_cli(capsys, "--workspace", study, "import-audio", AUDIO / "jfk.flac",
                             "--session", "Empty")
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["jfk.flac"]  # no jfk-1.flac beside it


def test_a_restart_killed_half_way_keeps_the_finished_transcript(study):
    """The parent stores what the child sends; a kill before the recording's pass is complete
    (no task_done) must leave the old transcript whole. Messages are fed as the child sends them."""
    from focusdesk.store import open_workspace, sessions, transcripts
    from focusdesk.transcribe.service import SessionTranscription
    from focusdesk.transcribe.types import Settings

    ws = open_workspace(study)
    try:
        from focusdesk.core.model import Segment

        sid = sessions.session_by_name(ws.db, "S").id
        rec = transcripts.list_recordings(ws.db, sid)[0]
        transcripts.clear_transcript(ws.db, sid)
        for n, text in enumerate(["An earlier", "finished transcript"]):
            transcripts.add_segment(ws.db, Segment(sid, n * 4000, n * 4000 + 3000, text,
                                                   recording_id=rec.id, source="whisper"))
        old = [(s.start_ms, s.text) for s in transcripts.list_segments(ws.db, sid)]
        job = SessionTranscription(ws, sid, Settings(), restart=True)
        job.handle({"type": "engine", "engine": "faster", "model": "tiny.en"})
        job.handle({"type": "task", "task": 0})
        job.handle({"type": "segment", "task": 0, "start": 0.3, "end": 2.0, "text": "And so",
                    "words": [[0.3, 2.0, "And so", 0.9]]})
        job.handle({"type": "speech", "task": 0, "regions": [[0.3, 2.0]]})
        assert [(s.start_ms, s.text) for s in transcripts.list_segments(ws.db, sid)] == old
        # ... killed here. A new restart completes: the old pass goes in the same step
        job = SessionTranscription(ws, sid, Settings(), restart=True)
        job.handle({"type": "task", "task": 0})
        for n in range(3):
            job.handle({"type": "segment", "task": 0, "start": n * 3.0, "end": n * 3.0 + 2,
                        "text": f"new {n}", "words": [[n * 3.0, n * 3.0 + 2, f"new {n}", 0.9]]})
        assert [(s.start_ms, s.text) for s in transcripts.list_segments(ws.db, sid)] == old
        job.handle({"type": "task_done", "task": 0})
        job.finish()
        assert [s.text for s in transcripts.list_segments(ws.db, sid)] == ["new 0", "new 1", "new 2"]
    finally:
        ws.close()


def test_a_project_imported_twice_is_refused_and_an_interview_stays_one(inputs, tmp_path, capsys):  # noqa: F811
    fresh = tmp_path / "fresh"
    code, out, err = run_cli(capsys, "--workspace", fresh, "import-qdpx", inputs / "own.qdpx")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "--workspace", fresh, "session", "list")
    assert any(line.startswith("S ") and "interview" in line for line in out.splitlines()), out
    before = study_state(fresh)
    code, _, err = run_cli(capsys, "--workspace", fresh, "import-qdpx", inputs / "own.qdpx")
    assert code == 2 and "already has (Empty, S; matched by their REFI-QDA GUIDs)" in err
    assert study_state(fresh) == before


@pytest.mark.parametrize("fmt,says", [("srt", "-->"), ("md", "ask not"), ("maxqda", "ask not"),
                                      ("atlas", "#00:00:0"), ("txt", "ask not"), ("csv", "Burden")])
def test_export_to_standard_output_writes_no_file(study, fmt, says, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "--workspace", study, "export", "S", "-f", fmt, "-o", "-")
    assert code == 0 and says in out and "Wrote" not in out, err
    assert not (tmp_path / "-").exists()
