"""The live console with captions, for the README: a real window recording real speech.

A private PulseAudio server (tests/pulse.py) plays the reference clips (JFK, LibriSpeech, the
telephone call) into its null sink; the console records its monitor with the live transcript
on, while markers are made with the console's own calls, and one caption is clicked (a key
quote). The grab is taken once a few captions have arrived.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_captions_screenshot.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from shots import AUDIO, ROOT, close, save  # first: puts the checkout on sys.path

sys.path.insert(0, str(ROOT / "tests"))

from pulse import PulseServer  # noqa: E402


def speech(path: Path) -> Path:
    from focusdesk.audio.decode import SAMPLE_RATE, decode_audio

    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = [gap, decode_audio(AUDIO / "jfk.flac"), gap, decode_audio(AUDIO / "telephone-2spk.wav"),
             gap, decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"), gap]
    sf.write(str(path), np.concatenate(parts), SAMPLE_RATE, subtype="PCM_16")
    return path


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="focus-shot-"))
    with PulseServer() as server:
        os.environ.update(server.env)  # before PortAudio lists devices
        from focusdesk.store import sessions, study
        from focusdesk.store.demo import create_demo_study
        from focusdesk.store.workspace import open_workspace
        from focusdesk.transcribe.live_service import LIVE_KEY
        from focusdesk.ui import settings as prefs
        from focusdesk.ui.app import make_app
        from focusdesk.ui.console.captions import MS_ROLE
        from focusdesk.ui.features.live_console import open_console
        from focusdesk.ui.main_window import MainWindow

        app = make_app()
        ws = open_workspace(tmp / "demo-study", exclusive=True)
        create_demo_study(ws)
        study.update_settings(ws.db, **{LIVE_KEY: True, "consent_script": ""})
        session = next(s for s in sessions.list_sessions(ws.db) if s.kind.value == "focus-group")
        prefs.set_value("recording/device", "focus_sink.monitor")
        prefs.set_value("recording/channels", 1)

        window = MainWindow(ws)
        window.resize(1400, 900)
        window.show()
        window.set_current_session(session.id)
        console = open_console(window, session.id)

        def pump(seconds: float, until=None) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end and not (until and until()):
                app.processEvents()
                time.sleep(0.02)

        pump(0.5)
        console.recorder.start()
        player = server.play(speech(tmp / "speech.wav"))
        pump(1.0)
        console.next_item()  # N: the first question is asked
        pump(60, until=lambda: len(console.captions.captions()) >= 3)
        console.mark_quote_at(console.captions.captions()[0].data(MS_ROLE))  # a caption clicked
        console.mark_tag("follow up")
        pump(20, until=lambda: len(console.captions.captions()) >= 6)
        pump(3)
        save(window, "console-captions.png")
        console.recorder.stop()
        player.terminate()
        pump(30, until=lambda: not console.live_transcript.is_running())
        close(window)
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
