"""A coder's own copy of the study (``focusdesk study copy-for``), to code independently and merge
back with ``store/merge.py``.

The database is copied through SQLite's backup API on a connection opened as the study's own
(``Workspace.open_connection``), so a protected study's copy is keyed the same and gets the same
key file; media are hard-linked where the copy is on the same disk (they never change once
imported), copied otherwise. GUIDs are filled first so both sides name every row alike.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from focusdesk.store import audit, guids
from focusdesk.store import coders as coder_store
from focusdesk.store.protect import keyfile
from focusdesk.store.workspace import DB_NAME, MEDIA_DIR, Workspace


@dataclass
class CopyReport:
    folder: Path
    coder: str
    media_files: int
    linked: int  # of which hard-linked rather than copied


def copy_for(ws: Workspace, coder: str, dest: Path | str) -> CopyReport:
    """Copy the study into ``dest`` (new or empty) with ``coder`` (created if needed) its current
    coder. Refuses a folder that holds anything, and the study's own folder."""
    dest = Path(dest)
    if dest.resolve() == ws.root.resolve() or ws.root.resolve() in dest.resolve().parents:
        raise ValueError("Choose a folder outside the study for the coder's copy.")
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty; choose a new or empty folder for the coder's copy.")
    coder = " ".join(coder.split())
    coder_store._clean_name(coder)  # a bad name fails before anything is written
    dest.mkdir(parents=True, exist_ok=True)
    guids.ensure(ws.db)
    part = dest / f".{DB_NAME}.part"
    target = ws.open_connection(part)
    try:
        ws.db.conn.backup(target)
        copy_db = sqlite_utils.Database(target)
        coder_store.use_coder(copy_db, coder, create=True)
        audit.record(copy_db, "copy-for", detail=f"copy of {ws.root.name}", obj=f"coder {coder}")
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    os.replace(part, dest / DB_NAME)
    if ws.protected:
        shutil.copy2(keyfile.key_path(ws.root), keyfile.key_path(dest))
    files = linked = 0
    media = ws.media_root
    if media.is_dir():
        for src in sorted(p for p in media.rglob("*") if p.is_file()):
            out = dest / MEDIA_DIR / src.relative_to(media)
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, out)
                linked += 1
            except OSError:  # another disk, or a filesystem without hard links
                shutil.copy2(src, out)
            files += 1
    audit.record(ws.db, "copy-for", detail=f"{files} media files", obj=f"coder {coder}")
    return CopyReport(dest, coder, files, linked)
