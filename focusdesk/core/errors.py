"""Known errors in words a user can act on, and a log line that carries no participant data.

The CLI (``cli.py``) and the window (``ui/errors.py``) both call :func:`translate`, so a full
disk, a study open elsewhere or a damaged file reads the same wherever it happens.
:func:`log_report` is what goes into the log file: the exception's type and the traceback's
frames (file, line, function), never the message text, which may quote a transcript or a name.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
REPORT_HINT = "The log has the details; Help ▸ Report a problem opens it."


class UserError(Exception):
    """An error whose message is written for the user: shown as it is, under ``title``."""

    title: ClassVar[str] = "focusdesk"


class DuplicateError(UserError, ValueError):
    """A name or code that must be unique is taken; the message names it and says what to do."""

    title = "Name already used"


@dataclass(frozen=True)
class UserMessage:
    title: str
    text: str
    expected: bool = True  # False: a bug; the message says so and points to the log


def disk_full_text(where: str | Path | None = None, free_bytes: int | None = None) -> str:
    """The one wording for a full disk (SQLite, audio, exports, opening a study)."""
    disk = f"The disk holding {where}" if where else "The disk"
    free = f" ({free_bytes // 1024} KB free)" if free_bytes is not None else ""
    return (f"{disk} is full{free}. Free some space, then try again; what was saved before is "
            "kept.")


def translate(exc: BaseException) -> UserMessage | None:
    """What to tell the user about ``exc``, or None when it is not a known kind of failure."""
    if isinstance(exc, UserError):
        return UserMessage(exc.title, str(exc))
    if isinstance(exc, OSError):
        return _os_error(exc)
    if _is_sqlite(exc):
        return _sqlite_error(exc)
    if _is_damaged_media(exc):
        return UserMessage("Damaged file", "The audio or model file could not be read: it is "
                           "damaged or not in a format focusdesk knows. Check the file, or use "
                           "another copy.")
    return None


def describe(exc: BaseException) -> UserMessage:
    """:func:`translate`, or a short 'this is a bug' message for anything unknown."""
    known = translate(exc)
    if known is not None:
        return known
    return UserMessage("Something went wrong",
                       f"focusdesk ran into an unexpected problem ({type(exc).__name__}). What was "
                       f"saved before is kept. {REPORT_HINT}", expected=False)


def _os_error(exc: OSError) -> UserMessage:
    name = f" {exc.filename}" if exc.filename else ""
    if exc.errno in DISK_FULL_ERRNOS:
        return UserMessage("Disk full", disk_full_text(exc.filename))
    if isinstance(exc, PermissionError):
        return UserMessage("Permission denied",
                           f"focusdesk may not open{name or ' a file it needs'}. Check the file's "
                           "permissions, or copy it somewhere you can read and write, and try again.")
    if isinstance(exc, FileNotFoundError):
        return UserMessage("File not found",
                           f"The file{name or ''} is not there any more. It may have been moved, "
                           "renamed or on a disk that is no longer connected.")
    if isinstance(exc, IsADirectoryError):
        return UserMessage("Not a file", f"{exc.filename or 'That'} is a folder; choose a file.")
    reason = exc.strerror or type(exc).__name__
    return UserMessage("Cannot read or write a file",
                       f"focusdesk could not read or write{name or ' a file'} ({reason}). Check "
                       "that the disk is connected and has room, then try again.")


def _is_sqlite(exc: BaseException, name: str = "Error") -> bool:
    """Whether ``exc`` is SQLite's ``name`` error, told by its class (core imports no SQL)."""
    # SQLCipher's (a protected study) are their own classes, from sqlcipher3.dbapi2.
    return any(c.__module__ in ("sqlite3", "sqlcipher3.dbapi2") and c.__name__ == name
               for c in type(exc).__mro__)


def _sqlite_error(exc: Exception) -> UserMessage | None:
    text = str(exc).lower()
    if "database or disk is full" in text:
        return UserMessage("Disk full", disk_full_text("the study folder"))
    if "disk i/o error" in text:
        return UserMessage("Cannot write the study",
                           "The study could not be read or written (a disk I/O error): the disk "
                           "may be full or disconnected. Free some space or reconnect it, then "
                           "try again; what was saved before is kept.")
    if "file is not a database" in text or "malformed" in text:
        return UserMessage("Damaged study file",
                           "The study's database file is damaged. Restore focusdesk.sqlite from a "
                           "backup; focusdesk keeps a .bak copy beside it before each upgrade.")
    if "readonly database" in text:
        return UserMessage("Study is read-only",
                           "The study's database file cannot be written (it is read-only, or "
                           "marked unchangeable). Nothing was changed. Showing, listing and "
                           "exporting still work; to change the study, fix the file's permissions "
                           "or copy the folder somewhere you can write.")
    if "database is locked" in text:
        return UserMessage("Study busy", "Another focusdesk is writing to this study. Wait a "
                           "moment and try again, or close the other focusdesk.")
    if _is_sqlite(exc, "IntegrityError") and "unique" in text:
        return UserMessage(DuplicateError.title, "That name is already used in this study; choose "
                           "another one. Nothing was changed.")
    return None


def _is_damaged_media(exc: BaseException) -> bool:
    """PyAV's InvalidDataError, without importing av here (core stays light)."""
    kind = type(exc)
    return kind.__name__ == "InvalidDataError" and kind.__module__.startswith("av")


# --- the log --------------------------------------------------------------------------------


def log_report(exc: BaseException) -> str:
    """The exception for the log file: types, safe details and frames, no message text.

    Messages are left out because they quote whatever failed (a transcript line, a participant's
    name, a file named after a person). What is kept: the type, an OSError's errno name, an
    SQLite error's code name, and each frame's file (from the package folder on), line and
    function; the same for the exceptions it was raised from.
    """
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if lines:
            lines.append("raised while handling / from:")
        lines.append(f"{_qualified(type(current))}{_safe_detail(current)}")
        lines += _frames(current.__traceback__)
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def _qualified(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"


def _safe_detail(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return f" [{errno.errorcode.get(exc.errno, exc.errno)}]"
    if _is_sqlite(exc) and getattr(exc, "sqlite_errorname", None):
        return f" [{exc.sqlite_errorname}]"
    return ""


def _frames(tb: TracebackType | None) -> list[str]:
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        out.append(f"  {_short_path(code.co_filename)}:{tb.tb_lineno} in {code.co_name}")
        tb = tb.tb_next
    return out


def _short_path(filename: str) -> str:
    """From the package folder on (``focusdesk/ui/x.py``, ``sqlite_utils/db.py``): no home folder,
    which would carry the user's account name."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "dist-packages"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) + 1:])
    if "focusdesk" in parts:
        i = len(parts) - 1 - parts[::-1].index("focusdesk")
        return "/".join(parts[i:])
    if "tests" in parts:
        return "/".join(parts[parts.index("tests"):])
    return parts[-1] if parts else filename
