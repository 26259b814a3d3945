"""Every main view at the two screen sizes issue 18 asks about (1366x768 and 1920x1080), from the
demo study: docs/screenshots/views/<view>-<width>.png, and a line per view saying whether the window
stayed within the screen.

Run: xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/make_view_screenshots.py
(builds the demo in a temporary folder first, about two minutes; or set FOCUSDESK_DEMO to a demo
already built).
"""

from __future__ import annotations

import sys

from shots import OUT, close, demo_folder  # first: puts the checkout on sys.path

from focusdesk.store import sessions
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.features import diarization, live_console, transcript_editor
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.people_view import open_people

SIZES = ((1366, 768), (1920, 1080))


def views(window, session_id: int):
    """(name, open it) in the order a study is worked on."""
    return [
        ("study", lambda: window.tabs.setCurrentIndex(0)),
        ("people", lambda: open_people(window)),
        ("console", lambda: live_console.open_console(window, session_id)),
        ("editor", lambda: transcript_editor.open_editor(window, session_id)),
        ("speakers", lambda: diarization.open_speakers(window, session_id)),
        ("matrix", window.coding.open_matrix),
        ("framework", window.coding.open_framework),
    ]


def main() -> int:
    app = make_app()
    root = demo_folder()
    folder = OUT / "views"
    folder.mkdir(parents=True, exist_ok=True)
    ok = True
    for width, height in SIZES:
        window = MainWindow(open_workspace(root, exclusive=True))
        window.resize(width, height)
        window.show()

        def settle() -> None:
            for _ in range(30):
                app.processEvents()

        fg1 = sessions.session_by_name(window.workspace.db, "Focus group 1")
        window.set_current_session(fg1.id)
        for name, show in views(window, fg1.id):
            show()
            settle()
            path = folder / f"{name}-{width}.png"
            window.grab().save(str(path))
            fits = window.width() <= width and window.height() <= height
            ok &= fits
            print(f"{path.relative_to(OUT.parent)}: window {window.width()}x{window.height()} "
                  f"on {width}x{height}: {'fits' if fits else 'TOO LARGE'}")
        close(window)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
