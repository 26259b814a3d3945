"""One way to read a media file of a study, protected or not.

Everything that reads audio (probing, decoding, waveforms, checksums, joining, playback) opens it
through :func:`open_media`: a plain file as it is, a sealed file through a decrypting reader
that seeks, so no plaintext copy is ever written. Writers ask :func:`study_key_for` whether the
folder they write into belongs to a protected study.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

from focusdesk.core.checksums import sha256_stream
from focusdesk.store.protect import keyring
from focusdesk.store.protect.keyfile import StudyKey
from focusdesk.store.protect.sealed import SealedReader, is_sealed, seal_file


def open_media(path: Path | str) -> BinaryIO:
    """A seekable binary file object over the file's plaintext; close it after use."""
    path = Path(path)
    if is_sealed(path):
        return SealedReader(path)
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def study_key_for(path: Path | str) -> StudyKey | None:
    """The key a new file at ``path`` must be sealed with; None where plaintext is fine."""
    return keyring.key_for_path(Path(path))


def copy_into_study(source: Path, target: Path) -> None:
    """Copy ``source`` to the new file ``target``, sealed when ``target`` is in a protected study."""
    key = study_key_for(target)
    if key is None:
        shutil.copyfile(source, target)
        return
    with open(source, "rb") as src:
        seal_file(src, target, key)


def content_sha256(path: Path | str) -> str:
    """The checksum of a media file's content (a sealed file's plaintext): the same before and
    after a study is protected."""
    with open_media(path) as fh:
        return sha256_stream(fh)


def media_size(path: Path | str) -> int:
    """The plaintext size in bytes."""
    with open_media(path) as fh:
        return fh.seek(0, 2)
