"""The export dialog (real widgets): options change the preview; Export writes the file off the
UI thread; the menus carry the export and import actions."""

from __future__ import annotations

import zipfile

import pytest
from exchange_data import fill_session

from focusdesk.store import open_workspace, sessions, transcripts
from focusdesk.ui.export_dialog import ExportDialog


@pytest.fixture
def coded(seeded):
    return seeded, fill_session(seeded.db)


def test_preview_follows_the_options(qtbot, coded):
    ws, sid = coded
    dlg = ExportDialog(ws, sid)
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(dlg.format.findData("txt"))
    dlg.refresh_preview()
    text = dlg.preview.toPlainText()
    assert "P01: I am P01" in text and "[PLACE]" in text and "Real Name" not in text
    dlg.names.setChecked(True)
    dlg.refresh_preview()
    assert "Real Name 1: I am Real Name 1" in dlg.preview.toPlainText()
    assert "Real names will appear" in dlg.warning.text()
    dlg.format.setCurrentIndex(dlg.format.findData("docx"))
    dlg.refresh_preview()
    assert "Comments:" in dlg.preview.toPlainText()
    assert dlg.path.text().endswith(".docx") and dlg.highlight.isEnabled()
    dlg.format.setCurrentIndex(dlg.format.findData("qdpx"))
    dlg.refresh_preview()
    assert "urn:QDA-XML:project:1.0" in dlg.preview.toPlainText() and dlg.media.isEnabled()


@pytest.mark.parametrize("fmt", ["docx", "qdpx", "vtt", "xlsx"])
def test_export_button_writes_the_file(qtbot, coded, tmp_path, fmt):
    ws, sid = coded
    dlg = ExportDialog(ws, sid)
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(dlg.format.findData(fmt))
    target = tmp_path / f"out.{fmt}"
    dlg.path.setText(str(target))
    with qtbot.waitSignal(dlg.accepted, timeout=30000):
        dlg.export_button.click()
    assert target.exists() and dlg.result_warnings == []
    if fmt in ("docx", "qdpx", "xlsx"):
        assert zipfile.is_zipfile(target)


def test_export_failure_is_shown_not_lost(qtbot, coded, tmp_path):
    ws, sid = coded
    dlg = ExportDialog(ws, sid)
    qtbot.addWidget(dlg)
    dlg.path.setText(str(tmp_path / "no" / "such" / "folder" / "x.docx"))
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.error is not None, timeout=30000)
    assert "does not exist" in dlg.warning.text()
    assert dlg.result_warnings is None and dlg.export_button.isEnabled()


def test_study_dialog_offers_study_formats(qtbot, coded):
    ws, _ = coded
    dlg = ExportDialog(ws, None)
    qtbot.addWidget(dlg)
    assert [dlg.format.itemData(i) for i in range(dlg.format.count())] == ["qdpx", "csv", "xlsx"]
    dlg.format.setCurrentIndex(dlg.format.findData("csv"))
    dlg.table.setCurrentIndex(1)
    dlg.refresh_preview()
    assert "participant | site" in dlg.preview.toPlainText()


def test_window_menus_and_transcript_import(qtbot, seeded, tmp_path):
    from focusdesk.ui.features import export as feature
    from focusdesk.ui.main_window import MainWindow

    root = seeded.root
    seeded.close()
    ws = open_workspace(root, exclusive=True)
    win = MainWindow(ws)
    qtbot.addWidget(win)
    texts = [a.text() for a in win.menu("Export").actions()]
    imports = [a.text() for a in win.import_menu.actions()]
    assert "Export &session…" in texts and "REFI-QDA &project (.qdpx)…" in imports
    sid = sessions.session_by_name(ws.db, "Interview 1").id
    win.set_current_session(sid)
    vtt = tmp_path / "t.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v P03>Hello there\n")
    feature.import_transcript(win, str(vtt))
    segs = transcripts.list_segments(ws.db, sid)
    assert [s.text for s in segs] == ["Hello there"]
    win.close()  # closes the study too


def test_window_imports_a_project_and_reports_it(qtbot, seeded, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from focusdesk.exchange import refi_export
    from focusdesk.ui.features import export as feature
    from focusdesk.ui.main_window import MainWindow

    fill_session(seeded.db)
    qdpx = tmp_path / "study.qdpx"
    refi_export.write_qdpx(seeded, qdpx)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append("warning: " + a[2]))
    ws = open_workspace(tmp_path / "fresh", exclusive=True)
    win = MainWindow(ws)
    qtbot.addWidget(win)
    feature.import_project(win, str(qdpx))
    assert "2 sources as sessions" in shown[-1]
    assert [s.name for s in sessions.list_sessions(ws.db)] == ["Focus group 1", "Interview 1"]
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"nope")
    feature.import_project(win, str(bad))
    assert shown[-1].startswith("warning: ") and "not a valid" in shown[-1]
    win.close()  # closes the study and drops any pending change batch


def test_importing_a_project_keeps_the_window_alive_on_its_own_connection(qtbot, seeded, tmp_path,
                                                                          monkeypatch):
    """A big project takes a while: the window keeps painting (a modal progress dialog), and the
    import's transaction is on a connection of its own, never the window's."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from focusdesk.exchange import refi_export, refi_import
    from focusdesk.ui.features import export as feature
    from focusdesk.ui.main_window import MainWindow

    fill_session(seeded.db)
    qdpx = tmp_path / "study.qdpx"
    refi_export.write_qdpx(seeded, qdpx)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    ws = open_workspace(tmp_path / "fresh", exclusive=True)
    win = MainWindow(ws)
    qtbot.addWidget(win)
    seen: dict = {}
    real = refi_import.import_qdpx

    def slow_import(worker_ws, path):  # the real import, made slow enough to watch
        seen["own connection"] = worker_ws.db.conn is not ws.db.conn
        report = real(worker_ws, path)
        seen["window in a transaction"] = ws.db.conn.in_transaction
        time.sleep(0.8)
        return report

    monkeypatch.setattr(refi_import, "import_qdpx", slow_import)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    feature.import_project(win, str(qdpx))
    timer.stop()
    assert len(ticks) >= 10  # the window's event loop ran all along
    assert seen == {"own connection": True, "window in a transaction": False}
    assert "2 sources as sessions" in shown[-1]
    assert [s.name for s in sessions.list_sessions(ws.db)] == ["Focus group 1", "Interview 1"]
    win.close()  # closes the study too (and drops the window's pending change batch)
