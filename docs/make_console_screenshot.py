"""The live console screenshot for the README: a real window recording from a real sound server.

A private PulseAudio server (tests/pulse.py) plays a telephone call into a stereo null sink, one
side per channel; the console records its monitor while markers are made with the console's own
keys. The session already holds the first part of the interview (a quiet take, with markers), so
the pacing bar and the not-yet-asked list have something to show.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_console_screenshot.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from shots import ROOT, close, save  # first: puts the checkout on sys.path

sys.path.insert(0, str(ROOT / "tests"))

from pulse import PulseServer  # noqa: E402

SESSION = "Telephone interview"
EARLIER = [  # (seconds, guide item or None, tag or None, note)
    (5, None, "consent", "Consent recorded"),
    (20, "intro", None, None),
    (40, "intro.q1", None, None),
    (310, "intro.q2", None, None),
    (492, None, "key quote", "'the app remembers what I forget'"),
    (690, "experience", None, None),
    (720, "experience.q1", None, None),
]


def call_audio(path: Path, seconds: float, rate: int = 48000) -> Path:
    """Two voices, roughly: harmonics at syllable rate, the near side loud, the far side quieter."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(7)

    def voice(f0: float, level: float, phase: float) -> np.ndarray:
        tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
        syllables = 0.4 + 0.6 * np.clip(np.sin(2 * np.pi * 3.1 * t + phase), 0, None)
        return level * tone * syllables * (0.8 + 0.2 * rng.random(len(t)))

    stereo = np.stack([voice(140, 0.30, 0.0), voice(210, 0.12, 2.0)], axis=1)
    sf.write(str(path), np.clip(stereo, -1, 1).astype(np.float32), rate, subtype="PCM_16")
    return path


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="focus-shot-"))
    with PulseServer(channels=2) as server:
        os.environ.update(server.env)  # before PortAudio lists devices
        from PySide6.QtTest import QTest

        from focusdesk.audio.media import import_audio_file
        from focusdesk.core.model import Marker
        from focusdesk.store import annotations, sessions, study
        from focusdesk.store.demo import create_demo_study
        from focusdesk.store.workspace import open_workspace
        from focusdesk.ui import settings as prefs
        from focusdesk.ui.app import make_app
        from focusdesk.ui.features.live_console import open_console
        from focusdesk.ui.main_window import MainWindow

        app = make_app()
        ws = open_workspace(tmp / "demo-study", exclusive=True)
        create_demo_study(ws)
        study.update_settings(ws.db, consent_script=(
            "Before we start: this call is recorded on this laptop only, and what you say is "
            "reported without your name. Are you happy for us to record?"))
        session = next(s for s in sessions.list_sessions(ws.db) if s.kind.value == "telephone-interview")
        sid = session.id
        first = tmp / "first-part.wav"
        sf.write(str(first), np.zeros((13 * 60 * 8000, 1), dtype=np.int16), 8000, subtype="PCM_16")
        import_audio_file(ws, sid, first)
        for sec, key, tag, note in EARLIER:
            annotations.add_marker(ws.db, Marker(session_id=sid, ms=sec * 1000, guide_item_key=key,
                                                 tag=tag, note=note))
        player = server.play(call_audio(tmp / "call.wav", 60.0))
        prefs.set_value("recording/device", "focus_sink.monitor")
        prefs.set_value("recording/channels", 2)

        window = MainWindow(ws)
        window.resize(1400, 860)
        window.show()
        window.set_current_session(sid)
        console = open_console(window, sid)

        def pump(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.02)

        pump(0.5)
        console.recorder.start()
        pump(2.5)
        console.next_item()  # what N does: the next question is being asked
        pump(2.0)
        console.mark_tag("follow up")  # F2
        pump(1.0)
        console.note_edit.setPlainText("P03 mentions the evening reminders")
        pump(1.0)
        console.save_note()  # Ctrl+Enter
        console.note_edit.setFocus()
        QTest.keyClicks(console.note_edit, "ask about weekends")
        pump(1.5)
        save(window, "console.png")
        console.recorder.stop()
        player.terminate()
        close(window)
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
