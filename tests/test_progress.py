"""The study overview says where each session stands and what to do next (store, CLI, home tab)."""

from __future__ import annotations

import subprocess
import sys

from focusdesk.core.model import Marker, Recording, Segment, Word
from focusdesk.store import annotations, codes, progress, sessions, transcripts
from focusdesk.store.coding_ops import apply_code
from focusdesk.store.speaker_ops import assign_speaker


def _transcribe(db, sid: int, turns: list[tuple[str, str]]) -> None:
    start = 0
    for label, text in turns:
        sp = transcripts.ensure_speaker(db, sid, label)
        words = [Word(start + i * 300, start + i * 300 + 250, w) for i, w in enumerate(text.split())]
        transcripts.add_segment(db, Segment(session_id=sid, start_ms=start, end_ms=words[-1].end_ms,
                                            text=text, speaker_id=sp.id, words=words))
        start = words[-1].end_ms + 500


def test_progress_follows_the_workflow(seeded):
    db = seeded.db
    fg = sessions.session_by_name(db, "Focus group 1").id
    by_name = {p.name: p for p in progress.session_progress(db)}
    assert by_name["Focus group 1"].next_step == "record or import audio"
    assert [p.name for p in progress.session_progress(db)] == ["Focus group 1", "Interview 1"]

    transcripts.add_recording(db, Recording(session_id=fg, path="sessions/1/a.wav", duration_ms=61_000,
                                            sample_rate=48000, channels=1))
    annotations.add_marker(db, Marker(session_id=fg, ms=5_000, tag="key quote"))
    p = progress.session_progress(db)[0]
    assert (p.audio_ms, p.recordings, p.markers, p.next_step) == (61_000, 1, 1, "transcribe")

    _transcribe(db, fg, [("S1", "welcome everyone"), ("S2", "thank you for having us"), ("S1", "first question")])
    transcripts.ensure_speaker(db, fg, "S9")  # a label with no words does not ask to be named
    p = progress.session_progress(db)[0]
    assert (p.segments, p.words, p.speakers, p.speakers_named) == (3, 9, 2, 0)
    assert p.next_step == "name the speakers"

    assign_speaker(db, fg, "S1", person="P01")
    assign_speaker(db, fg, "S2", person="P02")
    p = progress.session_progress(db)[0]
    assert (p.speakers_named, p.next_step) == (2, "code passages")

    transcripts.add_segment(db, Segment(session_id=fg, start_ms=9000, end_ms=9500, text="  imported  text ",
                                        speaker_id=transcripts.ensure_speaker(db, fg, "S1").id))
    assert progress.session_progress(db)[0].words == 11  # text without word timings counts too

    apply_code(db, fg, codes.code_by_path(db, "Added value/Fosters engagement").id, 0, 500)
    p = progress.session_progress(db)[0]
    assert (p.codings, p.next_step) == (1, "done")
    assert progress.session_progress(db)[1].next_step == "record or import audio"


def test_session_list_shows_the_next_step(seeded):
    db = seeded.db
    _transcribe(db, sessions.session_by_name(db, "Interview 1").id, [("S1", "hello there")])
    seeded.close()
    out = subprocess.run([sys.executable, "-m", "focusdesk", "--workspace", str(seeded.root), "session", "list"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rows = {name: ln for ln in out.splitlines() for name in ("Focus group 1", "Interview 1")
            if ln.startswith(name)}
    assert "record or import audio" in rows["Focus group 1"]
    assert "name the speakers" in rows["Interview 1"] and "0/1" in rows["Interview 1"]


def test_home_tab_lists_progress_and_opens_a_session(qtbot, seeded):
    from focusdesk.ui.main_window import MainWindow

    db = seeded.db
    iv = sessions.session_by_name(db, "Interview 1").id
    _transcribe(db, iv, [("S1", "hello there"), ("S2", "good morning")])
    win = MainWindow(seeded)
    qtbot.addWidget(win)
    home = win.home
    home.reload()
    text = home.label.text()
    assert "Next step" in text and "4 words" in text and "0 of 2" in text
    assert f"<a href='step:{iv}:speakers'>Name speakers…</a>" in text  # the step is a link that does it
    home.label.linkActivated.emit(f"open:{iv}")
    assert win.current_session_id() == iv
