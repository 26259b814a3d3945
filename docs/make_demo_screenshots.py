"""The README's main window, editor, speakers and matrix screenshots, from the demo study.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_demo_screenshots.py
(builds the demo in a temporary folder first, about two minutes; or set FOCUSDESK_DEMO to a
demo already built). The other scripts here make the console and transcription shots.
"""

from __future__ import annotations

import sys
import time

from shots import close, demo_folder, save  # first: puts the checkout on sys.path

from focusdesk.store import sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.features import diarization, transcript_editor
from focusdesk.ui.main_window import MainWindow


def main() -> int:
    app = make_app()
    root = demo_folder()
    window = MainWindow(open_workspace(root, exclusive=True))
    window.resize(1280, 760)
    window.show()

    def settle() -> None:
        for _ in range(20):
            app.processEvents()

    settle()
    save(window, "main-window.png", " (the demo study)")
    fg1 = sessions.session_by_name(window.workspace.db, "Focus group 1")
    window.set_current_session(fg1.id)
    editor = transcript_editor.open_editor(window, fg1.id)
    deadline = time.monotonic() + 20
    while not editor.waveform._peaks and time.monotonic() < deadline:  # the strip loads on a thread
        app.processEvents()
        time.sleep(0.02)
    settle()
    save(window, "editor.png")
    diarization.open_speakers(window, fg1.id)
    settle()
    save(window, "speakers.png")
    window.coding.open_matrix()
    settle()
    save(window, "matrix.png")
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
