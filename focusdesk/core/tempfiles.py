"""Private temporary folders, and what a crash left of them.

Work that needs scratch files outside the study (a QDPX export joining a session's audio, a
QDPX import unpacking a project's media, the demo's speech synthesis) takes a folder from
:func:`private_folder`: made 0700 by ``tempfile`` under the system temporary folder and named
``focusdesk-<pid>-<purpose>-XXXXXXXX`` after the process that owns it. Such files can be a
participant's voice, so a crash (kill -9, power loss) must not leave them behind for good: at
start the window and the CLI call :func:`remove_stale`, which deletes the folders whose owner is
no longer alive.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "focusdesk-"
_NAME = re.compile(r"^focusdesk-(\d+)-[a-z][a-z0-9]*-")


def private_folder(purpose: str) -> AbstractContextManager[str]:
    """A private (0700) scratch folder, removed with what is in it when the block ends;
    ``purpose`` (lowercase letters, digits) names what it is for."""
    if not re.fullmatch(r"[a-z][a-z0-9]*", purpose):
        raise ValueError(f"purpose must be lowercase letters and digits: {purpose!r}")
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-{purpose}-")


def owner_pid(folder: Path) -> int | None:
    """The process id a scratch folder is named after, None for any other name."""
    m = _NAME.match(Path(folder).name)
    return int(m.group(1)) if m else None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (a reused id counts as alive: its folder waits)."""
    if pid <= 0:
        return False
    if os.name == "nt":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:
    import ctypes  # os.kill(pid, 0) would end the process on Windows

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def remove_stale(root: Path | str | None = None) -> list[Path]:
    """Delete the scratch folders (under ``root``, default the system temporary folder) whose
    owning process has ended; returns them. Only this user's folders with our name pattern are
    touched, and a failure to delete one is logged, never raised: starting must not fail here."""
    root = Path(root) if root is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for folder in entries:
        pid = owner_pid(folder)
        if pid is None or pid == os.getpid() or pid_alive(pid):
            continue
        try:
            st = folder.lstat()
            if not folder.is_dir() or folder.is_symlink() or (uid is not None and st.st_uid != uid):
                continue
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("could not remove a stale temporary folder %s: %s", folder.name, exc)
            continue
        removed.append(folder)
    if removed:
        log.info("removed %d temporary folder(s) left by ended processes", len(removed))
    return removed
