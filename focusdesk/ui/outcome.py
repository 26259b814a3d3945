"""Saying what came of an action that wrote a file: a status message with "Show in folder",
so an export is never silent and its file is one click away."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton

BUTTON_NAME = "showInFolder"
SHOWN_MS = 20000


def _button(window) -> QPushButton:
    button = window.statusBar().findChild(QPushButton, BUTTON_NAME)
    if button is None:
        button = QPushButton("Show in folder")
        button.setObjectName(BUTTON_NAME)
        button.setFlat(True)
        button.hide()
        button.clicked.connect(lambda: show_in_folder(Path(button.property("folder"))))
        bar = window.statusBar()
        bar.addPermanentWidget(button)
        # The button belongs to its message: another message (or none) hides it.
        bar.messageChanged.connect(lambda text: button.setVisible(bool(text) and text == button.property("text")))
    return button


def show_in_folder(folder: Path) -> None:
    """Open the folder in the system's file manager (a local path: nothing leaves the computer)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def saved(window, path: Path | str, text: str | None = None) -> QPushButton:
    """Tell the user ``path`` was written, with a "Show in folder" button beside the message."""
    path = Path(path)
    button = _button(window)
    button.setProperty("folder", str(path.parent))
    message = text or f"Saved {path.name} in {path.parent}"
    window.status(message, SHOWN_MS)
    button.setProperty("text", window.statusBar().currentMessage())
    button.setToolTip(str(path.parent))
    button.show()
    return button
