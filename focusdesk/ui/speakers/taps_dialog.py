"""The session's seat taps ("this is P03 speaking" at a time), to review, delete and apply.

A tap made on the wrong seat during the introductions round names the wrong voice; here the user
sees every tap (time, person, where it was made), deletes the wrong ones, and applies the rest to
the voices again (``diarize.taps.map_voices_from_taps``: it never changes a voice already mapped,
so a correction by hand stays).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from focusdesk.core.timefmt import format_ms
from focusdesk.diarize.taps import map_voices_from_taps
from focusdesk.store import seats
from focusdesk.store.workspace import Workspace

SOURCE_WORDS = {"live": "live console", "editor": "transcript editor", "cli": "command line"}


class SeatTapsDialog(QDialog):
    """One row per tap; Delete removes the selected ones, Apply names voices from what is left."""

    changed = Signal()  # taps deleted or voices named: the window re-reads speakers and taps

    def __init__(self, workspace: Workspace, session_id: int, parent=None):
        super().__init__(parent)
        self.workspace, self.session_id = workspace, session_id
        self.setWindowTitle("Seat taps")
        self.resize(520, 420)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Time", "Who is speaking", "Made in"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected taps (Del)")
        self.delete_button.setShortcut("Del")
        self.apply_button = QPushButton("Name voices from the taps")
        self.apply_button.setToolTip("Give each voice the person its taps name clearly; voices you "
                                     "mapped yourself are left as they are")
        self.delete_button.clicked.connect(self.delete_selected)
        self.apply_button.clicked.connect(self.apply)
        self.table.itemSelectionChanged.connect(self._enable)
        row = QHBoxLayout()
        row.addWidget(self.delete_button)
        row.addStretch(1)
        row.addWidget(self.apply_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A tap says who was speaking at that moment. Delete a tap made on the "
                                "wrong seat, then name the voices again."))
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        self.taps = seats.list_taps(self.workspace.db, self.session_id)
        self.table.setRowCount(len(self.taps))
        for r, tap in enumerate(self.taps):
            for c, text in enumerate((format_ms(tap.t_ms), tap.person.name,
                                      SOURCE_WORDS.get(tap.source, tap.source))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if not self.taps:
            self.message.setText("No taps in this session. Tap a seat in the live console while someone "
                                 "speaks, or right-click a turn in the transcript: “This is … speaking”.")
        self._enable()

    def _enable(self) -> None:
        self.delete_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self.apply_button.setEnabled(bool(self.taps))

    def selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.table.selectionModel().selectedRows())

    def confirm(self, n: int) -> bool:
        """Ask before deleting (tests answer by replacing this method)."""
        return QMessageBox.question(self, "Delete taps", f"Delete {n} tap(s)? Voices already named "
                                    "stay as they are.") == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> int:
        rows = self.selected_rows()
        if not rows or not self.confirm(len(rows)):
            return 0
        for r in rows:
            seats.delete_tap(self.workspace.db, self.taps[r].id)
        self.reload()
        self.message.setText(f"Deleted {len(rows)} tap(s).")
        self.changed.emit()
        return len(rows)

    def apply(self) -> None:
        mapping = map_voices_from_taps(self.workspace.db, self.session_id)
        parts = [f"Named {len(mapping.assigned)} voice(s)."] if mapping.assigned else \
            ["No voice could be named from these taps."]
        if mapping.conflicts or mapping.untapped:
            parts.append(f"{len(mapping.conflicts) + len(mapping.untapped)} to confirm in the Speakers view.")
        self.message.setText(" ".join(parts))
        self.changed.emit()
