"""The window says what the CLI says about a session's audio: a file shorter than its header
(added at the length that decodes) is shown as a warning on import, and the Study tab marks a
session whose recording files are gone from the study folder, as ``session list`` does."""

from __future__ import annotations

import pytest
from conftest import AUDIO
from PySide6.QtWidgets import QMessageBox

from focusdesk import cli
from focusdesk.core.model import Session, SessionKind
from focusdesk.store import open_workspace, sessions, transcripts
from focusdesk.ui import study_actions as sa
from focusdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    ws = open_workspace(tmp_path / "study", exclusive=True)
    from focusdesk.core.model import Study
    from focusdesk.store import study

    study.save_study(ws.db, Study(title="Audio"))
    for name in ("Cut", "Whole"):
        sessions.add_session(ws.db, Session(name, SessionKind.INTERVIEW))
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_a_truncated_file_is_imported_at_its_real_length_with_a_warning(window, tmp_path,
                                                                        monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(f"{a[1]}: {a[2]}"))
    cut = tmp_path / "half.flac"
    cut.write_bytes((AUDIO / "jfk.flac").read_bytes()[:600000])  # header: 11 s; about half decodes
    db = window.workspace.db
    sid = sessions.session_by_name(db, "Cut").id
    window.set_current_session(sid)
    assert sa.import_audio(window, str(cut))
    (rec,) = transcripts.list_recordings(db, sid)
    assert 1000 < rec.duration_ms < 10000
    assert len(shown) == 1 and shown[0].startswith("Audio cut short: half.flac says it is")
    assert "can be decoded" in shown[0] and "focusdesk " not in shown[0]
    window.set_current_session(sessions.session_by_name(db, "Whole").id)
    assert sa.import_audio(window, str(AUDIO / "jfk.flac"))
    assert len(shown) == 1  # a whole file: no warning


def test_the_study_tab_marks_sessions_whose_audio_files_are_missing(window, qtbot, capsys):
    ws = window.workspace
    db = ws.db
    cut, whole = (sessions.session_by_name(db, n).id for n in ("Cut", "Whole"))
    from focusdesk.audio.media import import_audio_file

    import_audio_file(ws, cut, AUDIO / "jfk.flac")
    import_audio_file(ws, cut, AUDIO / "stereo-2spk.wav")
    import_audio_file(ws, whole, AUDIO / "jfk.flac")
    window.home.reload()
    assert "missing" not in window.home.label.text()
    ws.resolve(transcripts.list_recordings(db, cut)[1].path).unlink()  # one of two files gone
    window.home.reload()
    text = window.home.label.text()
    assert "⚠ 00:00:16 (1 file(s) missing)" in text and text.count("⚠") == 1
    ws.resolve(transcripts.list_recordings(db, cut)[0].path).unlink()
    window.home.reload()
    assert "⚠ audio missing" in window.home.label.text()
    root = ws.root
    window.close()  # the study is the window's alone; the CLI reads it after
    assert cli.main(["-w", str(root), "session", "list"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert "audio missing" in rows["Cut"] and "missing" not in rows["Whole"]
