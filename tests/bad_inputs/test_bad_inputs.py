"""The bad-input suite: what a new user might type or hand focusdesk, each refused (or handled)
with a message that says what is wrong and what to do, nothing written or lost, no traceback
and no raw ``[Errno …]`` text. Found by a campaign of bad inputs on the CLI (issue 15, item 6);
the inputs that were already handled well are kept here too.

Each case is a row: the command (``{study}`` and ``{in}`` stand for the study folder and the
inputs folder), the exit code, words the message must contain, and whether the study may change.
The CLI runs in this process (``focusdesk.cli.main``) on a copy of one small study.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import AUDIO, ROOT
from study_state import run_cli, study_state

GOOD_VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nP01: And so my fellow Americans\n\n" \
           "00:00:04.500 --> 00:00:10.500\nask not what your country can do for you\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    (d / "folder.flac").mkdir()
    os.mkfifo(d / "pipe.flac")
    os.mkfifo(d / "pipe.qdpx")
    os.mkfifo(d / "pipe.rttm")
    (d / "empty.flac").write_bytes(b"")
    (d / "text.flac").write_text("this is not audio\n")
    data = (AUDIO / "jfk.flac").read_bytes()
    (d / "truncated.flac").write_bytes(data[:30000])  # header says 11 s; 0.21 s decodes
    (d / "half.flac").write_bytes(data[:600000])
    (d / "deep.yaml").write_text("[" * 10000 + "]" * 10000 + "\n")
    (d / "deep-map.yaml").write_text("codes:\n" + "".join("  " * i + "- a:\n" for i in range(1, 3000)))
    (d / "broken.yaml").write_text("codes: [unclosed\n  - x: {\n")
    (d / "latin1.md").write_bytes("# Guide\n\n## Caf\xe9 section\n".encode("latin-1"))
    (d / "backwards.vtt").write_text("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nhello\n")
    (d / "far.vtt").write_text("WEBVTT\n\n99999:00:00.000 --> 99999:00:01.000\nlate\n")
    (d / "seventy.vtt").write_text("WEBVTT\n\n00:00:70.000 --> 00:00:71.000\nodd\n")
    (d / "noheader.vtt").write_text("00:00:01.000 --> 00:00:02.000\nhi\n")
    (d / "nocues.srt").write_text("just some words\nwith no times\n")
    (d / "good.vtt").write_text(GOOD_VTT)
    (d / "garbage.rttm").write_text("this is not rttm at all\n")
    (d / "notzip.qdpx").write_text("plain text pretending to be a project")
    with zipfile.ZipFile(d / "noproject.qdpx", "w") as z:
        z.writestr("readme.txt", "no project inside")
    (d / "garbage.qdc").write_text("<not-a-codebook/>")
    (d / "garbage.docx").write_text("not a word document")
    (d / "notes.txt").write_text("not a transcript format focusdesk reads as cues\n")
    return d


@pytest.fixture(scope="module")
def base_study(tmp_path_factory, inputs) -> Path:
    """A small study: a site, a participant, a guide and frame, an interview with 11 s of audio
    and a two-cue transcript, one coding, an exported REFI-QDA project of it, and an empty
    focus group."""
    import contextlib
    import io

    root = tmp_path_factory.mktemp("base") / "study"
    w = ["--workspace", str(root)]
    from focusdesk.cli import main

    steps = [
        ["study", "init", "--title", "Bad inputs"],
        ["site", "add", "Northside"],
        ["participant", "add", "P01", "--site", "Northside"],
        ["guide", "import", str(ROOT / "resources/templates/topic-guide.md")],
        ["frame", "import", str(ROOT / "resources/templates/coding-frame.yaml")],
        ["session", "add", "S", "--kind", "interview", "--participants", "P01"],
        ["session", "add", "Empty", "--kind", "focus-group"],
        ["import-audio", str(AUDIO / "jfk.flac"), "--session", "S"],
        ["import-transcript", str(inputs / "good.vtt"), "--session", "S"],
        ["code", "add", "--session", "S", "--code", "Burden", "--create", "--from", "1", "--to", "4"],
        ["export-study", "-f", "qdpx", "-o", str(inputs / "own.qdpx")],
    ]
    for step in steps:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(w + step) == 0, step
    return root


@dataclass
class Case:
    id: str
    argv: list[str]
    says: list[str]  # each must appear (case-insensitive) in what is printed
    code: int = 2
    changes: bool = False  # may the study change?
    study: str = "copy"  # "copy": a copy of the base study; "missing": a mistyped path
    prepare: str | None = None  # name of a setup step (see PREPARE)
    out: list[str] = field(default_factory=list)  # must appear on standard output


S = ["--session", "S"]
CASES = [
    # --- audio files that are not audio files ------------------------------------------------
    Case("audio-folder", ["import-audio", "{in}/folder.flac", *S], ["is a folder"]),
    Case("audio-fifo", ["import-audio", "{in}/pipe.flac", *S], ["named pipe (FIFO)"]),
    Case("audio-dev-zero", ["import-audio", "/dev/zero", *S], ["is a device"]),
    Case("audio-missing", ["import-audio", "{in}/nothere.flac", *S], ["There is no audio file"]),
    Case("audio-empty", ["import-audio", "{in}/empty.flac", *S], ["is empty (0 bytes)"]),
    Case("audio-text", ["import-audio", "{in}/text.flac", *S], ["not audio, or it is damaged"]),
    Case("audio-truncated", ["import-audio", "{in}/truncated.flac", *S],
         ["only 0.21 s of it can be decoded", "nothing was added"]),
    Case("audio-half", ["import-audio", "{in}/half.flac", "--session", "Empty"],
         ["can be decoded", "00:00:05"], code=0, changes=True),
    Case("audio-twice", ["import-audio", str(AUDIO / "jfk.flac"), *S], ["already in S", "--again"]),
    Case("audio-again", ["import-audio", str(AUDIO / "jfk.flac"), *S, "--again"], ["Imported"],
         code=0, changes=True),
    Case("audio-unknown-session", ["import-audio", str(AUDIO / "jfk.flac"), "--session", "Nope"],
         ["Nope"]),
    Case("transcribe-file-folder", ["transcribe-file", "{in}/folder.flac"], ["is a folder"]),
    Case("transcribe-file-fifo", ["transcribe-file", "{in}/pipe.flac"], ["named pipe"]),
    Case("transcribe-file-device", ["transcribe-file", "/dev/zero"], ["is a device"]),
    # --- guide and frame files ---------------------------------------------------------------
    Case("guide-deep-yaml", ["guide", "import", "{in}/deep.yaml"], ["nested more than 64 levels"]),
    Case("frame-deep-yaml", ["frame", "import", "{in}/deep.yaml"], ["nested more than 64 levels"]),
    Case("frame-deep-mapping", ["frame", "import", "{in}/deep-map.yaml"], ["nested more than 64"]),
    Case("frame-broken-yaml", ["frame", "import", "{in}/broken.yaml"], ["not valid YAML"]),
    Case("guide-not-utf8", ["guide", "import", "{in}/latin1.md"], ["not UTF-8"]),
    Case("guide-folder", ["guide", "import", "{in}/folder.flac"], ["unknown guide format"]),
    Case("guide-missing", ["guide", "import", "{in}/nothere.md"], ["There is no topic guide file"]),
    Case("guide-docx-garbage", ["guide", "import", "{in}/garbage.docx"], ["not a valid"]),
    Case("frame-qdc-garbage", ["frame", "import", "{in}/garbage.qdc"], ["codebook"]),
    Case("frame-export-empty-folder", ["frame", "export", "-f", "yaml", "-o", "{in}/no/such/f.yaml"],
         ["does not exist"]),
    # --- transcripts with impossible times ---------------------------------------------------
    Case("vtt-backwards", ["import-transcript", "{in}/backwards.vtt", "--session", "Empty"],
         ["ends before it starts", "nothing was imported"]),
    Case("vtt-99999-hours", ["import-transcript", "{in}/far.vtt", "--session", "Empty"],
         ["more than a day"]),
    Case("vtt-99999-hours-with-audio", ["import-transcript", "{in}/far.vtt", *S, "--replace"],
         ["after the recording ends (00:00:11)"]),
    Case("vtt-70-seconds", ["import-transcript", "{in}/seventy.vtt", "--session", "Empty"],
         ["go up to 59"]),
    Case("vtt-no-header", ["import-transcript", "{in}/noheader.vtt", "--session", "Empty"],
         ["must start with 'WEBVTT'"]),
    Case("srt-no-cues", ["import-transcript", "{in}/nocues.srt", "--session", "Empty"],
         ["No subtitle cues"]),
    Case("transcript-twice", ["import-transcript", "{in}/good.vtt", *S], ["already has a transcript",
                                                                          "--replace"]),
    Case("transcript-fifo", ["import-transcript", "{in}/pipe.flac", "--session", "Empty",
                             "--format", "vtt"], ["named pipe"]),
    Case("transcript-unknown-format", ["import-transcript", "{in}/folder.flac", "--session", "Empty"],
         ["is a folder"]),
    Case("rttm-garbage", ["import-turns", "{in}/garbage.rttm", *S], ["rttm"]),
    Case("rttm-fifo", ["import-turns", "{in}/pipe.rttm", *S], ["named pipe"]),
    # --- impossible times typed on the command line ------------------------------------------
    Case("code-past-the-end", ["code", "add", *S, "--code", "Burden", "--from", "05:00:00",
                               "--to", "05:00:10"], ["session ends at 00:00:11", "runs past it"]),
    Case("code-99-99-99", ["code", "add", *S, "--code", "Burden", "--from", "0", "--to", "99:99:99"],
         ["not a time", "up to 59"]),
    Case("code-backwards", ["code", "add", *S, "--code", "Burden", "--from", "8", "--to", "2"],
         ["must end after it starts"]),
    Case("code-negative", ["code", "add", *S, "--code", "Burden", "--from", "-5", "--to", "2"],
         ["negative"]),
    Case("code-unknown-code", ["code", "add", *S, "--code", "Nope", "--from", "1", "--to", "2"],
         ["Nope"]),
    Case("code-ok", ["code", "add", *S, "--code", "Burden", "--from", "00:00:02", "--to", "00:00:09"],
         ["Coded S"], code=0, changes=True),
    Case("mark-negative", ["mark", *S, "--at", "-3", "--tag", "x"], ["must not be negative"]),
    Case("mark-99-99-99", ["mark", *S, "--at", "99:99:99", "--tag", "x"], ["not a time"]),
    Case("stretch-backwards", ["transcribe", "S", "--stretch", "00:00:08-00:00:02"],
         ["ends before it starts"]),
    Case("diarize-100-speakers", ["diarize", "S", "--speakers", "100"], ["between 1 and 20"]),
    Case("record-negative-duration", ["record", *S, "--duration", "-1"], ["positive number"]),
    # --- REFI-QDA projects -------------------------------------------------------------------
    Case("qdpx-not-zip", ["import-qdpx", "{in}/notzip.qdpx"], ["not a valid"]),
    Case("qdpx-no-project", ["import-qdpx", "{in}/noproject.qdpx"], ["no project.qde"]),
    Case("qdpx-fifo", ["import-qdpx", "{in}/pipe.qdpx"], ["named pipe"]),
    Case("qdpx-own-study", ["import-qdpx", "{in}/own.qdpx"], ["already has", "matched by their",
                                                              "nothing was imported"]),
    # --- exports -----------------------------------------------------------------------------
    Case("export-stdout-txt", ["export", "S", "-f", "txt", "-o", "-"], [], code=0,
         out=["ask not what your country"]),
    Case("export-stdout-vtt", ["export", "S", "-f", "vtt", "-o", "-"], [], code=0,
         out=["WEBVTT", "00:00:00.500 -->"]),
    Case("export-stdout-docx", ["export", "S", "-f", "docx", "-o", "-"],
         ["binary format", "give a file name"]),
    Case("export-study-stdout-csv", ["export-study", "-f", "csv", "-o", "-"], [], code=0,
         out=["Burden"]),
    Case("export-study-stdout-xlsx", ["export-study", "-f", "xlsx", "-o", "-"], ["binary format"]),
    Case("export-missing-folder", ["export", "S", "-f", "txt", "-o", "{in}/no/such/x.txt"],
         ["does not exist"]),
    Case("export-unknown-session", ["export", "Nope", "-f", "txt", "-o", "-"], ["Nope"]),
    # --- a mistyped study folder: read-only commands say there is none, create nothing -------
    *[Case(f"mistyped-{'-'.join(argv[:2])}", argv, ["There is no study", "study init"],
           study="missing")
      for argv in (["study", "show"], ["session", "list"], ["site", "list"], ["participant", "list"],
                   ["guide", "show"], ["frame", "show"], ["export", "S", "-f", "txt", "-o", "-"],
                   ["export-study", "-f", "csv", "-o", "-"], ["codings"], ["markers", *S],
                   ["search", "country"], ["talk-time"])],
    # --- a damaged or odd study folder -------------------------------------------------------
    Case("study-is-a-file", ["study", "show"], ["is a file, not a folder"], prepare="study_is_file"),
    Case("db-not-sqlite", ["session", "list"], ["not a focusdesk database", "left untouched"],
         prepare="db_garbage"),
    Case("db-newer-schema", ["session", "list"], ["newer focusdesk"], prepare="db_newer"),
    Case("sessions-deleted-list", ["session", "list"], ["audio missing"], code=0,
         prepare="delete_sessions_dir"),
    Case("sessions-deleted-show", ["study", "show"], ["Audio missing", "sessions/0001/jfk.flac"],
         code=0, prepare="delete_sessions_dir"),
    Case("sessions-deleted-transcribe", ["transcribe", "S"], ["the file is missing"], code=0,
         prepare="delete_sessions_dir"),
    Case("sessions-deleted-diarize", ["diarize", "S"], ["missing from the study folder"],
         prepare="delete_sessions_dir"),
]


def _study_is_file(root: Path) -> None:
    shutil.rmtree(root)
    root.write_text("not a folder")


def _db_garbage(root: Path) -> None:
    (root / "focusdesk.sqlite").write_bytes(b"garbage" * 100)
    for extra in ("focusdesk.sqlite-wal", "focusdesk.sqlite-shm"):
        (root / extra).unlink(missing_ok=True)


def _db_newer(root: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(root / "focusdesk.sqlite")
    conn.execute("PRAGMA user_version = 999")
    conn.close()


def _delete_sessions_dir(root: Path) -> None:
    shutil.rmtree(root / "sessions")


PREPARE = {"study_is_file": _study_is_file, "db_garbage": _db_garbage, "db_newer": _db_newer,
           "delete_sessions_dir": _delete_sessions_dir}


def test_there_are_at_least_sixty_bad_inputs():
    others = 14  # the inputs of test_bad_inputs_special.py (its export test: six formats)
    assert len(CASES) + others >= 60, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, base_study, inputs, tmp_path, capsys):
    study = tmp_path / ("nowhere" if case.study == "missing" else "study")
    if case.study == "copy":
        shutil.copytree(base_study, study)
    if case.prepare:
        PREPARE[case.prepare](study)
    before = study_state(study) if study.is_dir() else None
    argv = [a.replace("{study}", str(study)).replace("{in}", str(inputs)) for a in case.argv]
    code, out, err = run_cli(capsys, "--workspace", study, *argv)
    said = out + err
    assert code == case.code, said
    for words in case.says:
        assert words.casefold() in said.casefold(), said
    for words in case.out:
        assert words in out, out
    assert "[Errno" not in said and "Traceback" not in said, said
    if case.study == "missing":
        assert not study.exists(), "a read-only command created a study at a mistyped path"
    elif not case.changes and before is not None:
        assert study_state(study) == before, "a refused command changed the study"
