"""The layering rule: only focusdesk/ui imports Qt; core imports nothing above it."""

from __future__ import annotations

import ast

from conftest import ROOT

PACKAGE = ROOT / "focusdesk"


def imports_of(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_only_ui_imports_pyside6():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in imports_of(path)
                      if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6")]
    assert offenders == []


def test_core_does_not_import_store_or_ui():
    offenders = []
    for path in (PACKAGE / "core").rglob("*.py"):
        offenders += [f"{path.name}: {m}" for m in imports_of(path)
                      if m.startswith(("focusdesk.store", "focusdesk.ui", "sqlite_utils"))]
    assert offenders == []


def test_no_python_qt_message_handler():
    """A Python Qt message handler needs the GIL on whatever thread logs: Qt's FFmpeg audio thread
    warning while the window thread waits for it (QMediaPlayer.stop) then deadlocks the app."""
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if "qInstallMessageHandler" in p.read_text()]
    assert offenders == []
