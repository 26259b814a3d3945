"""Voices named from "this is P03 speaking" taps, with the real diarization model on real audio:
the telephone call (Diane and Sheila) and a mixture of AMI meeting clips of different meetings.
One tap per person where the reference says they speak; a conflicting tap is reported, not
applied."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO

from focusdesk.cli import main
from focusdesk.core.turns import Turn
from focusdesk.diarize import metrics, service
from focusdesk.diarize.taps import map_voices_from_taps
from focusdesk.store import diarization, open_workspace, seats, sessions, transcripts

pytestmark = pytest.mark.slow

AMI = AUDIO / "ami"
# clips of different meetings, each with one main speaker, none of them in two clips
CLIPS = ("trn03", "trn05", "trn06")


def run(capsys, ws, *args) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _study(capsys, ws, codes: list[str], audio, name: str) -> None:
    for args in (["study", "init", "--title", "Taps"], ["site", "add", "Site A"],
                 *(["participant", "add", c, "--site", "Site A"] for c in codes),
                 ["session", "add", name, "--kind", "focus-group", "--site", "Site A", "--participants", ",".join(codes)],
                 ["import-audio", str(audio), "--session", name]):
        code, _, err = run(capsys, ws, *args)
        assert code == 0, (args, err)


def _person_of_voice(db, session_id: int) -> dict[int, str]:
    names = transcripts.speaker_names(db, session_id)
    return {sp.id: names[sp.id] for sp in transcripts.list_speakers(db, session_id)
            if sp.participant_id or sp.facilitator_id}


def _reference_owner(turns: list[Turn], reference: list[Turn]) -> dict[str, str]:
    """voice -> the reference speaker its turns overlap most."""
    out = {}
    for voice in {t.speaker for t in turns}:
        over: dict[str, int] = {}
        for t in (t for t in turns if t.speaker == voice):
            for r in reference:
                ov = min(t.end_ms, r.end_ms) - max(t.start_ms, r.start_ms)
                if ov > 0:
                    over[r.speaker] = over.get(r.speaker, 0) + ov
        if over:
            out[voice] = max(over, key=over.get)
    return out


def test_call_voices_named_from_taps_and_a_conflict_left_alone(tmp_path, capsys):
    ws = tmp_path / "study"
    _study(capsys, ws, ["P01", "P02", "P03"], AUDIO / "telephone-2spk.wav", "Call")
    # Diane speaks 10.57-14.70 s, Sheila 21.78-28.50 s (telephone-2spk.rttm)
    assert run(capsys, ws, "taps", "add", "--session", "Call", "--at", "12.0", "--person", "P01")[0] == 0
    assert run(capsys, ws, "taps", "add", "--session", "Call", "--at", "25.0", "--person", "P02")[0] == 0
    # a wrong tap in Sheila's voice: her voice now has taps of two people
    assert run(capsys, ws, "taps", "add", "--session", "Call", "--at", "16.0", "--person", "P03")[0] == 0
    code, out, _ = run(capsys, ws, "taps", "list", "--session", "Call")
    assert code == 0 and [line.split()[2] for line in out.splitlines()[2:]] == ["P01", "P03", "P02"]

    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, "Call")
        report = service.diarize_session(w, s.id)  # what `focusdesk diarize` runs
        turns = [t for t, _ in diarization.session_turns(w.db, s.id)]
        owner = _reference_owner(turns, metrics.read_rttm(AUDIO / "telephone-2spk.rttm"))
        named = _person_of_voice(w.db, s.id)
        diane = next(int(v) for v, who in owner.items() if who == "speaker90")
        sheila = next(int(v) for v, who in owner.items() if who == "speaker91")
        assert named == {diane: "P01"}  # Sheila's voice is left for the user to confirm
        assert [n.speaker_id for n in report.taps.assigned] == [diane]
        conflict = next(n for n in report.taps.conflicts if n.speaker_id == sheila)
        assert "P02" in conflict.text and "P03" in conflict.text
        # the user removes the wrong tap and applies again
        wrong = next(t for t in seats.list_taps(w.db, s.id) if t.person.name == "P03")
        seats.delete_tap(w.db, wrong.id)
    finally:
        w.close()
    code, out, _ = run(capsys, ws, "taps", "apply", "--session", "Call")
    assert code == 0 and "is P02" in out and "Nothing to confirm" in out
    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, "Call")
        assert sorted(_person_of_voice(w.db, s.id).values()) == ["P01", "P02"]
        again = map_voices_from_taps(w.db, s.id, apply=False)  # what the Speakers view shows
        assert not again.conflicts and len(again.assigned) == 2
    finally:
        w.close()


def test_meeting_mixture_one_tap_per_speaker(tmp_path, capsys):
    reference: list[Turn] = []
    pieces, offset = [], 0
    for uri in CLIPS:
        audio, rate = sf.read(AMI / f"{uri}.wav", dtype="float32")
        pieces.append(audio)
        for line in (AMI / "ami-train-excerpts.rttm").read_text().splitlines():
            f = line.split()
            if f[1] == uri:
                start = round(float(f[3]) * 1000)
                reference.append(Turn(start + offset, start + round(float(f[4]) * 1000) + offset, f[7]))
        offset += round(len(audio) / rate * 1000)
    mix = tmp_path / "mix.wav"
    sf.write(mix, np.concatenate(pieces), rate)
    talk: dict[str, int] = {}
    for r in reference:
        talk[r.speaker] = talk.get(r.speaker, 0) + r.duration_ms
    main_speakers = sorted(s for s in talk if talk[s] > 20_000)
    assert len(main_speakers) == 3
    code_of = {spk: f"P0{i + 1}" for i, spk in enumerate(main_speakers)}
    ws = tmp_path / "study"
    _study(capsys, ws, list(code_of.values()), mix, "Meeting")
    for spk, code in code_of.items():  # one tap, in the middle of the speaker's longest turn
        longest = max((r for r in reference if r.speaker == spk), key=lambda r: r.duration_ms)
        at = (longest.start_ms + longest.end_ms) / 2000
        assert run(capsys, ws, "taps", "add", "--session", "Meeting", "--at", str(at), "--person", code)[0] == 0
    code, out, err = run(capsys, ws, "diarize", "Meeting")
    assert code == 0, err
    assert out.count("named: ") == 3
    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, "Meeting")
        turns = [t for t, _ in diarization.session_turns(w.db, s.id)]
        owner = _reference_owner(turns, reference)
        named = _person_of_voice(w.db, s.id)
        assert len(named) == 3
        for voice, code in named.items():
            assert code_of[owner[str(voice)]] == code
    finally:
        w.close()
