"""Importing a topic guide or a coding frame from a file, the format chosen by its extension.
One place for the CLI (``guide import``, ``frame import``) and the window (Study menu, Home)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from focusdesk.core.model import TopicGuide
from focusdesk.core.outline import load_frame_file, load_guide_file
from focusdesk.store import codes, guide
from focusdesk.store.demo import TEMPLATES

GUIDE_SUFFIXES = (".md", ".markdown", ".yaml", ".yml", ".txt", ".docx")
FRAME_SUFFIXES = (".yaml", ".yml", ".md", ".markdown", ".txt", ".qdc")
TEMPLATE_GUIDE = TEMPLATES / "topic-guide.md"  # bundled in resources/templates/, offered by the window
TEMPLATE_FRAME = TEMPLATES / "coding-frame.yaml"


def import_guide_file(db: sqlite_utils.Database, path: Path | str) -> TopicGuide:
    """Read a guide (Markdown, YAML, text or Word) and make it the study's guide; returns it.
    Raises OutlineError (a ValueError) or OSError with what is wrong; nothing is stored then."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        from focusdesk.exchange.guide_docx import load_guide_docx

        g = load_guide_docx(path)
    else:
        g = load_guide_file(path)
    guide.save_guide(db, g)
    return g


def import_frame_file(db: sqlite_utils.Database, path: Path | str) -> int:
    """Add a coding frame (YAML, Markdown, text, or a REFI-QDA codebook .qdc) to the study's
    codes; returns how many codes were new."""
    path = Path(path)
    if path.suffix.lower() == ".qdc":
        from focusdesk.exchange.qdc import read_qdc

        return read_qdc(db, path)
    return codes.import_frame(db, load_frame_file(path))
