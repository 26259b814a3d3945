"""Protected studies in the window: the passphrase dialog when a protected study opens (a wrong
one is said and changes nothing), the new-study offer with the recovery key shown once, the
Study menu's Protect study… / Change passphrase… / Remove protection…, and playback of a sealed
recording through the decrypting QIODevice."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import AUDIO
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from test_editor_playback import CHILD, RATE, _session_with_two_tones

from focusdesk.audio.media import import_audio_file
from focusdesk.core.model import Session, SessionKind, Study
from focusdesk.store import sessions, study, transcripts
from focusdesk.store.protect import keyfile, keyring
from focusdesk.store.protect.convert import create_protected
from focusdesk.store.protect.sealed import MAGIC, is_sealed
from focusdesk.store.workspace import open_workspace
from focusdesk.ui import protection
from focusdesk.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _fresh_keyring():
    keyring.forget_all()
    yield
    keyring.forget_all()


def on_dialog(kind, act, seen: list):
    """Run ``act(dialog)`` on the next modal dialog of ``kind`` once it is up."""
    def handle():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(20, handle)
            return
        seen.append(dialog)
        act(dialog)
    QTimer.singleShot(0, handle)


def _digest(root) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".focusdesk.rwlock"}


def test_opening_a_protected_study_asks_and_a_wrong_passphrase_changes_nothing(qtbot, tmp_path):
    root = tmp_path / "study"
    create_protected(root, "window passphrase")
    with open_workspace(root) as ws:
        study.save_study(ws.db, Study(title="Locked"))
    keyring.forget_all()
    before = _digest(root)
    seen, messages = [], []

    def wrong_then_right(dialog):
        dialog.field.setText("window passphrasE")
        dialog.try_open()
        messages.append((dialog.isVisible(), dialog.message.text()))
        assert _digest(root) == before
        dialog.field.setText("window passphrase")
        dialog.try_open()

    on_dialog(protection.PassphraseDialog, wrong_then_right, seen)
    ws = protection.open_study(None, root)
    try:
        assert seen and messages[0][0] and "passphrase is not right" in messages[0][1]
        assert ws.protected and ws.exclusive and study.get_study(ws.db).title == "Locked"
    finally:
        ws.close()
    # Cancel opens nothing; the recovery-key box takes the recovery key instead.
    on_dialog(protection.PassphraseDialog, lambda d: d.reject(), seen)
    assert protection.open_study(None, root) is None
    assert _digest(root) == before


def test_new_study_offer_shows_the_recovery_key_once(qtbot, tmp_path):
    root = tmp_path / "new"
    seen, shown = [], []

    def fill(dialog):
        assert dialog.protect.isVisible() and not dialog.protect.isChecked()
        dialog.protect.setChecked(True)
        dialog.first.setText("a new passphrase")
        dialog.second.setText("a new passphrase!")
        dialog._check()
        shown.append(dialog.message.text())
        dialog.second.setText("a new passphrase")
        on_dialog(protection.RecoveryKeyDialog, keep_key, seen)
        dialog._check()

    def keep_key(dialog):
        ok = dialog.buttons.buttons()[0]
        shown.append((dialog.key.text(), ok.isEnabled()))
        dialog.reject()  # Esc does not skip it
        assert dialog.isVisible()
        dialog.stored.setChecked(True)
        ok.click()

    on_dialog(protection.NewPassphraseDialog, fill, seen)
    assert protection.offer_protection(None, root)
    assert "differ" in shown[0]
    recovery, enabled_before = shown[1]
    assert not enabled_before and recovery.count("-") == 7
    keyring.forget_all()
    with open_workspace(root, recovery_key=recovery) as ws:
        assert ws.protected


def test_study_menu_protects_changes_passphrase_and_removes_protection(qtbot, tmp_path):
    ws = open_workspace(tmp_path / "study", exclusive=True)
    study.save_study(ws.db, Study(title="From the menu"))
    s = sessions.add_session(ws.db, Session("S1", SessionKind.INTERVIEW))
    import_audio_file(ws, s.id, AUDIO / "stereo-2spk.wav")
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    media = window.workspace.resolve(transcripts.list_recordings(ws.db, s.id)[0].path)
    seen: list = []
    try:
        def new_pass(dialog):
            dialog.first.setText("menu passphrase")
            dialog.second.setText("menu passphrase")
            on_dialog(protection.RecoveryKeyDialog, lambda d: (d.stored.setChecked(True),
                                                               d.accept()), seen)
            dialog._check()

        on_dialog(protection.NewPassphraseDialog, new_pass, seen)
        protection.protect_window_study(window)
        assert window.workspace.protected and window.workspace.exclusive
        assert is_sealed(media) and media.read_bytes()[:8] == MAGIC
        assert study.get_study(window.workspace.db).title == "From the menu"
        sealed_bytes = media.read_bytes()

        def other_pass(dialog):
            dialog.first.setText("second menu passphrase")
            dialog.second.setText("second menu passphrase")
            dialog._check()

        on_dialog(protection.NewPassphraseDialog, other_pass, seen)
        protection.change_window_passphrase(window)
        path = keyfile.key_path(window.workspace.root)
        keyfile.unlock(path, passphrase="second menu passphrase")
        with pytest.raises(keyfile.WrongPassphrase):
            keyfile.unlock(path, passphrase="menu passphrase")
        assert media.read_bytes() == sealed_bytes

        from PySide6.QtWidgets import QMessageBox

        on_dialog(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Yes).click(),
                  seen)
        protection.unprotect_window_study(window)
        assert not window.workspace.protected and not keyfile.is_protected(window.workspace.root)
        assert not is_sealed(media) and media.read_bytes() == (AUDIO / "stereo-2spk.wav").read_bytes()
    finally:
        window.close()
    assert [type(d).__name__ for d in seen] == [
        "NewPassphraseDialog", "RecoveryKeyDialog", "NewPassphraseDialog", "QMessageBox"]


def test_sealed_recording_plays_through_the_decrypting_device(tmp_path):
    """The editor in a child process (Qt's audio connects once per process) plays a protected
    study's sealed recording: click a word, Esc, and its tone reaches the PulseAudio sink."""
    from pulse import PulseServer, dominant_frequency

    from focusdesk.core.model import Participant, Site

    root = tmp_path / "study"
    create_protected(root, "playback passphrase")
    ws = open_workspace(root)
    try:
        study.save_study(ws.db, Study(title="Playback"))
        site = study.add_site(ws.db, Site("A"))
        study.add_participant(ws.db, Participant(code="P01", site_id=site.id))
        sessions.add_session(ws.db, Session("Focus group 1", SessionKind.FOCUS_GROUP, site.id))
        s = _session_with_two_tones(ws)
        # The helper writes a plain WAV: seal it as an import would, and point the recording at it.
        plain = ws.session_dir(s.id) / "tones.wav"
        rec = import_audio_file(ws, s.id, plain, again=True)
        ws.db["recordings"].delete_where("path = ?", [ws.relative(plain)])
        plain.unlink()
        ws.db["recordings"].update(rec.id, {"offset_ms": 0})
        assert is_sealed(ws.resolve(rec.path))
    finally:
        ws.close()
    with PulseServer(rate=RATE) as pulse:
        raw, out = tmp_path / "sink.raw", tmp_path / "result.json"
        parec = subprocess.Popen(["parec", "-d", "focus_sink.monitor", "--format=s16le",
                                  f"--rate={RATE}", "--channels=1", str(raw)],
                                 env=pulse.client_env())
        try:
            time.sleep(0.3)
            env = pulse.client_env()
            env.update(QT_QPA_PLATFORM="offscreen", FOCUSDESK_TEST_PASSPHRASE="playback passphrase")
            child = subprocess.run([sys.executable, str(CHILD), str(root), str(s.id), str(out)],
                                   env=env, capture_output=True, text=True, timeout=90)
            time.sleep(0.3)
        finally:
            parec.terminate()
            parec.wait(timeout=10)
    assert child.returncode == 0, child.stderr[-3000:]
    got = json.loads(out.read_text())
    assert got["played"] and got["reached"] and got["closed"], got
    samples = np.fromfile(raw, dtype=np.int16).astype(np.float32) / 32768
    assert len(samples[np.abs(samples) > 0.05]) > RATE // 2
    assert abs(dominant_frequency(samples, RATE) - 1000) < 20
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".wav")]  # no plaintext copy made
