"""Protecting and unprotecting an existing study is crash-safe: a process killed with SIGKILL at
every step of ``study protect`` (and at several of ``study unprotect``) leaves a study that opens
in one whole form, the old or the new, with all its data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AUDIO, ROOT

from focusdesk.audio.decode import decode_audio
from focusdesk.audio.media import import_audio_file
from focusdesk.audio.probe import sha256_file
from focusdesk.core.model import Session, SessionKind, Study
from focusdesk.store import sessions, study, transcripts
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.convert import STATE_NAME, protect_study
from focusdesk.store.protect.sealed import is_sealed
from focusdesk.store.workspace import DB_NAME, open_workspace

PASSPHRASE = "converted passphrase"
PROTECT_STEPS = 10  # state, key, database, 2 media, decision, database, 2 media, done


@pytest.fixture(autouse=True)
def _fresh_keyring():
    keyring.forget_all()
    yield
    keyring.forget_all()


@pytest.fixture(scope="module")
def plain_study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("plain") / "study"
    with open_workspace(root) as ws:
        study.save_study(ws.db, Study(title="Convert me"))
        s = sessions.add_session(ws.db, Session("S1", SessionKind.INTERVIEW))
        import_audio_file(ws, s.id, AUDIO / "stereo-2spk.wav")
        import_audio_file(ws, s.id, AUDIO / "jfk.flac")
    return root


def _convert(root: Path, action: str, kill_at: int, pw: Path) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FOCUSDESK_CONVERT_KILL_AT=str(kill_at))
    proc = subprocess.run([sys.executable, "-m", "focusdesk", "-w", str(root), "--passphrase-file",
                           str(pw), "study", action], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    return proc.returncode


def _form(root: Path) -> str:
    """Open the study (which finishes or rolls back a cut conversion) and check it is whole."""
    ws = open_workspace(root, passphrase=PASSPHRASE)
    try:
        assert not (root / STATE_NAME).exists()
        assert not list(root.rglob("*.fdconv")) and not (root / "focusdesk.key.new").exists()
        assert study.get_study(ws.db).title == "Convert me"
        recs = transcripts.list_recordings(ws.db, 1)
        assert len(recs) == 2
        sealed = {is_sealed(ws.resolve(r.path)) for r in recs}
        for r in recs:
            assert sha256_file(ws.resolve(r.path)) == r.sha256  # the same content, whole
        assert len(decode_audio(ws.resolve(recs[0].path))) == 80000
        db_plain = (root / DB_NAME).read_bytes()[:16] == b"SQLite format 3\x00"
        protected = keyfile.is_protected(root)
        assert ws.protected == protected
        assert sealed == {protected} and db_plain != protected, "a mix of old and new"
        return "protected" if protected else "plain"
    finally:
        ws.close()
        keyring.forget_all()


def test_protect_killed_at_every_step_leaves_one_whole_form(plain_study, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text(PASSPHRASE + "\n")
    seen = {}
    for step in range(1, PROTECT_STEPS + 2):
        root = tmp_path / f"k{step}"
        shutil.copytree(plain_study, root)
        code = _convert(root, "protect", step, pw)
        assert code == (-9 if step <= PROTECT_STEPS else 0), (step, code)
        seen[step] = _form(root)
    # Killed before the decision it is rolled back; after it, finished on the next opening.
    assert seen == {n: ("plain" if n < 6 else "protected") for n in seen}, seen


def test_unprotect_killed_leaves_one_whole_form(plain_study, tmp_path):
    protected = tmp_path / "protected"
    shutil.copytree(plain_study, protected)
    protect_study(protected, PASSPHRASE)
    keyring.forget_all()
    pw = tmp_path / "pw"
    pw.write_text(PASSPHRASE)
    seen = {}
    for step in (3, 5, 8, 20):
        root = tmp_path / f"u{step}"
        shutil.copytree(protected, root)
        code = _convert(root, "unprotect", step, pw)
        assert code == (0 if step == 20 else -9), (step, code)
        seen[step] = _form(root)
    assert seen == {3: "protected", 5: "plain", 8: "plain", 20: "plain"}, seen


def test_a_rollback_removes_a_cut_export_journal_and_keeps_private_files_private(plain_study,
                                                                                tmp_path):
    """Killed inside a database export, SQLite leaves the new file's journal beside it: the
    rollback removes it with the file. A converted backup keeps its 0600."""
    import json
    import stat

    from focusdesk.store import backups
    from focusdesk.store.protect.convert import finish_interrupted, unprotect_study

    root = tmp_path / "study"
    shutil.copytree(plain_study, root)
    with open_workspace(root) as ws:
        b = backups.create_backup(ws)
    rel = f"backups/{b.path.name}"
    for suffix in (".fdconv", ".fdconv-journal"):
        (root / (rel + suffix)).write_bytes(b"half an export")
    (root / STATE_NAME).write_text(json.dumps({"direction": "protect", "phase": "prepare",
                                               "files": [DB_NAME, rel], "caches": []}))
    assert finish_interrupted(root)
    assert sorted(p.name for p in (root / "backups").iterdir()) == sorted(
        [b.path.name, f"{b.id}.json"])
    key, _ = protect_study(root, PASSPHRASE)
    assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
    unprotect_study(root, key)
    assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
