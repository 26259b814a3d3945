"""What every screenshot script shares: the paths, the checkout on ``sys.path`` (import this
first), and saving a window's grab and closing the window."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "screenshots"
AUDIO = ROOT.parent / "shared" / "data" / "audio"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def save(window, name: str, note: str = "") -> Path:
    """Grab the window into docs/screenshots/``name``."""
    OUT.mkdir(exist_ok=True)
    path = OUT / name
    window.grab().save(str(path))
    print(f"wrote {path}{note}")
    return path


def close(window) -> None:
    from PySide6.QtWidgets import QApplication

    window.close()
    QApplication.processEvents()


def demo_folder() -> Path:
    """A fresh copy of the demo study for screenshots: ``$FOCUSDESK_DEMO`` when it holds a built
    demo, otherwise built here (about two minutes)."""
    import os
    import shutil
    import tempfile

    from focusdesk.demo.build import build_demo, demo_ready

    built = Path(os.environ["FOCUSDESK_DEMO"]) if os.environ.get("FOCUSDESK_DEMO") else None
    root = Path(tempfile.mkdtemp()) / "demo"
    if built and demo_ready(built):
        shutil.copytree(built, root)
    else:
        build_demo(root)
    return root
