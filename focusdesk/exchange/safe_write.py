"""Write an export so that a crash never leaves a half file that looks complete.

The bytes go to a temporary file in the target's folder (hidden, ``.NAME.XXXXXXXX.part``, readable
by its owner only while it is written), are flushed to disk, and the file is renamed over the
target in one step (rename is atomic within a folder). A ``.part`` left by a killed export is
removed by the next export into that folder (:func:`clean_stale_parts`).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from focusdesk.core.durable import fsync_dir
from focusdesk.core.errors import UserError


class MissingFolderError(UserError, OSError):
    """The export's folder is not there (an OSError, as callers expect, worded for the user)."""

    title = "No such folder"


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MissingFolderError(f"The folder {folder} does not exist; choose an existing folder.")
    clean_stale_parts(folder, target.name)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)  # mkstemp made it 0600: private while it is written
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
        fsync_dir(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_PART = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.part$")
STALE_PART_S = 60  # a live export rewrites its .part all the time; one untouched this long is dead


def clean_stale_parts(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the hidden ``.part`` files killed exports left in ``folder``: those of ``name`` (the
    export about to replace it) and any untouched for a minute. Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _PART.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            stale = match["name"] == name or now - entry.stat().st_mtime > STALE_PART_S
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _file_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets what the user's umask allows
    (mkstemp alone would leave it readable by its owner only)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_bytes(target: Path | str, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(target, text.encode(encoding))


def write_with(target: Path | str, writer: Callable[[Path], None]) -> Path:
    """Let ``writer`` fill a temporary path (e.g. ``Document.save``), then rename it in place."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)
