"""Screenshots for the README: a real window on a virtual X screen.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from shots import AUDIO, close, save  # first: puts the checkout on sys.path

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Marker
from focusdesk.exchange.transcript_import import import_transcript
from focusdesk.store import annotations, codes, sessions
from focusdesk.store.coding_ops import apply_code
from focusdesk.store.demo import create_demo_study
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.main_window import MainWindow

VTT = """WEBVTT

00:00:00.500 --> 00:00:04.000
<v P01>The reminders kept my clients going between sessions.

00:00:04.500 --> 00:00:09.000
<v P02>It took a lot of time to set it up every week.
"""


def main() -> int:
    app = make_app()
    root = Path(tempfile.mkdtemp()) / "demo-study"
    ws = open_workspace(root, exclusive=True)
    create_demo_study(ws)
    fg1 = sessions.session_by_name(ws.db, "Focus group 1")
    import_audio_file(ws, fg1.id, AUDIO / "telephone-2spk.wav")
    vtt = root / "fg1.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    import_transcript(ws, fg1.id, vtt)  # speakers named P01/P02 through the import
    apply_code(ws.db, fg1.id, codes.code_by_path(ws.db, "Added burden/Time-consuming").id, 4500, 9000)
    annotations.add_marker(ws.db, Marker(session_id=fg1.id, ms=2000, tag="key quote"))
    fg2 = sessions.session_by_name(ws.db, "Focus group 2")
    import_audio_file(ws, fg2.id, AUDIO / "librispeech-2412-153948-0000.flac")
    window = MainWindow(ws)
    window.resize(1280, 760)
    window.show()
    window.set_current_session(fg1.id)
    window.tabs.setCurrentIndex(0)
    for _ in range(20):
        app.processEvents()
    save(window, "main-window.png")
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
