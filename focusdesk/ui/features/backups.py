"""Study ▸ Backups… and Study ▸ Audit log…, and the rolling backup's timer.

The timer calls ``store.backups.auto_backup`` (a plain function) every few minutes; it backs up
only when the study changed since the last backup. Restoring is refused while a job runs, backs
up the current state first, and then reopens every view on the restored data.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from focusdesk.core.changes import Change, Entity
from focusdesk.exchange.safe_write import write_text
from focusdesk.store import audit, backups
from focusdesk.ui.errors import guarded
from focusdesk.ui.interfaces import ClosableView


def install(window) -> None:
    window.menu("Study").addSeparator()
    window.add_action("Study", "&Backups…", lambda: open_backups(window))
    window.add_action("Study", "Audit &log…", lambda: open_audit(window))
    rolling = backups.RollingBackup()
    timer = QTimer(window)
    timer.setInterval(backups.PERIOD_S * 1000)
    timer.timeout.connect(lambda: rolling.tick(window.workspace))
    timer.start()
    window.backup_timer = timer
    QTimer.singleShot(0, lambda: backups.auto_backup(window.workspace))  # the study just opened


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


class BackupsDialog(QDialog):
    """The study's backups, newest first: Create now, and Restore… with a confirmation."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Backups")
        self.resize(820, 420)
        self.table = _table(["Time", "Size", "Why", "Holds"])
        self.create_button = QPushButton("Create now")
        self.restore_button = QPushButton("Restore…")
        self.create_button.clicked.connect(guarded(lambda *_: self.create(), window))
        self.restore_button.clicked.connect(guarded(lambda *_: self.restore(), window))
        self.table.itemSelectionChanged.connect(self._enable)
        note = QLabel("A backup of the database is made when the study opens and every few minutes "
                      "while it changes; the newest ten and one per hour and per day are kept. "
                      "Recordings are not copied (they never change); their checksums are recorded.")
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        self.items = backups.list_backups(self.window.workspace)
        _fill(self.table, [[b.when.astimezone().strftime("%Y-%m-%d %H:%M:%S"), _size(b.size), b.reason,
                            b.holds()] for b in self.items])
        self._enable()

    def chosen(self) -> backups.Backup | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _enable(self) -> None:
        self.restore_button.setEnabled(self.chosen() is not None)

    def create(self) -> backups.Backup:
        b = backups.create_backup(self.window.workspace, reason="manual")
        audit.record(self.window.workspace.db, audit.BACKUP_CREATED, b.id)
        self.reload()
        self.window.status(f"Backed up the study ({_size(b.size)}).")
        return b

    def restore(self) -> bool:
        from focusdesk.ui.jobs_panel import jobs

        b = self.chosen()
        if b is None:
            return False
        if jobs(self.window).running():
            QMessageBox.information(self, "Restore", "A job is running on this study. Wait for it "
                                    "to finish (or cancel it in the Jobs panel), then restore.")
            return False
        when = b.when.astimezone().strftime("%Y-%m-%d %H:%M")
        answer = QMessageBox.question(
            self, "Restore backup",
            f"Bring the study back to how it was at {when}? Everything changed since is set aside: "
            "the study as it is now is backed up first, so you can restore that again.")
        if answer != QMessageBox.StandardButton.Yes or not close_views(self.window):
            return False
        done = backups.restore_backup(self.window.workspace, b.id)
        reopen(self.window)
        self.reload()
        self.window.status(f"Restored the backup of {when}; the state before is backup {done.safety.id}.")
        return True


def close_views(window) -> bool:
    """Close every tab but the Study tab (they show rows a restore replaces); False when one
    refuses (a recording running, typing not yet saved), and then nothing is restored."""
    for i in reversed(range(1, window.tabs.count())):
        widget = window.tabs.widget(i)
        if isinstance(widget, ClosableView) and not widget.can_close():
            return False
        window.tabs.removeTab(i)
        widget.deleteLater()
    return True


def reopen(window) -> None:
    """After a restore every view re-reads the study."""
    window.set_current_session(None)
    for entity in Entity:
        window.changes.notify(Change(entity))
    window.refresh()


class AuditDialog(QDialog):
    """The audit log (oldest first), exportable as CSV for an ethics report."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Audit log")
        self.resize(820, 420)
        self.entries = audit.entries(window.workspace.db)
        self.table = _table(["When", "Who", "What", "Object", "Detail"])
        _fill(self.table, [e.row()[1:] for e in self.entries])
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(guarded(lambda *_: self.export(), window))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        close.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        note = QLabel("Every row is permanent: the log cannot be edited. It holds codes and ids, "
                      "never transcript text or names.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)

    def export(self, path: str | None = None) -> str | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the audit log", "audit-log.csv",
                                                  "CSV (*.csv)")
        if not path:
            return None
        write_text(path, audit.to_csv(self.entries))
        self.window.status(f"Exported {len(self.entries)} audit entries to {path}")
        return path


def open_backups(window) -> BackupsDialog:
    dialog = BackupsDialog(window)
    dialog.open()
    return dialog


def open_audit(window) -> AuditDialog:
    dialog = AuditDialog(window)
    dialog.open()
    return dialog
