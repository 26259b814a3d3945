"""No personal data in logs, and private temporary files (issue 15, item 5).

The main workflows run through the real CLI with logging at DEBUG into a file (this process's
records and the job children's, which inherit FOCUSDESK_LOG_FILE); the file is then searched for
the transcript's words, the participant's real name, the site, the session and the file name.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import AUDIO

from focusdesk.cli import main

SECRETS = ("Wilhelmina", "Okonkwo", "Kestrel", "Harbourview", "Americans", "country", "fellow")


@pytest.fixture
def debug_log(tmp_path, monkeypatch):
    path = tmp_path / "debug.log"
    monkeypatch.setenv("FOCUSDESK_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("FOCUSDESK_LOG_FILE", str(path))
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def test_the_main_workflows_log_no_names_and_no_transcript_words(debug_log, tmp_path, capsys):
    study, other = tmp_path / "study", tmp_path / "other"
    audio = tmp_path / "Wilhelmina Okonkwo interview.flac"
    shutil.copy(AUDIO / "jfk.flac", audio)
    session = "Harbourview evening group"
    w = ["--workspace", str(study)]
    steps = [
        ["study", "init", "--title", "Wellbeing"],
        ["site", "add", "Kestrel Clinic"],
        ["participant", "add", "P01", "--site", "Kestrel Clinic", "--name", "Wilhelmina Okonkwo"],
        ["session", "add", session, "--kind", "interview", "--participants", "P01"],
        ["import-audio", str(audio), "--session", session],
        ["transcribe", session],
        ["diarize", session],
        ["speaker", "assign", "--session", session, "S1", "P01"],
        ["code", "add", "--session", session, "--code", "Hope", "--create", "--from", "1",
         "--to", "4", "--memo", "Wilhelmina sounds hopeful"],
        ["code", "auto", "--session", session, "--code", "Hope", "--query", "country"],
        ["search", "country"],
        ["export", session, "-f", "docx", "-o", str(tmp_path / "out.docx"), "--names"],
        ["export", session, "-f", "txt", "-o", str(tmp_path / "out.txt")],
        ["export-study", "-f", "qdpx", "-o", str(tmp_path / "out.qdpx")],
        ["recover"],
    ]
    for step in steps:
        code = main(w + step)
        out, err = capsys.readouterr()
        assert code == 0, (step, out, err)
    assert main(["--workspace", str(other), "import-qdpx", str(tmp_path / "out.qdpx")]) == 0
    assert main(w + ["export", "Wilhelmina's group", "-f", "txt", "-o", "-"]) == 2  # a failure too
    capsys.readouterr()
    text = (tmp_path / "out.txt").read_text()
    assert "country" in text and "Americans" in text  # the words were there to leak
    log = debug_log.read_text(encoding="utf-8")
    assert "DEBUG focusdesk.jobs" in log and "DEBUG faster_whisper" in log  # parent and child, at debug
    leaked = [s for s in SECRETS if s.casefold() in log.casefold()]
    assert not leaked, (leaked, [ln for ln in log.splitlines()
                                 if any(s.casefold() in ln.casefold() for s in leaked)][:10])


def test_an_exports_part_file_is_private_while_it_is_written(tmp_path):
    from focusdesk.exchange.safe_write import write_with

    seen = {}

    def writer(tmp: Path) -> None:
        seen["mode"] = stat.S_IMODE(tmp.stat().st_mode)
        seen["name"] = tmp.name
        tmp.write_text("Wilhelmina said")

    target = tmp_path / "report.txt"
    old = os.umask(0o022)
    try:
        write_with(target, writer)
    finally:
        os.umask(old)
    assert seen["mode"] == 0o600 and seen["name"].startswith(".report.txt.")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # the result is the user's to share
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_temporary_folders_are_private(tmp_path, monkeypatch):
    """The folders exports and imports unpack into (a joined session's audio, a project's
    media) are made by tempfile, which gives 0700; checked on a real QDPX export of a session
    with two recordings, watching what appears in the temporary folder."""
    import tempfile

    from focusdesk.store import open_workspace

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    from focusdesk.audio.media import import_audio_file
    from focusdesk.core.model import Session, SessionKind
    from focusdesk.exchange import refi_export
    from focusdesk.store import sessions

    ws = open_workspace(tmp_path / "study")
    try:
        s = sessions.add_session(ws.db, Session("Two parts", SessionKind.INTERVIEW))
        import_audio_file(ws, s.id, AUDIO / "jfk.flac")
        import_audio_file(ws, s.id, AUDIO / "stereo-2spk.wav")
        modes = []
        original = refi_export.join_recordings

        def watch(parts, target, **kwargs):  # the real join, noting the folder it writes into
            modes.append(stat.S_IMODE(Path(target).parent.stat().st_mode))
            return original(parts, target, **kwargs)

        monkeypatch.setattr(refi_export, "join_recordings", watch)
        refi_export.write_qdpx(ws, tmp_path / "out.qdpx", [s.id])
    finally:
        ws.close()
    assert modes == [0o700]
    assert list((tmp_path / "tmp").iterdir()) == []  # and nothing is left there
