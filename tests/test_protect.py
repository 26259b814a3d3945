"""Protected studies: a whole study worked through the CLI while encrypted, then every file in its
folder scanned for what must never be there in the clear; the key file's passphrase, recovery
key and passphrase change; the sealed format's random access and damage detection."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import AUDIO, ROOT
from plaintext_scan import leaks, pcm_runs, word_needles

from focusdesk.audio.decode import decode_audio, stream_audio
from focusdesk.audio.media import import_audio_file
from focusdesk.audio.probe import sha256_file
from focusdesk.core.model import Session, SessionKind, Study
from focusdesk.store import sessions, study, transcripts
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.convert import create_protected
from focusdesk.store.protect.keyfile import WrongPassphrase
from focusdesk.store.protect.sealed import (
    MAGIC,
    SealedFileError,
    SealedReader,
    SealedWriter,
    seal_file,
)
from focusdesk.store.workspace import PassphraseNeeded, open_workspace

CLIP = AUDIO / "telephone-2spk.wav"
WORDS = ["Chicago", "Jersey", "Texas", "Yankee", "originally"]  # said in the clip


@pytest.fixture(autouse=True)
def _fresh_keyring():
    keyring.forget_all()
    yield
    keyring.forget_all()


def _cli(root: Path, *args: str, passphrase: Path | None = None, check: bool = True,
         **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    pre = ["--passphrase-file", str(passphrase)] if passphrase else []
    proc = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(root), *pre, *args],
                          env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=kw.pop("timeout", 240), **kw)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                             p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".focusdesk.rwlock"}


def test_protected_study_worked_through_and_nothing_in_the_clear(tmp_path):
    root, out = tmp_path / "study", tmp_path / "out"
    out.mkdir()
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery staple\n")
    made = _cli(root, "study", "init", "--protect", "--title", "Protected study", passphrase=pw)
    recovery = made.stdout.split("Recovery key")[1].split("\n")[1].strip()
    assert len(recovery) == 39 and recovery.count("-") == 7
    _cli(root, "session", "add", "Call", "--kind", "telephone-interview", passphrase=pw)
    _cli(root, "import-audio", str(CLIP), "--session", "Call", passphrase=pw)
    _cli(root, "transcribe", "Call", passphrase=pw)
    _cli(root, "diarize", "Call", "--speakers", "2", passphrase=pw)
    _cli(root, "code", "add", "--session", "Call", "--code", "Places/Home town", "--from", "0:14",
         "--to", "0:21", "--create", passphrase=pw)
    _cli(root, "export", "Call", "--format", "docx", "-o", str(out / "call.docx"), passphrase=pw)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(out / "call.docx")).paragraphs)
    said = [w for w in WORDS if w.lower() in text.lower()]
    assert len(said) >= 3, text  # transcribed for real, and exported in the clear where asked

    # Reopening takes the passphrase; without one or with a wrong one nothing changes.
    before = _snapshot(root)
    no_tty = _cli(root, "study", "show", check=False)
    assert no_tty.returncode == 2 and "--passphrase-file" in no_tty.stderr
    wrong = tmp_path / "wrong"
    wrong.write_text("correct horse battery stapler\n")
    refused = _cli(root, "study", "show", passphrase=wrong, check=False)
    assert refused.returncode == 2 and "passphrase is not right" in refused.stderr
    assert _snapshot(root) == before
    shown = _cli(root, "study", "show", passphrase=pw).stdout
    assert "Protected study" in shown and "Protection: protected" in shown
    rk = tmp_path / "recovery"
    rk.write_text(recovery.lower().replace("-", " "))
    assert "Home town" in _cli(root, "--recovery-key-file", str(rk), "codings").stdout
    with open_workspace(root, passphrase="correct horse battery staple") as ws:
        assert ws.db["diarization_runs"].count == 1  # diarized: a run stored in the study
    keyring.forget_all()

    # No file of the study holds a transcript word, the clip's bytes or its samples in the clear.
    clip = CLIP.read_bytes()
    needles = word_needles(said)
    needles += [clip[i:i + 64] for i in range(1024, len(clip) - 64, len(clip) // 40)]
    needles += pcm_runs(CLIP)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert leaks(root, needles) == []
    # The scan finds them where they are in the clear: the plain export and the source clip.
    (out / "call.txt").write_text(text)
    assert leaks(out, [w.encode() for w in said]) and leaks(AUDIO, pcm_runs(CLIP)[:3])
    for path in files:
        if path.parent.name == "0001" and not path.name.endswith((".lock",)):
            assert path.read_bytes()[:8] == MAGIC, path.name


def _protected(tmp_path) -> tuple[Path, keyfile.StudyKey, str]:
    root = tmp_path / "study"
    key, recovery = create_protected(root, "first passphrase")
    with open_workspace(root) as ws:
        study.save_study(ws.db, Study(title="Sealed"))
        s = sessions.add_session(ws.db, Session("S1", SessionKind.INTERVIEW))
        import_audio_file(ws, s.id, AUDIO / "stereo-2spk.wav")
    keyring.forget_all()
    return root, key, recovery


def test_wrong_passphrase_changes_nothing_and_the_recovery_key_opens(tmp_path):
    root, _, recovery = _protected(tmp_path)
    before = _snapshot(root)
    with pytest.raises(PassphraseNeeded):
        open_workspace(root)
    with pytest.raises(WrongPassphrase, match="passphrase is not right"):
        open_workspace(root, passphrase="First passphrase")
    with pytest.raises(WrongPassphrase, match="not the one of this study"):
        open_workspace(root, recovery_key=keyfile.new_recovery_key())
    assert _snapshot(root) == before
    with open_workspace(root, recovery_key=recovery.replace("-", "")) as ws:
        assert study.get_study(ws.db).title == "Sealed"
        (rec,) = transcripts.list_recordings(ws.db, 1)
        assert rec.sha256 == sha256_file(AUDIO / "stereo-2spk.wav")  # the plaintext's checksum
        assert rec.sha256 == sha256_file(ws.resolve(rec.path))
    assert keyring.snapshot()["keys"] == {}  # closing forgets a key this opening unlocked


def test_change_passphrase_rewraps_the_key_and_leaves_media_alone(tmp_path):
    root, _, recovery = _protected(tmp_path)
    media = {p: p.read_bytes() for p in (root / "sessions").rglob("*") if p.is_file()}
    db = (root / "focusdesk.sqlite").read_bytes()
    key = keyfile.unlock(keyfile.key_path(root), passphrase="first passphrase")
    with pytest.raises(Exception, match="at least 8"):
        keyfile.change_passphrase(keyfile.key_path(root), key, "short")
    keyfile.change_passphrase(keyfile.key_path(root), key, "second passphrase")
    with pytest.raises(WrongPassphrase):
        open_workspace(root, passphrase="first passphrase")
    with open_workspace(root, passphrase="second passphrase") as ws:
        assert study.get_study(ws.db).title == "Sealed"
    with open_workspace(root, recovery_key=recovery) as ws:
        assert len(decode_audio(ws.resolve(transcripts.list_recordings(ws.db, 1)[0].path))) == 80000
    assert {p: p.read_bytes() for p in media} == media  # not one media byte rewritten
    assert (root / "focusdesk.sqlite").read_bytes()[:100] == db[:100]  # same database key


def test_sealed_files_seek_anywhere_and_show_damage_and_truncation(tmp_path):
    key = keyfile.build_key_file("a passphrase")[1]
    keyring.remember(key)
    plain = (AUDIO / "jfk.flac").read_bytes()
    sealed = tmp_path / "jfk.flac"
    with open(AUDIO / "jfk.flac", "rb") as src:
        seal_file(src, sealed, key, chunk=4096)
    rng = random.Random(1)
    with SealedReader(sealed) as fh:
        assert fh.complete and fh.size == len(plain)
        for _ in range(200):
            at, n = rng.randrange(len(plain)), rng.randrange(1, 20000)
            fh.seek(at)
            assert fh.read(n) == plain[at:at + n]
    # Decoding from an offset through the reader gives the same samples as the plain file.
    for start in (0.0, 3.3, 7.9):
        a = next(stream_audio(sealed, start_s=start, block_s=1.0))
        b = next(stream_audio(AUDIO / "jfk.flac", start_s=start, block_s=1.0))
        assert np.array_equal(a, b)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(sealed.read_bytes()[: sealed.stat().st_size // 2])
    with SealedReader(cut) as fh:
        assert not fh.complete and 0 < fh.size < len(plain)
        assert fh.read() == plain[:fh.size]
    bent = bytearray(sealed.read_bytes())
    bent[len(bent) // 3] ^= 0x01
    (tmp_path / "bent.flac").write_bytes(bytes(bent))
    with SealedReader(tmp_path / "bent.flac") as fh, pytest.raises(SealedFileError):
        fh.read()
    # A record moved into another file fails: each is bound to its file's id and index.
    with SealedWriter(tmp_path / "other", key, chunk=4096) as w:
        w.write(plain[:8192])
    other = bytearray((tmp_path / "other").read_bytes())
    first = len(MAGIC) + 32
    record = sealed.read_bytes()[first:first + 4096 + 33]
    other[first:first + len(record)] = record
    (tmp_path / "other").write_bytes(bytes(other))
    with SealedReader(tmp_path / "other") as fh, pytest.raises(SealedFileError):
        fh.read(10)


def test_a_job_child_reads_sealed_media_and_seals_the_waveform_cache(tmp_path):
    """A job's child process gets the unlocked key through its params (no file): the waveform
    job decodes a sealed recording and writes its cache sealed too."""
    from focusdesk.audio.peaks import cache_path, cached_peaks, compute_peaks
    from focusdesk.jobs.runner import run_job

    root, _, _ = _protected(tmp_path)
    with open_workspace(root, passphrase="first passphrase") as ws:
        media = ws.resolve(transcripts.list_recordings(ws.db, 1)[0].path)
        messages = []
        run_job("focusdesk.audio.peaks:peaks_job", {"paths": [str(media)]}, messages.append)
        assert [m["type"] for m in messages] == ["started", "peaks"], messages
        cache = cache_path(media)
        assert cache.read_bytes()[:8] == MAGIC
        assert np.array_equal(cached_peaks(media), compute_peaks(AUDIO / "stereo-2spk.wav"))
    assert cached_peaks(media) is None  # closed: the key is forgotten, the cache unreadable
