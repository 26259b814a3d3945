"""The study-setup commands end to end on a temporary workspace, as a user would type them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import AUDIO, ROOT

from focusdesk.cli import build_parser, main


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_full_setup_flow(tmp_path, capsys):
    ws = str(tmp_path / "study")
    w = ["--workspace", ws]
    assert run(capsys, *w, "study", "init", "--title", "Digital therapy")[0] == 0
    assert run(capsys, *w, "site", "add", "Site A")[0] == 0
    assert run(capsys, *w, "site", "add", "Site B")[0] == 0
    code, _, err = run(capsys, *w, "site", "add", "Site A")
    assert code == 2 and "already a site" in err
    assert run(capsys, *w, "participant", "add", "P01", "--site", "Site A", "--role", "OT",
               "--attr", "profession=occupational therapist", "--attr", "years=7")[0] == 0
    assert run(capsys, *w, "participant", "add", "P02", "--site", "Site B")[0] == 0
    code, _, err = run(capsys, *w, "participant", "add", "P03", "--site", "Site Z")
    assert code == 2 and "No site called 'Site Z'" in err
    code, out, _ = run(capsys, *w, "guide", "import", str(ROOT / "resources/templates/topic-guide.md"))
    assert code == 0 and "4 sections, 9 questions" in out
    code, out, _ = run(capsys, *w, "guide", "show")
    assert "[value-burden.q2] What did it cost you" in out
    code, out, _ = run(capsys, *w, "frame", "import", str(ROOT / "resources/templates/coding-frame.yaml"))
    assert code == 0 and "8 new codes" in out
    code, out, _ = run(capsys, *w, "frame", "show")
    assert "Added burden" in out and "  Time-consuming" in out
    code, out, _ = run(capsys, *w, "frame", "show", "--format", "yaml")
    assert "name: Prevents drift between sessions" in out
    assert run(capsys, *w, "session", "add", "Focus group 1", "--kind", "focus-group", "--site", "Site A",
               "--date", "2024-03-01", "--participants", "P01,P02", "--facilitators", "Dr F")[0] == 0
    assert run(capsys, *w, "session", "add", "Phone 1", "--kind", "telephone-interview")[0] == 0
    code, out, _ = run(capsys, *w, "import-audio", str(AUDIO / "jfk.flac"), "--session", "Focus group 1")
    assert code == 0 and "00:00:11" in out and "44100 Hz" in out
    assert (tmp_path / "study" / "sessions" / "0001" / "jfk.flac").read_bytes() == (AUDIO / "jfk.flac").read_bytes()
    code, out, _ = run(capsys, *w, "session", "list")
    lines = out.splitlines()
    assert any(ln.startswith("Focus group 1") and "P01,P02" in ln and "00:00:11" in ln for ln in lines)
    assert any(ln.startswith("Phone 1") and "no audio" in ln for ln in lines)
    code, out, _ = run(capsys, *w, "study", "show")
    assert "Digital therapy" in out and "profession=occupational therapist" in out and "Sessions (2)" in out


def test_import_audio_refuses_non_audio_and_copies_nothing(tmp_path, capsys):
    w = ["--workspace", str(tmp_path / "s")]
    run(capsys, *w, "study", "init", "--title", "x")
    run(capsys, *w, "session", "add", "S", "--kind", "interview")
    fake = tmp_path / "notes.wav"
    fake.write_text("these are my notes, not audio")
    code, _, err = run(capsys, *w, "import-audio", str(fake), "--session", "S")
    assert code == 2 and "not a readable audio file" in err
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    code, _, err = run(capsys, *w, "import-audio", str(empty), "--session", "S")
    assert code == 2 and "empty" in err
    code, _, err = run(capsys, *w, "import-audio", str(tmp_path / "missing.wav"), "--session", "S")
    assert code == 2 and "There is no audio file" in err
    code, _, err = run(capsys, *w, "import-audio", str(AUDIO / "jfk.flac"), "--session", "Nope")
    assert code == 2 and "No session called 'Nope'" in err
    assert not any((tmp_path / "s" / "sessions").rglob("*.*"))


def test_guide_errors_are_reported_with_line(tmp_path, capsys):
    bad = tmp_path / "guide.yaml"
    bad.write_text("sections:\n  - id: a\n    text: A\n    minutes: lots\n")
    code, _, err = run(capsys, "--workspace", str(tmp_path / "s"), "guide", "import", str(bad))
    assert code == 2 and f"{bad}:4: minutes must be a number" in err


def test_study_init_twice_keeps_the_first(tmp_path, capsys):
    w = ["--workspace", str(tmp_path / "s")]
    run(capsys, *w, "study", "init", "--title", "First")
    code, out, _ = run(capsys, *w, "study", "init", "--title", "Second")
    assert code == 1 and "already exists" in out
    assert "First" in run(capsys, *w, "study", "show")[1]


def test_workspace_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FOCUSDESK_WORKSPACE", str(tmp_path / "env-study"))
    run(capsys, "study", "init", "--title", "From env")
    assert (tmp_path / "env-study" / "focusdesk.sqlite").exists()


def _all_commands(parser, prefix=()):
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in action.choices.items():
            yield prefix + (name,)
            yield from _all_commands(sub, prefix + (name,))


def test_help_on_every_command(capsys):
    commands = list(_all_commands(build_parser()))
    assert ("study", "init") in commands and ("import-audio",) in commands
    for cmd in commands:
        with pytest.raises(SystemExit) as info:
            main([*cmd, "--help"])
        assert info.value.code == 0
        assert "usage: focusdesk" in capsys.readouterr().out


def test_console_script_runs_headless(tmp_path):
    exe = ROOT / ".venv" / "bin" / "focusdesk"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "focusdesk"]
    proc = subprocess.run([*cmd, "--workspace", str(tmp_path / "s"), "study", "init", "--title", "X"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "Created study 'X'" in proc.stdout


def test_import_audio_twice_into_one_session_is_refused_unless_again(tmp_path, capsys):
    """The same file twice would play twice and be transcribed twice: refused, nothing copied;
    --again adds a second copy on purpose; another session may hold the same file."""
    w = ["--workspace", str(tmp_path / "s")]
    run(capsys, *w, "study", "init", "--title", "x")
    run(capsys, *w, "session", "add", "S", "--kind", "interview")
    run(capsys, *w, "session", "add", "T", "--kind", "interview")
    assert run(capsys, *w, "import-audio", str(AUDIO / "jfk.flac"), "--session", "S")[0] == 0
    code, _, err = run(capsys, *w, "import-audio", str(AUDIO / "jfk.flac"), "--session", "S")
    assert code == 2 and "already in S as jfk.flac" in err and "nothing was added" in err
    assert "--again" in err
    folder = tmp_path / "s" / "sessions"
    assert len(list(folder.rglob("*.flac"))) == 1 and not list(folder.rglob("*.part"))
    assert run(capsys, *w, "import-audio", str(AUDIO / "jfk.flac"), "--session", "T")[0] == 0
    code, out, _ = run(capsys, *w, "import-audio", str(AUDIO / "jfk.flac"), "--session", "S", "--again")
    assert code == 0 and "jfk" in out
    assert len(list(folder.rglob("*.flac"))) == 3
