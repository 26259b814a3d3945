"""People ▸ Participants ▸ Withdraw…: what withdrawing does, the choice to keep their passages
anonymised, and the withdrawal itself (``store/withdrawal.py``)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QMessageBox, QVBoxLayout

from focusdesk.core.changes import Change, Entity
from focusdesk.store import study, withdrawal

CHANGED = (Entity.PARTICIPANTS, Entity.SEGMENTS, Entity.SPEAKERS, Entity.CODINGS, Entity.TAPS,
           Entity.MEMOS, Entity.SESSIONS)


class WithdrawDialog(QDialog):
    def __init__(self, window, participant_id: int):
        super().__init__(window)
        self.window = window
        self.code = study.get_participant(window.workspace.db, participant_id).code
        self.impact = withdrawal.withdrawal_impact(window.workspace, self.code)
        self.setWindowTitle(f"Withdraw {self.code}")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.keep = QCheckBox("Keep their passages, anonymised (if their consent allows it)")
        self.keep.toggled.connect(self._explain)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.withdraw_button = self.buttons.addButton("Withdraw", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.keep)
        layout.addWidget(self.buttons)
        self.resize(520, 320)
        self._explain()

    def _explain(self) -> None:
        self.text.setText(self.impact.text(self.keep.isChecked()).replace("\n\n", "<br><br>"))


def withdraw_participant(window, participant_id: int) -> bool:
    from focusdesk.ui.jobs_panel import jobs

    if withdrawal.is_withdrawn(window.workspace.db, participant_id):
        QMessageBox.information(window, "Withdraw", "This participant has already been withdrawn.")
        return False
    if jobs(window).running():
        QMessageBox.information(window, "Withdraw", "A job is running on this study. Wait for it to "
                                "finish (or cancel it in the Jobs panel), then withdraw.")
        return False
    dialog = WithdrawDialog(window, participant_id)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    withdrawal.withdraw(window.workspace, dialog.code, keep_anonymised=dialog.keep.isChecked())
    for entity in CHANGED:
        window.changes.notify(Change(entity))
    window.status(f"Withdrew participant {dialog.code}.")
    return True
