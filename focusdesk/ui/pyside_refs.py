"""Stopgap for a reference-count bug in PySide6 6.12.0 on CPython 3.11.

There, Qt methods that return nothing hand Python ``None`` without taking a reference to it, so
every such call from Python (``update()``, ``setText()``, ``setChecked()`` …) leaves None's count
one lower. At the few hundred calls a second of the transcript editor's follow mode the count
reaches zero after two or three minutes of playback and CPython aborts the process ("deallocating
None"). CPython 3.12 made None immortal and PySide6 6.11 does not have the bug; until the
environment moves to one of those, :func:`apply` detects the bug and gives None a reference count
so large that it cannot run down (what 3.12 does by design). It changes nothing elsewhere.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40  # decades of lost references at thousands a second
_applied = False


def leaks_none() -> bool:
    """True when calling a void Qt method drops a reference to None (measured, not guessed)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False  # None is immortal: nothing can run it down
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - 16


def apply() -> bool:
    """Protect None when this PySide6 leaks it; returns whether the bug was found."""
    global _applied
    if _applied or not leaks_none():
        return _applied
    # ob_refcnt is the first field of every CPython object; id() is the object's address.
    ctypes.c_ssize_t.from_address(id(None)).value += _HEADROOM
    _applied = True
    return True
