"""RTTM export and import of a session's speaker turns: the shared telephone call's reference
turns in, the words re-attributed, out again and into a fresh session unchanged; a bad line
changes nothing."""

from __future__ import annotations

import pytest
from conftest import AUDIO

from focusdesk.cli import main
from focusdesk.core.model import Segment, Word
from focusdesk.core.turns import talk_time
from focusdesk.diarize import metrics
from focusdesk.store import diarization, open_workspace, sessions, transcripts

RTTM = AUDIO / "telephone-2spk.rttm"


def run(capsys, ws, *args) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def study(tmp_path, capsys):
    ws = tmp_path / "study"
    for args in (["study", "init", "--title", "Calls"], ["site", "add", "Site A"],
                 ["participant", "add", "P01", "--site", "Site A", "--name", "Diane Real"],
                 ["participant", "add", "P02", "--site", "Site A"]):
        assert run(capsys, ws, *args)[0] == 0, args
    return ws


def add_call(capsys, ws, name: str) -> None:
    """A session with the call's audio and its words cut into four-second segments."""
    assert run(capsys, ws, "session", "add", name, "--kind", "telephone-interview", "--site", "Site A",
               "--participants", "P01,P02")[0] == 0
    assert run(capsys, ws, "import-audio", str(AUDIO / "telephone-2spk.wav"), "--session", name)[0] == 0
    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, name)
        rec = transcripts.list_recordings(w.db, s.id)[0]
        chunks: list[list[Word]] = [[]]
        for start, end, text, _ in metrics.stm_words(metrics.read_stm(AUDIO / "telephone-2spk.stm")):
            if chunks[-1] and start - chunks[-1][0].start_ms > 4000:
                chunks.append([])
            chunks[-1].append(Word(start, end, " " + text))
        for words in chunks:
            transcripts.add_segment(w.db, Segment(
                session_id=s.id, start_ms=words[0].start_ms, end_ms=words[-1].end_ms,
                text="".join(x.text for x in words).strip(), recording_id=rec.id, words=words))
    finally:
        w.close()


def state(ws, name: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]]:
    """(turns with speaker names, (word start, word, speaker name)) of a session."""
    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, name)
        names = transcripts.speaker_names(w.db, s.id)
        turns = [(t.start_ms, t.end_ms, names[int(t.speaker)]) for t, _ in diarization.session_turns(w.db, s.id)]
        words = [(wd.start_ms, wd.text.strip(), names.get(seg.speaker_id, "?"))
                 for seg in transcripts.list_segments(w.db, s.id) for wd in seg.words]
        return sorted(turns), words
    finally:
        w.close()


def test_import_reference_turns_then_round_trip(study, capsys, tmp_path):
    add_call(capsys, study, "Call 1")
    code, out, err = run(capsys, study, "import-turns", str(RTTM), "--session", "Call 1")
    assert code == 0, err
    assert "2 speaker(s)" in out
    turns, words = state(study, "Call 1")
    reference = metrics.read_rttm(RTTM)
    assert sorted({t[2] for t in turns}) == ["speaker90", "speaker91"]
    want = talk_time(reference)
    got = talk_time([metrics.Turn(s, e, n) for s, e, n in turns])
    assert got == want  # the reference talk time, to the millisecond
    # every word spoken only by Diane (speaker90) in the reference is hers now
    utts = metrics.read_stm(AUDIO / "telephone-2spk.stm")
    diane = [w for w in words if metrics.reference_speaker(utts, w[0], w[0] + 1) == "Diane"]
    assert len(diane) > 10 and sum(w[2] == "speaker90" for w in diane) / len(diane) >= 0.9

    # name one voice, then export: pseudonym, never the real name
    assert run(capsys, study, "speaker", "assign", "--session", "Call 1", "speaker90", "P01")[0] == 0
    target = tmp_path / "call.rttm"
    code, out, _ = run(capsys, study, "export", "Call 1", "--format", "rttm", "-o", str(target), "--names")
    assert code == 0 and "pseudonym" in out
    text = target.read_text()
    assert "Diane" not in text and "Real" not in text
    lines = text.splitlines()
    assert len(lines) == len(reference)
    assert lines[0].split() == ["SPEAKER", "Call_1", "1", "6.690", "0.430", "<NA>", "<NA>", "P01", "<NA>", "<NA>"]

    add_call(capsys, study, "Call 2")
    assert run(capsys, study, "import-turns", str(target), "--session", "Call 2")[0] == 0
    turns1, words1 = state(study, "Call 1")
    turns2, words2 = state(study, "Call 2")
    assert len(turns1) == len(turns2)
    for a, b in zip(turns1, turns2):
        assert abs(a[0] - b[0]) <= 1 and abs(a[1] - b[1]) <= 1 and a[2] == b[2]
    assert words1 == words2  # same word attribution


def test_bad_line_names_it_and_changes_nothing(study, capsys, tmp_path):
    add_call(capsys, study, "Call 1")
    assert run(capsys, study, "import-turns", str(RTTM), "--session", "Call 1")[0] == 0
    before = state(study, "Call 1")
    bad = tmp_path / "bad.rttm"
    lines = RTTM.read_text().splitlines()
    lines[3] = lines[3].replace("9.920", "nine")
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, study, "import-turns", str(bad), "--session", "Call 1")
    assert code != 0
    assert "Line 4 of bad.rttm" in err and "Nothing was changed" in err
    assert state(study, "Call 1") == before
    several = tmp_path / "two.rttm"
    several.write_text(RTTM.read_text() + RTTM.read_text().replace(" sample ", " other "))
    code, _, err = run(capsys, study, "import-turns", str(several), "--session", "Call 1")
    assert code != 0 and "--uri" in err
    assert run(capsys, study, "import-turns", str(several), "--session", "Call 1", "--uri", "other")[0] == 0


def test_import_maps_labels_to_people(study, capsys, tmp_path):
    """--map LABEL=PERSON names a voice; a label that is a participant's code is named anyway; a
    --map label the file lacks, or a person the study lacks, changes nothing."""
    add_call(capsys, study, "Call 1")
    before = state(study, "Call 1")
    code, _, err = run(capsys, study, "import-turns", str(RTTM), "--session", "Call 1", "--map", "speaker99=P01")
    assert code != 0 and "no speaker 'speaker99'" in err and "Nothing was changed" in err
    code, _, err = run(capsys, study, "import-turns", str(RTTM), "--session", "Call 1", "--map", "speaker90=P77")
    assert code != 0 and "P77" in err and "Nothing was changed" in err
    assert state(study, "Call 1") == before
    code, _, err = run(capsys, study, "import-turns", str(RTTM), "--session", "Call 1", "--map", "speaker90")
    assert code != 0 and "LABEL=PERSON" in err

    labelled = tmp_path / "labelled.rttm"
    labelled.write_text(RTTM.read_text().replace("speaker91", "P02"))
    code, out, err = run(capsys, study, "import-turns", str(labelled), "--session", "Call 1",
                         "--map", "speaker90=p01")
    assert code == 0, err
    assert "speaker90 is P01" in out
    turns, words = state(study, "Call 1")
    assert {t[2] for t in turns} == {"P01", "P02"}
    utts = metrics.read_stm(AUDIO / "telephone-2spk.stm")
    diane = [w for w in words if metrics.reference_speaker(utts, w[0], w[0] + 1) == "Diane"]
    assert sum(w[2] == "P01" for w in diane) / len(diane) >= 0.9
    assert "Diane Real" not in out
