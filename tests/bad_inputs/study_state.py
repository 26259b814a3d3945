"""What the bad-input tests compare before and after a refused command: row counts of the
tables a command could change, and every file in the study folder with its size (SQLite's own
WAL, shared-memory and lock files aside, which a read changes)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from focusdesk.cli import main

TABLES = ("sessions", "recordings", "segments", "words", "codings", "codes", "participants",
          "sites", "guide_items", "speakers", "markers", "transcription_runs")
SQLITE_OWN = ("focusdesk.sqlite-wal", "focusdesk.sqlite-shm", ".focusdesk.rwlock")


def study_state(root: Path) -> dict:
    """Counts per table and the files of the study (path -> size)."""
    state: dict = {"files": {}}
    if not root.exists():
        return state
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in SQLITE_OWN:
            rel = path.relative_to(root).as_posix()
            if rel.startswith("backups/"):  # the rolling backup made at open copies, changes nothing
                continue
            state["files"][rel] = None if rel == "focusdesk.sqlite" else path.stat().st_size
    db = root / "focusdesk.sqlite"
    if db.is_file():
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for table in TABLES:
                state[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        except sqlite3.DatabaseError:  # not a database (a test made it so): compare its bytes
            state["db_bytes"] = hashlib.sha256(db.read_bytes()).hexdigest()
        finally:
            conn.close()
    return state


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """The real CLI in this process; argparse's own refusals (SystemExit) count as exit codes."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err
