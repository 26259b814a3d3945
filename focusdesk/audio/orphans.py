"""Files a killed import left in a session's folder: a ``.part`` copy that never finished, or a
complete copy whose recording row was never committed.

A ``.part`` untouched for a minute is dead (a live copy writes to it all the time) and is removed.
A complete copy that decodes is adopted: registered after the session's other recordings, as the
import meant to do, unless the session already holds the same file (by checksum), when the
copy is a leftover and is removed. Recorder takes (a WAV with a journal) are recovery's business
(``recovery.py``) and never touched here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from focusdesk.audio.probe import AudioFileError, probe_audio, sha256_file
from focusdesk.audio.wavjournal import JOURNAL_SUFFIX, LOCK_SUFFIX
from focusdesk.core.model import Recording
from focusdesk.core.timefmt import format_ms
from focusdesk.store import sessions, transcripts
from focusdesk.store.protect.media import media_size
from focusdesk.store.workspace import Workspace

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
STALE_PART_S = 60.0
SETTLED_S = 10.0  # a copy renamed this recently may be an import about to register it


@dataclass
class OrphanResult:
    """What was done with one leftover file (``describe`` for the user, like ``Recovered``)."""

    session_name: str
    path: str
    action: str  # "removed" | "adopted" | "duplicate"
    recording: Recording | None = None

    def describe(self) -> str:
        if self.action == "adopted" and self.recording is not None:
            return (f"{self.session_name}: an import interrupted before it was recorded in the "
                    f"study ({Path(self.path).name}, {format_ms(self.recording.duration_ms)}) "
                    "was added to the session.")
        if self.action == "duplicate":
            return (f"{self.session_name}: a second copy of an imported file left by an "
                    f"interrupted import ({Path(self.path).name}) was removed.")
        return (f"{self.session_name}: an unfinished copy left by an interrupted import "
                f"({Path(self.path).name}) was removed.")


def _session_id(folder: Path) -> int | None:
    return int(folder.name) if folder.name.isdigit() else None


def _candidates(ws: Workspace) -> list[tuple[int, Path]]:
    if not ws.media_root.is_dir():
        return []
    registered = {ws.resolve(r["path"]).resolve() for r in ws.db["recordings"].rows}
    out = []
    for folder in sorted(p for p in ws.media_root.iterdir() if p.is_dir()):
        sid = _session_id(folder)
        if sid is None or sessions.get_session(ws.db, sid) is None:
            continue
        for path in sorted(folder.iterdir()):
            name = path.name
            if (not path.is_file() or name.startswith(".") or name.endswith((JOURNAL_SUFFIX, LOCK_SUFFIX))
                    or path.with_name(name + JOURNAL_SUFFIX).exists()
                    or path.resolve() in registered):
                continue
            out.append((sid, path))
    return out


def clean_orphans(ws: Workspace, stale_s: float = STALE_PART_S) -> list[OrphanResult]:
    """Remove dead ``.part`` copies and adopt (or drop, when a duplicate) unregistered copies."""
    out: list[OrphanResult] = []
    now = time.time()
    for sid, path in _candidates(ws):
        name = sessions.get_session(ws.db, sid).name
        rel = ws.relative(path)
        try:
            if path.name.endswith(PART_SUFFIX):
                if now - path.stat().st_mtime >= stale_s:
                    path.unlink()
                    out.append(OrphanResult(name, rel, "removed"))
                continue
            result = _adopt(ws, sid, path)
        except OSError as exc:
            log.warning("could not tidy %s: %s", type(exc).__name__, exc.errno)
            continue
        if result is not None:
            out.append(OrphanResult(name, rel, *result))
    return out


def _older_than_session(ws: Workspace, session_id: int, path: Path) -> bool:
    """A file made before its session existed belongs to an import that was rolled back (a
    session id is given again after a rollback): never adopt it into the new session."""
    from datetime import datetime

    session = sessions.get_session(ws.db, session_id)
    try:
        created = datetime.fromisoformat(session.created_at).timestamp()
    except (AttributeError, TypeError, ValueError):
        return False
    return path.stat().st_mtime < created - 2


def _adopt(ws: Workspace, session_id: int, path: Path) -> tuple[str, Recording | None] | None:
    if _older_than_session(ws, session_id, path) or time.time() - path.stat().st_mtime < SETTLED_S:
        return None
    try:
        info = probe_audio(path)
    except AudioFileError:
        return None  # not audio: not ours to judge
    if info.duration_ms <= 0:
        return None
    digest = sha256_file(path)
    if any(r.session_id == session_id for r in transcripts.recordings_with_checksum(ws.db, digest)):
        path.unlink()
        return "duplicate", None
    offset = sum(r.duration_ms for r in transcripts.list_recordings(ws.db, session_id))
    rec = transcripts.add_recording(ws.db, Recording(
        session_id=session_id, path=ws.relative(path), duration_ms=info.duration_ms,
        sample_rate=info.sample_rate, channels=info.channels, sha256=digest, offset_ms=offset))
    return "adopted", rec


def unregistered_copy(ws: Workspace, session_id: int, digest: str, size: int) -> Path | None:
    """A complete, unregistered copy of the file with ``digest`` in the session's folder (left
    by an import killed between the copy and its row): the next import registers it instead of
    copying again."""
    for sid, path in _candidates(ws):
        if (sid == session_id and not path.name.endswith(PART_SUFFIX)
                and media_size(path) == size and sha256_file(path) == digest):
            return path
    return None
