"""Stopgap for a reference-count bug in PySide6 6.12.0 on CPython 3.11.

There, Qt methods that return nothing hand Python ``None`` without taking a reference to it, so
every such call from Python (``update()``, ``setText()``, ``setChecked()`` …) leaves None's count
one lower; ``Signal.emit()`` does the same to ``True``. At the few hundred calls a second of the
transcript editor's follow mode the count reaches zero after two or three minutes of playback and
CPython aborts the process ("deallocating None" / "deallocating True or False"). CPython 3.12 made
these objects immortal and PySide6 6.11 does not have the bug; until the environment moves to one
of those, :func:`apply` measures the leak and gives each leaked singleton a reference count so
large that it cannot run down (what 3.12 does by design). It changes nothing elsewhere.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40  # decades of lost references at thousands a second
_applied = False


def leaked() -> list[object]:
    """The singletons (None, True) that PySide6 calls drop references to, measured here."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return []  # immortal: nothing can run them down
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal(bool)

    probe = _Probe()
    out: list[object] = []
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    if sys.getrefcount(None) <= before - 16:
        out.append(None)
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.fired.emit(False)
    if sys.getrefcount(True) <= before - 16:
        out.extend([True, False])  # emit's result; False too, in case a call returns it
    return out


def leaks_none() -> bool:
    return None in leaked()


def apply() -> bool:
    """Protect the singletons this PySide6 leaks; returns whether a leak was found."""
    global _applied
    if _applied:
        return True
    found = leaked()
    for obj in found:
        # ob_refcnt is the first field of every CPython object; id() is the object's address.
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    _applied = bool(found)
    return _applied
