"""The transcript editor screenshot for the README's "Transcript editor" section: a real window on
a virtual X screen, over the demo study with a short, readable transcript on real audio.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_editor_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from shots import AUDIO, close, save  # first: puts the checkout on sys.path

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Marker, Segment, Word
from focusdesk.store import annotations, codes, coding_ops, sessions, speaker_ops, transcripts
from focusdesk.store.demo import create_demo_study
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.main_window import MainWindow

CALL = AUDIO / "telephone-2spk.wav"

TURNS = [
    ("S0", "Thanks for coming, everyone. Could you each say your name and your role?"),
    ("S1", "Sure. I'm an occupational therapist, mostly with stroke clients, about eight years now."),
    ("S2", "Physio, community team, and I've been using the app with maybe a dozen clients."),
    ("S0", "How have you used the programme with your clients so far?"),
    ("S1", "Mostly for home exercises. They record a short video and I give feedback the next day."),
    ("S3", "For me it was overwhelming at first, honestly. Lots of notifications, lots of setting up."),
    ("S2", "Same here, the first weeks were time consuming, but the reminders keep clients going "
           "between sessions."),
    ("S0", "What changed for your clients between sessions?"),
    ("S1", "They practise more. You can see it in the progress graphs, and they bring it up themselves."),
    ("S3", "Some of them, yes. Others never open it, and then it is just one more thing to chase."),
]
UNSURE = {"dozen", "graphs", "chase"}


def build(root: Path):
    ws = open_workspace(root, exclusive=True)
    create_demo_study(ws)
    db = ws.db
    fg1 = sessions.session_by_name(db, "Focus group 1")
    rec = import_audio_file(ws, fg1.id, CALL)
    members = fg1.participant_ids
    per_turn = rec.duration_ms / len(TURNS)
    for n, (label, text) in enumerate(TURNS):
        sp = transcripts.ensure_speaker(db, fg1.id, label)
        tokens = text.split()
        start = int(n * per_turn) + 200
        step = int((per_turn - 600) / len(tokens))
        words = [Word(start + i * step, start + (i + 1) * step - 40, w,
                      probability=0.35 if w.strip(".,?").lower() in UNSURE else 0.93)
                 for i, w in enumerate(tokens)]
        transcripts.add_segment(db, Segment(session_id=fg1.id, recording_id=rec.id, start_ms=start,
                                            end_ms=words[-1].end_ms, text=text, speaker_id=sp.id, words=words))
    speaker_ops.assign_speaker(db, fg1.id, "S0", person="Facilitator")
    for k, label in enumerate(("S1", "S2", "S3")):
        speaker_ops.assign_speaker(db, fg1.id, label, participant_id=members[k % len(members)])
    segs = transcripts.list_segments(db, fg1.id)
    annotations.add_marker(db, Marker(session_id=fg1.id, ms=segs[0].start_ms - 100, guide_item_key="intro"))
    annotations.add_marker(db, Marker(session_id=fg1.id, ms=segs[3].start_ms - 100, guide_item_key="experience.q1"))
    annotations.add_marker(db, Marker(session_id=fg1.id, ms=segs[6].start_ms - 50, tag="quote",
                                      note="burden vs. value"))
    annotations.add_marker(db, Marker(session_id=fg1.id, ms=segs[7].start_ms - 100, guide_item_key="experience.q2"))
    theme = next(c for c in codes.list_codes(db) if c.parent_id is not None)
    coding_ops.apply_code(db, fg1.id, theme.id, segs[5].words[3].start_ms, segs[5].words[8].end_ms,
                          segs[5].speaker_id)
    return ws, fg1.id, segs


def main() -> int:
    app = make_app()
    ws, session_id, segs = build(Path(tempfile.mkdtemp()) / "demo-study")
    window = MainWindow(ws)
    window.resize(1360, 820)
    window.show()
    window.set_current_session(session_id)
    editor = window.find_view(f"transcript:{session_id}")
    deadline = time.monotonic() + 20
    while not editor.waveform._peaks and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    # Follow mode on a word of the sixth turn, the coded words selected.
    editor.seek(segs[6].words[7].start_ms + 50)
    editor.view.set_selection((5, 3), (5, 8))
    for _ in range(30):
        app.processEvents()
    editor._on_position(segs[6].words[7].start_ms + 50)
    for _ in range(10):
        app.processEvents()
    save(window, "editor.png")
    editor.shutdown()
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
