"""Export menu (session, study, codebook), File ▸ Import's transcript and REFI-QDA project, and the
study-wide redaction list."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
)

from focusdesk.core.changes import Change, Entity, session_changes
from focusdesk.core.errors import translate
from focusdesk.core.hints import for_window
from focusdesk.exchange.redact import redaction_list, set_redaction_list
from focusdesk.store.transcripts import segment_count
from focusdesk.ui import outcome
from focusdesk.ui.background import run_with_progress
from focusdesk.ui.export_dialog import ExportDialog


@contextmanager
def _busy():
    """A transcript import is one session's file and takes well under a second, so it runs here;
    project imports run on a thread with their own connection (see import_project)."""
    QGuiApplication.setOverrideCursor(Qt.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def install(window) -> None:
    window.add_action("Export", "Export &session…", lambda: export_session(window), "Ctrl+E",
                      needs_session=True)
    window.add_action("Export", "Export the whole &study…", lambda: export_study(window))
    window.add_action("Export", "Export coding frame as &codebook (.qdc)…", lambda: export_codebook(window))
    window.add_action(window.import_menu, "&Transcript into this session…", lambda: import_transcript(window),
                      needs_session=True)
    window.add_action(window.import_menu, "REFI-QDA &project (.qdpx)…", lambda: import_project(window))
    window.add_action("Study", "&Redaction list…", lambda: edit_redaction(window))


def _done(window, dialog: ExportDialog) -> None:
    warnings = dialog.result_warnings or []
    outcome.saved(window, dialog.path.text(),
                  f"Exported to {dialog.path.text()}" + (f" ({len(warnings)} warnings)" if warnings else ""))
    if warnings:
        QMessageBox.information(window, "Export", "\n".join(warnings))


def export_session(window) -> ExportDialog | None:
    sid = window.current_session_id()
    if sid is None:
        return None
    dialog = ExportDialog(window.workspace, sid, window)
    if dialog.exec() == QDialog.Accepted:
        _done(window, dialog)
    return dialog


def export_study(window) -> None:
    dialog = ExportDialog(window.workspace, None, window)
    if dialog.exec() == QDialog.Accepted:
        _done(window, dialog)


def _report_error(window, title: str, exc: Exception) -> None:
    """An exchange's ValueError says what is wrong with the file; an OSError gets the shared words."""
    known = translate(exc)
    QMessageBox.warning(window, title, for_window(known.text if known is not None else str(exc)))


def export_codebook(window) -> None:
    from focusdesk.exchange.qdc import write_qdc

    path, _ = QFileDialog.getSaveFileName(window, "Export codebook", "codebook.qdc", "Codebook (*.qdc)")
    if path:
        try:
            write_qdc(window.workspace.db, path)
        except (OSError, ValueError) as exc:
            return _report_error(window, "Export codebook", exc)
        outcome.saved(window, path, f"Wrote {path}")


def import_transcript(window, path: str | None = None, replace: bool | None = None) -> None:
    from focusdesk.exchange.transcript_import import import_transcript as run

    sid = window.current_session_id()
    if sid is None:
        return
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import transcript", "",
                                              "Transcripts (*.vtt *.srt *.docx *.txt *.md)")
        if not path:
            return
    has = segment_count(window.workspace.db, sid)
    if has and replace is None:
        replace = QMessageBox.question(
            window, "Import transcript", f"This session already has a transcript ({has} segments). "
            "Replace it? Codings stay where they are.") == QMessageBox.Yes
        if not replace:
            return
    try:
        with _busy():
            result = run(window.workspace, sid, Path(path), replace=bool(replace))
    except (OSError, ValueError) as exc:
        return _report_error(window, "Import transcript", exc)
    window.changes.notify(*session_changes(sid, Entity.SEGMENTS, Entity.SPEAKERS))
    window.status(f"Imported {result.segments} segments ({', '.join(result.speakers)})")
    if result.warnings:
        QMessageBox.information(window, "Import transcript", "\n".join(result.warnings))


def import_project(window, path: str | None = None) -> None:
    from focusdesk.exchange.refi_import import import_qdpx

    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import REFI-QDA project", "",
                                              "REFI-QDA project (*.qdpx *.qde)")
        if not path:
            return
    def work():
        worker = window.workspace.second_connection()
        try:
            return import_qdpx(worker, Path(path))
        finally:
            worker.close()

    try:
        report = run_with_progress(window, "Import project", f"Importing {Path(path).name}…", work)
    except (OSError, ValueError) as exc:
        return _report_error(window, "Import project", exc)
    window.changes.notify(*(Change(e) for e in Entity))  # a project brings a bit of everything
    text = report.summary() + ("\n\n" + for_window("\n".join(report.warnings[:20])) if report.warnings else "")
    window.status(report.summary())
    QMessageBox.information(window, "Import project", text)


class RedactionDialog(QDialog):
    """One term per line; "term => [PLACE]" sets its own placeholder (default [NAME])."""

    def __init__(self, db, parent=None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Redaction list")
        self.edit = QPlainTextEdit("\n".join(
            e if isinstance(e, str) else f"{e.get('term')} => {e.get('placeholder')}" for e in redaction_list(db)))
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Names, places and organisations to replace in every export, one per "
                                "line.\nWrite \"term => [PLACE]\" to choose the placeholder "
                                "(default [NAME])."))
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def save(self) -> None:
        set_redaction_list(self.db, [line.strip() for line in self.edit.toPlainText().splitlines()])
        self.accept()


def edit_redaction(window) -> None:
    RedactionDialog(window.workspace.db, window).exec()
