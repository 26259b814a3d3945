"""Checking a file a user names as input before anything reads it.

A folder, a named pipe (which would block a read for ever), a device such as ``/dev/zero``
(which never ends), a missing file and a file the user may not read each get their own words,
so no import reports "does not exist" for a folder or "not a format I know" for a permission.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from focusdesk.core.errors import UserError


class InputFileError(UserError, ValueError):
    """A named input is not a readable regular file; the message says what it is instead."""

    title = "Cannot use this file"


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def check_input_file(path: Path | str, what: str = "file") -> Path:
    """``path`` as a Path when it is a regular file that can be opened for reading; else
    :class:`InputFileError` saying what it is (folder, pipe, device, missing, not permitted)."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"There is no {what} {path}. Check the name and the folder.") from None
    except PermissionError:
        raise InputFileError(f"focusdesk has no permission to look at {path}. Check the "
                             "permissions of the folder it is in.") from None
    except OSError as exc:
        raise InputFileError(f"{path} cannot be read ({exc.strerror or type(exc).__name__}).") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{path} is a folder, not {_a(what)}. Choose a file inside it.")
    if stat.S_ISFIFO(mode):
        raise InputFileError(f"{path} is a named pipe (FIFO), not {_a(what)}. Save what it carries "
                             "to a file first, then choose that file.")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InputFileError(f"{path} is a device, not {_a(what)}. Choose a saved file.")
    if stat.S_ISSOCK(mode):
        raise InputFileError(f"{path} is a socket, not {_a(what)}. Choose a saved file.")
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{path} is not a regular file. Choose a saved file.")
    try:
        fd = os.open(path, os.O_RDONLY)
    except PermissionError:
        raise InputFileError(f"focusdesk has no permission to read {path}. Check the file's "
                             "permissions (or copy it somewhere you can read) and try again.") from None
    except OSError as exc:
        raise InputFileError(f"{path} cannot be read ({exc.strerror or type(exc).__name__}).") from None
    os.close(fd)
    return path
