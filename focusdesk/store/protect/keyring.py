"""The study keys this process has unlocked, held in memory only.

Why a process-wide ring: a sealed media file names its key by id in its header, so whatever
reads it (the decoder, the waveform job, an exporter) finds the key here instead of having it
passed down every call. Writers ask by folder (:func:`key_for_path`): a file created under a
protected study's folder is sealed with that study's key. A job's child process gets the ring
through its params (:func:`snapshot` / :func:`adopt`), never through a file.
"""

from __future__ import annotations

import threading
from pathlib import Path

from focusdesk.core.errors import UserError
from focusdesk.store.protect.keyfile import StudyKey

_lock = threading.Lock()
_keys: dict[bytes, StudyKey] = {}
_roots: dict[Path, bytes] = {}


class KeyNotUnlocked(UserError, ValueError):
    """A sealed file whose study has not been unlocked in this process."""

    title = "Study locked"


def _norm(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def remember(key: StudyKey, root: Path | None = None) -> None:
    with _lock:
        _keys[key.key_id] = key
        if root is not None:
            _roots[_norm(root)] = key.key_id


def _drop_ciphers() -> None:
    from focusdesk.store.protect import sealed  # (sealed imports this module)

    sealed.forget_ciphers()


def forget(key_id: bytes) -> None:
    with _lock:
        _keys.pop(key_id, None)
        for root in [r for r, k in _roots.items() if k == key_id]:
            del _roots[root]
    _drop_ciphers()


def forget_root(root: Path) -> None:
    with _lock:
        _roots.pop(_norm(root), None)


def forget_all() -> None:
    with _lock:
        _keys.clear()
        _roots.clear()
    _drop_ciphers()


def lookup(key_id: bytes) -> StudyKey:
    with _lock:
        key = _keys.get(key_id)
    if key is None:
        raise KeyNotUnlocked("This file belongs to a protected study that is not open. Open the "
                             "study with its passphrase first.")
    return key


def get(key_id: bytes) -> StudyKey | None:
    with _lock:
        return _keys.get(key_id)


def key_for_root(root: Path) -> StudyKey | None:
    with _lock:
        key_id = _roots.get(_norm(root))
        return _keys.get(key_id) if key_id else None


def key_for_path(path: Path) -> StudyKey | None:
    """The key of the protected study whose folder holds ``path`` (None: a plain study or none)."""
    target = _norm(path)
    with _lock:
        for root, key_id in _roots.items():
            if target == root or root in target.parents:
                return _keys.get(key_id)
    return None


def snapshot() -> dict:
    """Plain picklable values for a child process's job params (sent over a pipe, not a file)."""
    with _lock:
        return {"keys": {k.hex(): v.dek.hex() for k, v in _keys.items()},
                "roots": {str(r): k.hex() for r, k in _roots.items()}}


def adopt(data: dict | None) -> None:
    """In a child process: take the parent's keys."""
    if not data:
        return
    with _lock:
        for kid, dek in data.get("keys", {}).items():
            _keys[bytes.fromhex(kid)] = StudyKey(bytes.fromhex(kid), bytes.fromhex(dek))
        for root, kid in data.get("roots", {}).items():
            _roots[Path(root)] = bytes.fromhex(kid)
