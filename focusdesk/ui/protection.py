"""Protected studies in the window: the passphrase asked when a protected study opens, the
offer to protect a new study, the recovery key shown once, and the Study menu's Protect study…,
Change passphrase… and Remove protection…. The work itself is in ``store/protect/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.errors import UserError
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.convert import create_protected, protect_study, unprotect_study
from focusdesk.store.workspace import PassphraseNeeded, Workspace, open_workspace
from focusdesk.ui.background import run_with_progress
from focusdesk.ui.errors import guarded


class PassphraseDialog(QDialog):
    """Asks for a protected study's passphrase (or its recovery key); ``unlock`` is tried on
    OK and a wrong one is said in the dialog, which stays open for another try."""

    def __init__(self, root: Path, unlock: Callable[[str | None, str | None], object],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Protected study")
        self._unlock = unlock
        self.result_value: object = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"The study in {root} is protected. Enter its passphrase."))
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Passphrase")
        layout.addWidget(self.field)
        self.use_recovery = QCheckBox("This is the study's recovery key")
        self.use_recovery.toggled.connect(self._recovery_toggled)
        layout.addWidget(self.use_recovery)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_open)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _recovery_toggled(self, on: bool) -> None:
        self.field.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("ABCD-EFGH-…" if on else "Passphrase")

    def try_open(self) -> None:
        text = self.field.text()
        if not text:
            self.message.setText("Enter the passphrase first.")
            return
        recovery = self.use_recovery.isChecked()
        try:
            self.result_value = self._unlock(None if recovery else text, text if recovery else None)
        except keyfile.WrongPassphrase as exc:
            self.message.setText(str(exc))
            self.field.selectAll()
            self.field.setFocus()
            return
        self.accept()


def open_study(parent: QWidget | None, root: Path) -> Workspace | None:
    """Open the study for the window; a protected one asks for its passphrase (None: the user
    cancelled). Other failures raise as ``open_workspace`` does."""
    try:
        return open_workspace(root, exclusive=True)
    except PassphraseNeeded:
        pass
    dialog = PassphraseDialog(root, lambda pw, rk: open_workspace(
        root, exclusive=True, passphrase=pw, recovery_key=rk), parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.result_value  # type: ignore[return-value]


class NewPassphraseDialog(QDialog):
    """A new passphrase, typed twice; with ``offer`` it is optional ("Protect this study")."""

    def __init__(self, parent: QWidget | None = None, *, title: str = "Protect the study",
                 offer: bool = False, text: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        if text:
            intro = QLabel(text)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        self.protect = QCheckBox("Protect this study with a passphrase")
        self.protect.setChecked(not offer)
        self.protect.setVisible(offer)
        layout.addWidget(self.protect)
        form = QFormLayout()
        self.first, self.second = QLineEdit(), QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Passphrase:", self.first)
        form.addRow("Again:", self.second)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.protect.toggled.connect(self._toggled)
        self._toggled(self.protect.isChecked())

    def _toggled(self, on: bool) -> None:
        self.first.setEnabled(on)
        self.second.setEnabled(on)

    def _check(self) -> None:
        if not self.protect.isChecked():
            self.accept()
            return
        try:
            keyfile.check_new_passphrase(self.first.text())
        except UserError as exc:
            self.message.setText(str(exc))
            return
        if self.first.text() != self.second.text():
            self.message.setText("The two passphrases differ. Type the same one twice.")
            return
        self.accept()

    @property
    def passphrase(self) -> str | None:
        return self.first.text() if self.protect.isChecked() else None


class RecoveryKeyDialog(QDialog):
    """The recovery key, shown once: copyable, and the dialog closes only after "I have stored
    it" is ticked."""

    def __init__(self, recovery: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Recovery key")
        layout = QVBoxLayout(self)
        text = QLabel("This is the study's recovery key. It opens the study if the passphrase is "
                      "forgotten, and it is shown only this once: print it or store it in a "
                      "password manager, away from this computer.")
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        self.key = QLineEdit(recovery)
        self.key.setReadOnly(True)
        font = self.key.font()
        font.setFamily("monospace")
        self.key.setFont(font)
        self.key.setMinimumWidth(self.key.fontMetrics().horizontalAdvance(recovery) + 24)
        row.addWidget(self.key)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(recovery))
        row.addWidget(copy)
        layout.addLayout(row)
        self.stored = QCheckBox("I have stored it")
        layout.addWidget(self.stored)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Continue")
        ok.setEnabled(False)
        self.stored.toggled.connect(ok.setEnabled)
        layout.addWidget(self.buttons)

    def reject(self) -> None:  # Esc must not skip the key
        if self.stored.isChecked():
            super().reject()


def offer_protection(parent: QWidget, root: Path) -> bool:
    """The new-study flow: offer to protect the folder before the study is created. False: the
    user cancelled."""
    if keyfile.is_protected(root):
        return True
    dialog = NewPassphraseDialog(parent, title="New study", offer=True, text=(
        "A protected study is encrypted on disk (its database, recordings and waveforms) and "
        "opens only with its passphrase."))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if dialog.passphrase is None:
        return True
    _, recovery = create_protected(root, dialog.passphrase)
    RecoveryKeyDialog(recovery, parent).exec()
    return True


def _reopen(window, work: Callable[[], None], title: str, text: str) -> None:
    """Close the window's study (its lock and the views on it), run ``work`` on a thread, and
    open the study again, whatever happened."""
    from focusdesk.ui.jobs_panel import jobs

    if jobs(window).running():
        raise UserError("Wait for the running jobs to finish (or cancel them), then try again.")
    root = window.workspace.root
    window.changes.discard()
    while window.tabs.count() > 1:
        widget = window.tabs.widget(1)
        window.tabs.removeTab(1)
        widget.deleteLater()
    window.set_current_session(None)
    key = window.workspace.key
    window.workspace.close()
    if key is not None:  # closing forgets a key it unlocked; the study opens again with it
        keyring.remember(key, root)
    try:
        run_with_progress(window, title, text, work)
    finally:
        window.workspace = open_workspace(root, exclusive=True)
        window.refresh()


@guarded
def protect_window_study(window) -> None:
    if window.workspace.protected:
        QMessageBox.information(window, "Protect study", "This study is already protected.")
        return
    dialog = NewPassphraseDialog(window, text=(
        "The study's database and every recording will be encrypted on disk; it will open only "
        "with this passphrase (or the recovery key shown next)."))
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.passphrase:
        return
    root, passphrase = window.workspace.root, dialog.passphrase
    result: dict[str, str] = {}

    def work() -> None:
        result["recovery"] = protect_study(root, passphrase)[1]

    _reopen(window, work, "Protect study", "Encrypting the study…")
    RecoveryKeyDialog(result["recovery"], window).exec()
    window.status("The study is protected.", 10000)


@guarded
def change_window_passphrase(window) -> None:
    ws = window.workspace
    if not ws.protected:
        QMessageBox.information(window, "Change passphrase", "This study is not protected.")
        return
    dialog = NewPassphraseDialog(window, title="Change passphrase", text=(
        "Choose the new passphrase. The old one stops working; the recovery key stays valid. "
        "No recording is rewritten."))
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.passphrase:
        return
    keyfile.change_passphrase(keyfile.key_path(ws.root), ws.key, dialog.passphrase)
    window.status("The passphrase is changed.", 10000)


@guarded
def unprotect_window_study(window) -> None:
    ws = window.workspace
    if not ws.protected:
        QMessageBox.information(window, "Remove protection", "This study is not protected.")
        return
    answer = QMessageBox.question(
        window, "Remove protection", "Decrypt the study? Its database and recordings will be "
        "stored unencrypted in its folder, readable by anyone who can read the folder.")
    if answer != QMessageBox.StandardButton.Yes:
        return
    root, key = ws.root, ws.key
    _reopen(window, lambda: unprotect_study(root, key), "Remove protection",
            "Decrypting the study…")
    window.status("The study is no longer protected.", 10000)


def install(window) -> None:
    window.menu("Study").addSeparator()
    window.add_action("Study", "Pro&tect study…", lambda: protect_window_study(window))
    window.add_action("Study", "C&hange passphrase…", lambda: change_window_passphrase(window))
    window.add_action("Study", "Re&move protection…", lambda: unprotect_window_study(window))
