"""Making a rename stick: after ``os.replace`` the folder's entry must reach the disk too, or a
power cut can bring back the old name. One helper for every crash-safe write."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path | str) -> None:
    """Flush a folder's entries to disk; a no-op where folders cannot be opened (Windows) or
    synced (some network file systems), since the rename itself has already happened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
