"""The export dialog: format, options and a live preview of what will be written.

The preview is the text the export will contain (for DOCX the transcript plus the list of
comments; for QDPX the start of project.qde and the transcript; for CSV/XLSX the rows), so the
user sees pseudonyms and redaction before anything is written. The export itself runs on a
worker thread and writes through a temporary file (see exchange/safe_write.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from focusdesk.exchange import exports
from focusdesk.exchange.session_data import ExportOptions
from focusdesk.store import sessions
from focusdesk.store.workspace import Workspace
from focusdesk.ui import settings as prefs

TIMESTAMP_MODES = [("Every turn", "turn"), ("Every N seconds", "interval"), ("None", "none")]


class _Signals(QObject):
    finished = Signal(object)  # list of warnings, or an Exception


class ExportDialog(QDialog):
    def __init__(self, workspace: Workspace, session_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.session_id = session_id
        self.study_wide = session_id is None
        name = "the whole study" if self.study_wide else sessions.get_session(workspace.db, session_id).name
        self.setWindowTitle(f"Export {name}")
        self.resize(820, 640)
        from focusdesk.exchange.refi_export import study_namespace

        study_namespace(workspace.db)  # created here, on the window's thread, if it is missing
        self.result_warnings: list[str] | None = None
        self.error: Exception | None = None
        self._signals = _Signals()
        self._signals.finished.connect(self._finished)

        self.format = QComboBox()
        for fmt in (exports.STUDY_FORMATS if self.study_wide else exports.SESSION_FORMATS):
            self.format.addItem(exports.LABELS[fmt], fmt)
        self.table = QComboBox()
        self.table.addItem("Codings", "codings")
        self.table.addItem("Framework matrix", "framework")
        self.names = QCheckBox("Real names instead of pseudonyms")
        self.redact = QCheckBox("Apply the study's redaction list")
        self.redact.setChecked(True)
        self.notes = QCheckBox("Include live notes")
        self.notes.setChecked(True)
        self.highlight = QCheckBox("Shade coded words in the code's colour")
        self.line_numbers = QCheckBox("Line numbers")
        self.media = QCheckBox("Include the audio")
        self.media.setChecked(True)
        self.timestamps = QComboBox()
        for label, value in TIMESTAMP_MODES:
            self.timestamps.addItem(label, value)
        self.interval = QSpinBox()
        self.interval.setRange(5, 3600)
        self.interval.setValue(60)
        self.interval.setSuffix(" s")
        self.warning = QLabel("")
        self.warning.setStyleSheet("color: #b71c1c")
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        stamps = QHBoxLayout()
        stamps.addWidget(self.timestamps)
        stamps.addWidget(self.interval)

        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Table", self.table)
        form.addRow("Timestamps", stamps)
        for box in (self.names, self.redact, self.notes, self.highlight, self.line_numbers, self.media):
            form.addRow("", box)
        form.addRow("", self.warning)
        form.addRow("Save to", row)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setObjectName("exportPreview")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Preview"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh_preview)
        for w in (self.format, self.timestamps, self.table):
            w.currentIndexChanged.connect(self._changed)
        for w in (self.names, self.redact, self.notes, self.highlight, self.line_numbers, self.media):
            w.toggled.connect(self._changed)
        self.interval.valueChanged.connect(self._changed)
        last = prefs.value("export/format")
        if last is not None and self.format.findData(last) >= 0:
            self.format.setCurrentIndex(self.format.findData(last))
        self._changed()
        self.refresh_preview()

    # --- state ---------------------------------------------------------------------------------

    def fmt(self) -> str:
        return self.format.currentData()

    def options(self) -> ExportOptions:
        return ExportOptions(names=self.names.isChecked(), redact=self.redact.isChecked(),
                             timestamps=self.timestamps.currentData(), interval_s=self.interval.value(),
                             line_numbers=self.line_numbers.isChecked(),
                             highlight=self.highlight.isChecked(), notes=self.notes.isChecked())

    def _default_path(self) -> str:
        folder = Path(prefs.value("export/folder") or Path.home())
        if self.study_wide:
            stem = "study"
        else:
            stem = sessions.get_session(self.workspace.db, self.session_id).name
        stem = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in stem).strip() or "export"
        suffix = exports.SUFFIX[self.fmt()]
        if self.fmt() in ("maxqda", "atlas"):
            suffix = f"-{self.fmt()}.txt"
        return str(folder / f"{stem}{suffix}")

    def _changed(self) -> None:
        fmt = self.fmt()
        text_like = fmt in ("docx", "txt", "md")
        self.timestamps.setEnabled(text_like)
        self.interval.setEnabled(text_like and self.timestamps.currentData() == "interval")
        self.highlight.setEnabled(fmt == "docx")
        self.line_numbers.setEnabled(fmt == "docx")
        self.notes.setEnabled(fmt in ("docx", "txt", "md"))
        self.media.setEnabled(fmt == "qdpx")
        self.table.setEnabled(self.study_wide and fmt == "csv")
        warn = []
        if self.names.isChecked():
            warn.append("Real names will appear in this export.")
        if not self.redact.isChecked():
            warn.append("The redaction list will NOT be applied.")
        self.warning.setText(" ".join(warn))
        current = self.path.text()
        if not current or Path(current).suffix.lower() != Path(self._default_path()).suffix.lower():
            self.path.setText(self._default_path() if not current else
                              str(Path(current).with_name(Path(self._default_path()).name)))
        self._timer.start()

    def refresh_preview(self) -> None:
        try:
            if self.study_wide:
                text = self._study_preview()
            else:
                text = exports.preview(self.workspace, self.session_id, self.fmt(), self.options())
        except Exception as exc:  # the preview must never take the dialog down
            text = f"(No preview: {exc})"
        self.preview.setPlainText(text)

    def _study_preview(self) -> str:
        from focusdesk.exchange import spreadsheets

        rows = (spreadsheets.framework_rows(self.workspace.db, self.options())
                if self.fmt() == "csv" and self.table.currentData() == "framework"
                else [spreadsheets.CODING_HEADERS] + spreadsheets.coding_rows(self.workspace.db, None,
                                                                                self.options()))
        head = f"{len(sessions.list_sessions(self.workspace.db))} sessions.\n\n"
        return head + "\n".join(" | ".join(str(c) for c in r) for r in rows[:60])

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if path:
            self.path.setText(path)

    # --- export --------------------------------------------------------------------------------

    def start_export(self) -> None:
        target = Path(self.path.text()).expanduser()
        if not self.path.text().strip():
            self.warning.setText("Choose where to save the export.")
            return
        self.export_button.setEnabled(False)
        self.warning.setText("Exporting…")
        fmt, options, media = self.fmt(), self.options(), self.media.isChecked()
        table = self.table.currentData()

        def work() -> None:
            try:
                if self.study_wide:
                    result = exports.export_study(self.workspace, fmt, target, options, table, media)
                else:
                    result = exports.export_session(self.workspace, self.session_id, fmt, target,
                                                    options, media)
            except Exception as exc:  # reported in the dialog, never lost
                result = exc
            self._signals.finished.emit(result)

        self._target = target
        threading.Thread(target=work, name="focusdesk-export", daemon=True).start()

    def _finished(self, result) -> None:
        self.export_button.setEnabled(True)
        if isinstance(result, Exception):
            self.error = result
            self.warning.setText(f"Export failed: {result}")
            return
        self.result_warnings = result
        prefs.set_value("export/format", self.fmt())
        prefs.set_value("export/folder", str(self._target.parent))
        self.accept()
