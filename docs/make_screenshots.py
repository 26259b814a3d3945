"""Screenshots for the README: a real window on a virtual X screen.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from focusdesk.store import sessions
from focusdesk.store.demo import create_demo_study
from focusdesk.store.media import import_audio_file
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.main_window import MainWindow

OUT = Path(__file__).parent / "screenshots"
AUDIO = Path(__file__).resolve().parents[2] / "shared" / "data" / "audio"


def main() -> int:
    app = make_app()
    root = Path(tempfile.mkdtemp()) / "demo-study"
    ws = open_workspace(root, exclusive=True)
    create_demo_study(ws)
    fg1 = sessions.session_by_name(ws.db, "Focus group 1")
    if (AUDIO / "telephone-2spk.wav").exists():
        import_audio_file(ws, fg1.id, AUDIO / "telephone-2spk.wav")
    window = MainWindow(ws)
    window.resize(1280, 760)
    window.show()
    window.set_current_session(fg1.id)
    window.tabs.setCurrentIndex(0)
    for _ in range(20):
        app.processEvents()
    OUT.mkdir(exist_ok=True)
    window.grab().save(str(OUT / "main-window.png"))
    print(f"wrote {OUT / 'main-window.png'}")
    window.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
