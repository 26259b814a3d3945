"""The demo study in the window: the first screen offers it, building it runs on a thread with
progress while the window keeps working, and the main window's actions work on it (every
session's transcript and speakers, the analysis views, a DOCX export)."""

from __future__ import annotations

import shutil

import pytest
from docx import Document
from PySide6.QtWidgets import QPushButton

from focusdesk.exchange.exports import ExportOptions, export_session
from focusdesk.store import sessions, study
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features import demo, diarization, transcript_editor
from focusdesk.ui.main_window import MainWindow

pytestmark = pytest.mark.slow


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(open_workspace(tmp_path / "my-study", exclusive=True))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_the_first_screen_opens_the_built_demo(window, built_demo, tmp_path, monkeypatch, qtbot):
    folder = tmp_path / "demo"
    shutil.copytree(built_demo, folder)
    monkeypatch.setenv("FOCUSDESK_DEMO", str(folder))
    mine = window.workspace.root
    text = window.home.label.text()
    assert "Create the study" in text and "Open the demo study" in text and "href='demo'" in text
    window.home._link("demo")  # the link's own handler
    assert window.workspace.root == folder
    assert not (mine / "sessions").exists() or not any((mine / "sessions").iterdir())  # untouched
    home = window.home.label.text()
    assert "Digital therapy in practice (demo)" in home and home.count("✓ done") == 4

    db = window.workspace.db
    for s in sessions.list_sessions(db):
        window.set_current_session(s.id)
        editor = transcript_editor.open_editor(window, s.id)
        assert editor is not None and len(editor.model.segments) >= 8
        speakers = diarization.open_speakers(window, s.id)
        people = len(s.participant_ids) + len(s.facilitator_ids)
        assert speakers.table.rowCount() == people
        named = {speakers.combo(r).currentText() for r in range(people)}
        assert len(named) == people and not any(t.startswith("—") for t in named), named
        out = tmp_path / f"{s.id}.docx"
        export_session(window.workspace, s.id, "docx", out, ExportOptions())
        paras = "\n".join(p.text for p in Document(str(out)).paragraphs)
        assert s.name in paras and "Facilitator" in paras

    matrix = window.coding.open_matrix()
    assert matrix.table.rowCount() >= 11 and matrix.table.columnCount() >= 6
    frame = window.coding.open_framework()
    cells = {frame.table.item(r, c).text() for r in range(frame.table.rowCount())
             for c in range(frame.table.columnCount()) if frame.table.item(r, c)}
    assert "Two unpaid hours a week reading diaries." in cells
    coverage = window.coding.open_coverage()
    assert coverage.tree.topLevelItemCount() >= 1
    window.coding.open_retrieval()
    window.coding.open_talk_time()
    assert len(study.list_participants(db)) == 11


def test_building_the_demo_runs_beside_the_window(window, tmp_path, monkeypatch, qtbot):
    """One session's worth (the telephone interview: two channels, no voice model) keeps it quick;
    the full build is the same code (the built_demo fixture runs it through the CLI)."""
    folder = tmp_path / "fresh-demo"
    seen: list[tuple[float, str]] = []
    build = demo.open_demo(window, folder, only=["Telephone interview 1"])
    assert build is not None and build.dialog.isVisible()
    build.progressed.connect(lambda f, t: seen.append((f, t)))
    qtbot.wait(50)
    assert window.workspace.root != folder  # still the user's study while it builds
    window.home.reload()  # the window still works meanwhile
    qtbot.waitUntil(lambda: build.result is not None, timeout=240_000)
    assert not isinstance(build.result, BaseException), build.result
    assert window.workspace.root == folder and not folder.with_name("fresh-demo.building").exists()
    assert seen and seen[-1][0] == 1.0 and any("Transcribing" in t for _, t in seen)
    assert "✓ done" in window.home.label.text()
    tel = sessions.session_by_name(window.workspace.db, "Telephone interview 1")
    speakers = diarization.open_speakers(window, tel.id)
    names = sorted(speakers.combo(r).currentText() for r in range(speakers.table.rowCount()))
    assert names == ["F1 — Facilitator (facilitator)", "P11 (participant)"], names


def test_a_cancelled_build_leaves_nothing(window, tmp_path, qtbot):
    folder = tmp_path / "cancelled-demo"
    build = demo.open_demo(window, folder, only=["Focus group 1"])
    qtbot.waitUntil(lambda: build.dialog.value() > 0, timeout=60_000)
    build.dialog.findChild(QPushButton).click()  # Cancel
    qtbot.waitUntil(lambda: build.result is not None, timeout=120_000)
    assert isinstance(build.result, BaseException)
    assert not folder.exists() and not folder.with_name("cancelled-demo.building").exists()
    assert window.workspace.root.name == "my-study"
