"""Persistent preferences through QSettings (remembered devices, recent workspaces, keys)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

MAX_RECENT = 8


def settings() -> QSettings:
    return QSettings("focusdesk", "focusdesk")


def value(key: str, default=None, type_=None):
    s = settings()
    if type_ is not None:
        return s.value(key, default, type=type_)
    return s.value(key, default)


def set_value(key: str, val) -> None:
    s = settings()
    s.setValue(key, val)
    s.sync()


def recent_workspaces() -> list[str]:
    items = settings().value("workspaces/recent", [], type=list)
    return [str(i) for i in items if i]


def add_recent_workspace(path: str) -> None:
    items = [path] + [p for p in recent_workspaces() if p != path]
    set_value("workspaces/recent", items[:MAX_RECENT])


