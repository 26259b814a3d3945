"""Transcribing a session into the study through the job runner: storage, resume after a kill,
no network, and the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO, ROOT, fill_disk, small_disk
from references import (
    JFK,
    LIBRI,
    STEREO_LEFT,
    STEREO_RIGHT,
    assert_close,
    assert_parts_stored,
    long_clip_parts,
    wer,
)

from focusdesk import cli
from focusdesk.audio.decode import SAMPLE_RATE, decode_audio
from focusdesk.audio.media import import_audio_file
from focusdesk.jobs import JobOutcome, run_session_job
from focusdesk.jobs.runner import JobCrashed, run_job
from focusdesk.store import sessions, transcripts
from focusdesk.transcribe.guards import norm
from focusdesk.transcribe.job import WORKER
from focusdesk.transcribe.service import (
    SessionTranscription,
    list_runs,
    low_confidence_words,
    transcribe_session,
)
from focusdesk.transcribe.types import Settings


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    """~70 s of real speech with known phrases, each once."""
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    parts = [decode_audio(AUDIO / "jfk.flac"), gap, decode_audio(AUDIO / "librispeech-2412-153948-0000.flac"),
             gap, decode_audio(AUDIO / "telephone-2spk.wav"), gap,
             decode_audio(AUDIO / "stereo-2spk.wav", channel=0), gap]
    path = tmp_path_factory.mktemp("clips") / "session.flac"
    sf.write(path, np.concatenate(parts), SAMPLE_RATE)
    return path


def session_text(db, session_id) -> str:
    return norm(" ".join(s.text for s in transcripts.list_segments(db, session_id)))


def assert_clean(db, session_id):
    segs = transcripts.list_segments(db, session_id)
    assert_parts_stored(segs, long_clip_parts())
    for a, b in zip(segs, segs[1:]):
        assert b.start_ms >= a.end_ms - 10, (a.text, b.text)
    return segs


def test_session_recordings_are_stored_on_the_session_timeline(seeded):
    ws = seeded
    sid = sessions.session_by_name(ws.db, "Focus group 1").id
    import_audio_file(ws, sid, AUDIO / "jfk.flac")
    rec2 = import_audio_file(ws, sid, AUDIO / "librispeech-2412-153948-0000.flac")
    progress = []
    job = transcribe_session(ws, sid, Settings(), on_message=lambda m: m["type"] == "progress"
                             and progress.append(m["fraction"]))
    segs = transcripts.list_segments(ws.db, sid)
    assert all(s.source == "whisper" and s.words for s in segs)
    second = [s for s in segs if s.recording_id == rec2.id]
    assert second and all(s.start_ms >= rec2.offset_ms == 11000 for s in second)
    assert all(s.start_ms <= w.start_ms <= w.end_ms <= s.end_ms + 20 for s in segs for w in s.words)
    assert_close(" ".join(s.text for s in segs if s.recording_id != rec2.id), JFK, 0.1)
    assert_close(" ".join(s.text for s in second), LIBRI, 0.1)
    assert progress[-1] == 1.0 and progress == sorted(progress)
    runs = list_runs(ws, sid)
    assert [(r["status"], r["engine"], r["model"], r["language"]) for r in runs] == \
        [("done", "faster", "tiny.en", "en")] * 2
    # the faster engine decodes greedily unless asked for a beam; the run records what was used
    assert '"beam_size": 1' in runs[0]["settings"] and '"compute_type": "int8"' in runs[0]["settings"]
    # the vocabulary prompt is opt-in: none unless the study lists words
    assert job.params()["settings"]["vocabulary"] == []
    from focusdesk.store import study

    study.update_settings(ws.db, transcription_vocabulary=["CBT"])
    assert job.params()["settings"]["vocabulary"] == ["CBT", "Site A", "Site B"]
    low = [w for s in segs for w in low_confidence_words(s)]
    assert all(w.probability < 0.5 for w in low)
    # a second run finds nothing to do
    again = SessionTranscription(ws, sid, Settings())
    assert again.tasks == [] and len(again.skipped) == 2


def test_killed_job_resumes_without_missing_or_duplicated_segments(seeded, long_clip):
    ws = seeded
    sid = sessions.session_by_name(ws.db, "Interview 1").id
    rec = import_audio_file(ws, sid, long_clip)
    settings = Settings(window_s=30)
    job = SessionTranscription(ws, sid, settings)
    pid = {}

    def handle(m):
        job.handle(m)
        if m["type"] == "started":
            pid["child"] = m["pid"]
        if m["type"] == "segment" and job.stored == 1:
            os.kill(pid["child"], signal.SIGKILL)  # like an out-of-memory kill

    with pytest.raises(JobCrashed, match="SIGKILL"):
        run_job(WORKER, job.params(), handle)
    assert "start again to continue" in job.finish(JobOutcome.INTERRUPTED, JobCrashed("killed"))
    stored = transcripts.list_segments(ws.db, sid)
    assert stored and "diane in new jersey" not in session_text(ws.db, sid)  # stopped early
    assert list_runs(ws, sid)[0]["status"] == "failed"
    resumed = SessionTranscription(ws, sid, settings)
    assert resumed.resumed and resumed.tasks[0].start_ms == max(s.end_ms for s in stored) - rec.offset_ms
    transcribe_session(ws, sid, settings)
    assert len(transcripts.list_segments(ws.db, sid)) > len(stored)
    assert_clean(ws.db, sid)
    assert [r["status"] for r in list_runs(ws, sid)] == ["failed", "done"]


def _old_transcript(ws, sid):
    """A session with a Whisper transcript from an earlier, finished run."""
    from focusdesk.core.model import Segment

    rec = import_audio_file(ws, sid, AUDIO / "jfk.flac")
    transcripts.add_segment(ws.db, Segment(sid, 0, 4000, "An earlier transcript", recording_id=rec.id,
                                           source="whisper"))
    job = SessionTranscription(ws, sid, Settings())
    job.handle({"type": "task", "task": 0, "start_s": 0.0})
    job.handle({"type": "task_done", "task": 0, "end_s": 11.0})
    assert job.finish() == "Done: 0 segment(s) stored."
    return [s.id for s in transcripts.list_segments(ws.db, sid)]


def test_a_restart_cancelled_before_the_child_produced_anything_keeps_the_old_transcript(seeded):
    import threading

    ws = seeded
    sid = sessions.session_by_name(ws.db, "Focus group 1").id
    old = _old_transcript(ws, sid)
    job = SessionTranscription(ws, sid, Settings(), restart=True)
    assert [t.start_ms for t in job.tasks] == [0]  # planned from the start, nothing deleted yet
    assert [s.id for s in transcripts.list_segments(ws.db, sid)] == old
    cancel = threading.Event()
    seen = []

    def on_message(m):
        seen.append(m["type"])
        if m["type"] == "started":  # the child is up but has sent nothing yet
            cancel.set()

    result = run_session_job(job, cancel=cancel, on_message=on_message)
    assert result.outcome is JobOutcome.CANCELLED and seen == ["started"]
    assert "transcript is as it was" in result.message
    assert [s.id for s in transcripts.list_segments(ws.db, sid)] == old
    assert [r["status"] for r in list_runs(ws, sid)] == ["done"]


def test_a_restart_that_runs_replaces_the_old_transcript(seeded):
    ws = seeded
    sid = sessions.session_by_name(ws.db, "Focus group 1").id
    _old_transcript(ws, sid)
    progress = []
    job = SessionTranscription(ws, sid, Settings(), restart=True)
    result = run_session_job(job, progress.append)
    assert result.outcome is JobOutcome.DONE and result.error is None
    assert result.message.startswith(f"Done: {job.stored} segment(s) stored")
    segs = transcripts.list_segments(ws.db, sid)
    assert segs and segs[0].start_ms == 0 and all(s.text != "An earlier transcript" for s in segs)
    text = session_text(ws.db, sid)
    assert "earlier transcript" not in text and wer(JFK, text) <= 0.1
    assert [r["status"] for r in list_runs(ws, sid)] == ["replaced", "done"]
    assert progress[-1].fraction == 1.0 and any("segment(s) stored" in p.text for p in progress)


def test_per_channel_recordings_get_one_speaker_per_channel(seeded):
    ws = seeded
    sid = sessions.session_by_name(ws.db, "Interview 1").id
    import_audio_file(ws, sid, AUDIO / "stereo-2spk.wav")
    transcribe_session(ws, sid, Settings(per_channel=True))
    segs = transcripts.list_segments(ws.db, sid)
    names = transcripts.speaker_names(ws.db, sid)
    by_channel = {s.channel: (names[s.speaker_id], norm(s.text)) for s in segs}
    assert by_channel[0][0] == "S1" and wer(STEREO_LEFT, by_channel[0][1]) <= 0.15
    assert by_channel[1][0] == "S2" and wer(STEREO_RIGHT, by_channel[1][1]) <= 0.2


def test_no_network_connection_is_opened_by_either_engine(seeded, monkeypatch, tmp_path):
    log = tmp_path / "network.log"
    monkeypatch.setenv("FOCUSDESK_FORBID_NETWORK", "1")
    monkeypatch.setenv("FOCUSDESK_NETWORK_LOG", str(log))
    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path / "fresh-cache"))  # conversion included
    ws = seeded
    sid = sessions.session_by_name(ws.db, "Focus group 1").id
    import_audio_file(ws, sid, AUDIO / "jfk.flac")
    for engine in ("faster", "openai"):
        transcribe_session(ws, sid, Settings(engine=engine, beam_size=1), restart=True)
        assert_close(session_text(ws.db, sid), JFK, 0.1)
    assert not log.exists(), log.read_text()


def test_cli_transcribe_file_offline_prints_the_sentence(tmp_path):
    env = dict(os.environ, FOCUSDESK_FORBID_NETWORK="1", FOCUSDESK_NETWORK_LOG=str(tmp_path / "net.log"))
    for engine in ("faster", "openai"):
        out = subprocess.run([sys.executable, "-m", "focusdesk", "transcribe-file",
                              str(AUDIO / "jfk.flac"), "--engine", engine, "--beam-size", "1"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert out.returncode == 0, out.stderr
        assert_close(out.stdout, JFK, 0.1)
        assert "100%" in out.stderr
    assert not (tmp_path / "net.log").exists()


def test_cli_transcribe_file_formats(capsys):
    assert cli.main(["transcribe-file", str(AUDIO / "stereo-2spk.wav"), "--per-channel",
                     "--format", "vtt", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("WEBVTT") and "[channel 2] The horizon" in out and " --> " in out
    assert cli.main(["transcribe-file", str(AUDIO / "jfk.flac"), "--format", "json", "-q"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["engine"] == "faster" and data["language"] == "en"
    assert data["segments"][0]["words"][0]["probability"] > 0
    # the vocabulary reaches the job and spells the names the study's way
    assert cli.main(["transcribe-file", str(AUDIO / "telephone-2spk.wav"), "--vocabulary",
                     "Dianne, Sheilagh", "-q"]) == 0
    out = capsys.readouterr().out
    assert "This is Dianne" in out and "Sheilagh" in out and len(out.split()) > 50


def test_cli_bad_inputs_give_clear_errors(tmp_path, capsys):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("not audio\n" * 50)
    corrupt = []
    for seed in (0, 1):  # 0: no packet decodes at all; 1: the demuxer gives up
        corrupt.append(tmp_path / f"corrupt{seed}.flac")
        corrupt[-1].write_bytes((AUDIO / "jfk.flac").read_bytes()[:64] + np.random.default_rng(seed)
                                .integers(0, 256, 40000, dtype=np.uint8).tobytes())
    odd = tmp_path / "odd-codec.wav"  # a WAV whose format tag no decoder knows
    pcm = (AUDIO / "telephone-2spk.wav").read_bytes()
    odd.write_bytes(pcm[:20] + (0x5A5A).to_bytes(2, "little") + pcm[22:])
    for path in (empty, text, *corrupt, odd, tmp_path / "missing.wav"):
        rc = cli.main(["transcribe-file", str(path), "-q"])
        err = capsys.readouterr().err
        assert rc == 2, (path, err)
        assert err.startswith("focusdesk: ") and "Traceback" not in err
    rc = cli.main(["transcribe-file", str(AUDIO / "jfk.flac"), "--model", "small", "-q"])
    assert rc == 2 and "focusdesk models download small" in capsys.readouterr().err


def test_cli_transcribe_session_progress_and_resume_message(seeded, capsys):
    ws = seeded
    sid = sessions.session_by_name(ws.db, "Focus group 1").id
    import_audio_file(ws, sid, AUDIO / "jfk.flac")
    # pretend an earlier run was killed after the first sentence
    SessionTranscription(ws, sid, Settings())  # plan only
    from focusdesk.core.model import Segment

    rec = transcripts.list_recordings(ws.db, sid)[0]
    transcripts.add_segment(ws.db, Segment(sid, 0, 8060, "And so, my fellow Americans ask not what "
                                           "your country can do for you", recording_id=rec.id))
    args = ["--workspace", str(ws.root), "transcribe", "Focus group 1"]
    ws.close()
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    assert "Resuming after the last stored segment: jfk.flac at 00:00:08" in out
    assert "Transcribed Focus group 1" in out and "100%" in err
    assert cli.main(args) == 0
    assert "Nothing to transcribe" in capsys.readouterr().out


def test_cli_models_list_and_download_offline(capsys, monkeypatch, tmp_path):
    import socket

    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("tiny.en"))
    assert "faster,openai" in row and "English" in row and "bundled" in row and " MB" in row
    monkeypatch.setenv("FOCUSDESK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def unreachable(self, *args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", unreachable)
    assert cli.main(["models", "download", "base.en"]) == 2
    err = capsys.readouterr().err
    assert "needs an internet connection" in err and "tiny.en model works offline" in err
    assert "Traceback" not in err


def test_a_full_disk_mid_job_loses_nothing_and_the_next_run_resumes(tmp_path, long_clip):
    """The disk fills while segments arrive: what was stored stays, the error says what to do,
    and once there is room the same command carries on without gaps or duplicates."""
    from focusdesk.core.model import Session, SessionKind
    from focusdesk.store.workspace import open_workspace

    with small_disk(tmp_path / "disk", "6m") as disk:
        filler = disk / "filler"
        ws = open_workspace(disk / "study")
        sid = sessions.add_session(ws.db, Session(name="Call", kind=SessionKind.INTERVIEW)).id
        import_audio_file(ws, sid, long_clip)
        job = SessionTranscription(ws, sid, Settings(window_s=30))

        def handle(m):
            if m["type"] == "segment" and job.stored == 2 and not filler.exists():
                fill_disk(filler)
            job.handle(m)

        with pytest.raises(Exception, match="full"):
            run_job(WORKER, job.params(), handle)
        kept = transcripts.list_segments(ws.db, sid)
        assert len(kept) >= 2
        # the CLI says it in words while the disk is still full
        out = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(ws.root), "transcribe", "Call"],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert out.returncode == 2 and "full" in out.stderr and "Traceback" not in out.stderr
        filler.unlink()
        transcribe_session(ws, sid, Settings(window_s=30))
        assert len(transcripts.list_segments(ws.db, sid)) > len(kept)
        assert_clean(ws.db, sid)  # every part, the last one included
        ws.close()
