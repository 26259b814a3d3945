"""The transcription screenshot for the README: a real window on a virtual X screen transcribing a
session (real speech from ../shared/data/audio, the bundled tiny.en), taken while segments are
arriving in the transcript editor and the progress panel shows percent and ETA.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_transcription_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from shots import AUDIO, close, save  # first: puts the checkout on sys.path

from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Session, SessionKind, Site, Study
from focusdesk.store import sessions, study
from focusdesk.store.workspace import open_workspace
from focusdesk.transcribe.types import Settings
from focusdesk.ui.app import make_app
from focusdesk.ui.features import transcription
from focusdesk.ui.main_window import MainWindow


def main() -> int:
    app = make_app()
    tmp = Path(tempfile.mkdtemp())
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = []
    for name in ("telephone-2spk.wav", "jfk.flac", "librispeech-2412-153948-0000.flac") * 3:
        parts += [decode_audio(AUDIO / name), gap]
    clip = tmp / "interview.flac"
    sf.write(clip, np.concatenate(parts), SAMPLE_RATE)
    ws = open_workspace(tmp / "study", exclusive=True)
    study.save_study(ws.db, Study(title="Digital therapy study"))
    site = study.add_site(ws.db, Site("Site B"))
    sessions.add_session(ws.db, Session("Telephone interview 1", SessionKind.TELEPHONE_INTERVIEW,
                                        site.id, "2024-03-08"))
    sid = sessions.session_by_name(ws.db, "Telephone interview 1").id
    import_audio_file(ws, sid, clip)
    window = MainWindow(ws)
    window.resize(1360, 820)
    window.show()
    window.set_current_session(sid)
    ctrl = transcription.controller(window)
    transcription.start_transcription(window, sid, Settings(window_s=30))
    row = ctrl.jobs.panel.row_for(ctrl.handle)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and ctrl.is_running() and row.progress.value() < 45:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):
        app.processEvents()
    save(window, "transcription.png", f" at {row.progress.value()}%")
    ctrl.cancel()
    ctrl.wait()
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
