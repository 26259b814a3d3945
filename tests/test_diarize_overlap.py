"""The overlap-aware engine on real audio: two voices at once, a quiet voice, the speaker bound
(issue 12, items 2 and 3), and the automatic fall-back to the fast setting."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO

from focusdesk.cli import main
from focusdesk.core.turns import Turn, talk_time
from focusdesk.diarize import engine, metrics, service
from focusdesk.store import diarization, open_workspace, sessions

pytestmark = pytest.mark.slow

AMI = AUDIO / "ami"
# four people from four different AMI meetings (no one appears in two of these clips' talk)
FOUR = [("trn03", "MEO069"), ("trn05", "FEE078"), ("trn06", "FEE083"), ("trn00", "MEE068")]


def _ami_refs() -> dict[str, list[Turn]]:
    out: dict[str, list[Turn]] = {}
    for line in (AMI / "ami-train-excerpts.rttm").read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            s = float(f[3])
            out.setdefault(f[1], []).append(Turn(round(s * 1000), round((s + float(f[4])) * 1000), f[7]))
    return out


def _solo(clip: str, speaker: str) -> np.ndarray:
    """The samples of ``clip`` where ``speaker`` talks and nobody else does (per the RTTM)."""
    audio, rate = sf.read(AMI / f"{clip}.wav", dtype="float32")
    assert rate == 16000
    own, other = np.zeros(len(audio), bool), np.zeros(len(audio), bool)
    for t in _ami_refs()[clip]:
        (own if t.speaker == speaker else other)[t.start_ms * 16:t.end_ms * 16] = True
    return audio[own & ~other]


def _mixture(gains_db: dict[str, float] | None = None) -> tuple[np.ndarray, list[Turn]]:
    """The four voices one after the other (a clear four-voice recording) and its reference."""
    parts, ref, at = [], [], 0
    for clip, spk in FOUR:
        a = _solo(clip, spk) * 10 ** ((gains_db or {}).get(spk, 0.0) / 20)
        parts.append(a)
        ref.append(Turn(at, at + len(a) // 16, spk))
        at += len(a) // 16
    return np.concatenate(parts).astype(np.float32), ref


def _diarize(samples: np.ndarray, **kw):
    return engine.diarize_blocks([samples], len(samples) / 16000, **kw)


@pytest.fixture(scope="module")
def four():
    samples, ref = _mixture()
    return samples, ref, _diarize(samples)


def test_an_overlap_in_a_real_call_gives_two_speakers_at_once():
    result = engine.diarize_file(AUDIO / "telephone-2spk.wav")
    assert result.speakers == ["S1", "S2"]
    # the reference has one overlap, 18.05-18.59 s: both voices must be talking there
    at = [t.speaker for t in result.turns if t.start_ms <= 18300 <= t.end_ms]
    assert sorted(at) == ["S1", "S2"]
    both = [(max(a.start_ms, b.start_ms), min(a.end_ms, b.end_ms)) for a in result.turns
            for b in result.turns if a.speaker < b.speaker and min(a.end_ms, b.end_ms) > max(a.start_ms, b.start_ms)]
    assert any(s <= 18300 <= e and e - s >= 300 for s, e in both)
    assert metrics.der(metrics.read_rttm(AUDIO / "telephone-2spk.rttm"), result.turns).der < 0.10
    assert result.settings["method"] == "overlap" and result.settings["step_s"] == 2.5


def test_a_clear_four_voice_recording_gives_four_voices(four):
    samples, ref, result = four
    assert len(result.speakers) == 4
    assert metrics.der(ref, result.turns).der < 0.15
    assert set(metrics.der(ref, result.turns).mapping.values()) == {spk for _, spk in FOUR}


def test_a_bound_only_removes_voices_beyond_it(four):
    samples, ref, free = four
    for bound in (4, 5, 10):  # at or above the estimate: nothing changes
        assert _diarize(samples, max_speakers=bound).turns == free.turns
    three = _diarize(samples, max_speakers=3)  # below it: exactly the bound, never fewer
    assert len(three.speakers) == 3
    two = _diarize(samples, max_speakers=2)
    assert len(two.speakers) == 2


def test_a_session_listing_three_participants_keeps_all_four_voices(tmp_path, capsys, four):
    """The reported bug: four voices found with no participants listed, two when the session
    listed its three participants (the facilitator is not listed, but runs the group)."""
    samples, _, _ = four
    wav = tmp_path / "group.wav"
    sf.write(wav, samples, 16000)
    ws = tmp_path / "study"
    for args in (["study", "init", "--title", "Groups"], ["site", "add", "Site A"],
                 *(["participant", "add", f"P0{i}", "--site", "Site A"] for i in (1, 2, 3)),
                 ["session", "add", "Group 1", "--kind", "focus-group", "--site", "Site A",
                  "--participants", "P01,P02,P03"]):
        assert main(["--workspace", str(ws), *args]) == 0, args
    assert main(["--workspace", str(ws), "import-audio", str(wav), "--session", "Group 1"]) == 0
    capsys.readouterr()
    w = open_workspace(ws)
    try:
        s = sessions.session_by_name(w.db, "Group 1")
        assert service.speaker_hint(s) == 4  # three participants and whoever runs the group
        report = service.diarize_session(w, s.id)
        assert report.speakers == 4
        run = diarization.last_runs(w.db, s.id)[0]
        assert run["max_speakers"] == 4
        assert diarization.run_settings(run)["method"] == "overlap"
        assert diarization.run_settings(run)["chosen_by"].startswith("auto")
    finally:
        w.close()


def test_one_participant_still_has_an_interviewer():
    from focusdesk.core.model import Session

    assert service.speaker_hint(Session(name="i", participant_ids=[1])) == 2
    assert service.speaker_hint(Session(name="i", participant_ids=[1], facilitator_ids=[1, 2])) == 3
    assert service.speaker_hint(Session(name="i")) is None


def test_a_quiet_voice_keeps_its_speaker():
    """One of the four voices 25 dB quieter than the others is still found, as its own voice."""
    samples, ref = _mixture({"FEE078": -25.0})
    result = _diarize(samples)
    assert len(result.speakers) == 4
    quiet = next(t for t in ref if t.speaker == "FEE078")
    heard = talk_time([Turn(max(t.start_ms, quiet.start_ms), min(t.end_ms, quiet.end_ms), t.speaker)
                       for t in result.turns if min(t.end_ms, quiet.end_ms) > max(t.start_ms, quiet.start_ms)])
    voice, ms = max(heard.items(), key=lambda kv: kv[1])
    assert ms >= 0.8 * quiet.duration_ms  # most of her speech is found, and given to one voice
    others = {t.speaker for t in result.turns if t.start_ms >= quiet.end_ms + 1000 or t.end_ms <= quiet.start_ms - 1000}
    assert voice not in others  # ... which is hers alone


def test_a_slow_computer_falls_back_to_the_fast_setting(tmp_path):
    call, rate = sf.read(AUDIO / "telephone-2spk.wav", dtype="float32")
    path = tmp_path / "long.wav"
    sf.write(path, np.tile(call, 6), rate)  # 3 minutes: enough to time after the warm-up batch
    slow = engine.diarize_file(path, setting="auto", budget=1e-6, min_auto_s=0)
    assert slow.settings["setting"] == "fast" and slow.settings["step_s"] == 5.0
    assert slow.settings["chosen_by"] == "auto: over budget" and slow.settings["projected_s"] > 0
    assert len(slow.speakers) >= 2 and slow.duration_ms == 180000
    with pytest.raises(ValueError, match="Unknown diarization setting"):
        engine.diarize_file(path, setting="fastest")


def test_speed_watch_decides_once():
    watch = engine.SpeedWatch(duration_s=1000, budget=10.0, probe_s=0)
    watch(40.0)
    watch(80.0)  # generous budget: no switch, the projection is kept
    assert watch.projected_s is not None and watch.projected_s < 10_000
    strict = engine.SpeedWatch(duration_s=1000, budget=0.0, probe_s=0)
    strict(40.0)
    with pytest.raises(Exception) as caught:
        strict(80.0)
    assert type(caught.value).__name__ == "_TooSlow"
