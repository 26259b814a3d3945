"""Child process for tests/test_editor_playback.py: the transcript editor playing through a real
PulseAudio sink. Qt's audio backend connects to PulseAudio once per process, so the test runs this
with the private server's environment and reads back what happened as JSON.

Usage: python editor_player_child.py STUDY_DIR SESSION_ID OUT.json
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtMultimedia import QMediaDevices  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from focusdesk.store import open_workspace  # noqa: E402
from focusdesk.ui.transcript.editor import TranscriptEditor  # noqa: E402


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(pred, timeout_ms: int) -> bool:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if pred():
            return True
        wait(20)
    return pred()


def main() -> int:
    study, session_id, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    app = QApplication(sys.argv[:1])
    result: dict = {"outputs": [d.description() for d in QMediaDevices.audioOutputs()]}
    ws = open_workspace(study, passphrase=os.environ.get("FOCUSDESK_TEST_PASSPHRASE"))
    editor = TranscriptEditor(ws, session_id)
    editor.quiet = True
    editor.resize(1000, 600)
    editor.show()
    wait(200)
    editor.view.setFocus()
    # Click the third word of the second turn: the player goes there.
    rect = editor.view.word_rect((1, 2))
    QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())
    wait_until(lambda: editor.player.position() == editor.model.segments[1].words[2].start_ms, 5000)
    result["after_click"] = editor.player.position()
    # Esc plays, rewinding a little first (the transcriber's convention).
    QTest.keyClick(editor.view, Qt.Key.Key_Escape)
    result["after_resume"] = editor.player.position()
    result["played"] = wait_until(editor.player.is_playing, 5000)
    target = editor.model.segments[1].words[3].start_ms + 100
    result["reached"] = wait_until(lambda: editor.player.position() >= target, 10_000)
    pos = editor.player.position()
    result["follow"] = {"position": pos, "current": list(editor.model.current or ()),
                        "expected": list(editor.model.word_at_time(pos) or ()),
                        "current_segment": editor.current_segment_id(),
                        "segment_ids": [s.id for s in editor.model.segments]}
    QTest.keyClick(editor.view, Qt.Key.Key_F4)
    result["paused"] = wait_until(lambda: not editor.player.is_playing(), 5000)
    result["error"] = editor.info_label.text()
    editor.shutdown()
    editor.close()  # shuts down again: must not touch the stopped player (Qt 6.12 deadlock)
    result["closed"] = True
    ws.close()
    out.write_text(json.dumps(result))
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
