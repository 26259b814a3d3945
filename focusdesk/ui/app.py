"""Starting the application: QApplication, the workspace, the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from focusdesk import __version__
from focusdesk.core.tempfiles import remove_stale
from focusdesk.store.workspace import WorkspaceError, default_workspace


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("focusdesk")
    app.setOrganizationName("focusdesk")
    app.setApplicationVersion(__version__)
    return app


def run_app(workspace: Path | None = None) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
            and not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux"):
        print("focusdesk: no screen found (DISPLAY is not set). Run it under a desktop session, "
              "or with 'xvfb-run focusdesk' on a server.", file=sys.stderr)
        return 2
    app = make_app()
    from focusdesk.ui.errors import install_hooks
    from focusdesk.ui.main_window import MainWindow

    install_hooks()  # what no slot caught: one message, and the log (focusdesk/ui/errors.py)
    remove_stale()  # private temporary folders a crashed focusdesk left (core/tempfiles.py)

    # Always the chosen or default workspace, so a command line means the same thing every time;
    # earlier studies are one click away under File > Open recent.
    root = workspace or default_workspace()
    from focusdesk.ui.protection import open_study

    try:
        ws = open_study(None, root)  # a protected study asks for its passphrase
    except WorkspaceError as exc:
        QMessageBox.critical(None, "focusdesk", str(exc))
        return 2
    if ws is None:
        return 0
    window = MainWindow(ws)
    window.start()  # shows it; a study nobody has said who codes in asks once
    return app.exec()
