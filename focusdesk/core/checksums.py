"""SHA-256 of a file read in blocks: one loop for every checksum focusdesk takes (imports, backups,
their manifests, model caches)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO


def sha256_stream(fh: BinaryIO, chunk: int = 1 << 20) -> str:
    """The hex SHA-256 of what is left to read in ``fh``."""
    digest = hashlib.sha256()
    while block := fh.read(chunk):
        digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path | str) -> str:
    """The hex SHA-256 of a file's bytes as they lie on disk."""
    with open(path, "rb") as fh:
        return sha256_stream(fh)
