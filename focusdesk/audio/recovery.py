"""Finding recordings interrupted by a crash, kill or power cut, and bringing them back.

An interrupted take is a ``recordings`` row still in status ``recording`` (or a journal beside a
WAV with no row at all, if the crash came between the two) whose journal nobody holds locked.
Recovery repairs the WAV header from the file's length, stores the real duration, the dropped
block count from the journal and the checksum, and marks the row ``recovered``. Markers were
saved the moment they were made, so they are already in the session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from focusdesk.audio.probe import sha256_file
from focusdesk.audio.wavjournal import (
    HEADER_BYTES,
    JOURNAL_SUFFIX,
    discard_journal,
    is_locked,
    journal_path,
    read_journal,
    repair_wav,
)
from focusdesk.core.model import Recording
from focusdesk.core.timefmt import format_ms
from focusdesk.store import sessions, transcripts
from focusdesk.store.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class Recovered:
    recording: Recording | None  # None: there was no audio to keep
    session_name: str
    path: str

    def describe(self) -> str:
        if self.recording is None:
            return f"{self.session_name}: an interrupted recording ({self.path}) held no audio."
        return (f"{self.session_name}: recovered {format_ms(self.recording.duration_ms)} of audio "
                f"from an interrupted recording ({self.path}).")


def _session_name(ws: Workspace, session_id: int) -> str:
    s = sessions.get_session(ws.db, session_id)
    return s.name if s else f"session {session_id}"


def find_interrupted(ws: Workspace) -> list[Path]:
    """WAV files of interrupted takes (not those a running recorder is still writing)."""
    found: dict[Path, None] = {}
    for row in ws.db["recordings"].rows_where("status = 'recording'"):
        path = ws.resolve(row["path"])
        if not is_locked(journal_path(path)):
            found[path] = None
    if ws.media_root.is_dir():
        for journal in ws.media_root.glob(f"*/*{JOURNAL_SUFFIX}"):
            wav = journal.with_name(journal.name[: -len(JOURNAL_SUFFIX)])
            if not is_locked(journal):
                found.setdefault(wav, None)
    return list(found)


def recover_interrupted(ws: Workspace) -> list:
    """Repair every interrupted take and put it into its session, and tidy what killed imports
    left (``orphans.py``); returns what was done (each item has ``describe()``)."""
    from focusdesk.audio.orphans import clean_orphans

    out: list = list(clean_orphans(ws))
    for wav in find_interrupted(ws):
        try:
            result = _recover_one(ws, wav)
        except (OSError, ValueError) as exc:
            log.warning("could not recover a take: %s%s", type(exc).__name__,  # no file name:
                        f" [errno {exc.errno}]" if isinstance(exc, OSError) else "")  # it may be a person's
            continue
        if result is not None:
            out.append(result)
    return out


def _recover_one(ws: Workspace, wav: Path) -> Recovered | None:
    journal_file = journal_path(wav)
    journal = read_journal(journal_file) if journal_file.exists() else None
    rel = ws.relative(wav) if wav.is_absolute() else str(wav)
    rows = list(ws.db["recordings"].rows_where("path = ? AND status = 'recording'", [rel]))
    if not rows and journal is not None and journal.recording_id is not None:
        rows = list(ws.db["recordings"].rows_where("id = ?", [journal.recording_id]))
        if rows and rows[0]["status"] != "recording":
            discard_journal(journal_file)  # closed properly; only the journal was left
            return None
    rec = Recording(**rows[0]) if rows else None
    if rec is None and journal is None:
        return None
    session_id = rec.session_id if rec else journal.session_id
    name = _session_name(ws, session_id)
    frames = 0
    if wav.exists() and wav.stat().st_size >= HEADER_BYTES:
        frames = repair_wav(wav)
    if frames == 0:
        if rec is not None:
            ws.db["recordings"].delete(rec.id)
        wav.unlink(missing_ok=True)
        discard_journal(journal_file)
        return Recovered(None, name, rel)
    if rec is None:
        rec = Recording(session_id=session_id, path=rel, duration_ms=0, sample_rate=journal.rate,
                        channels=journal.channels, offset_ms=journal.offset_ms,
                        created_at=journal.started_at)
    rec.duration_ms = frames * 1000 // rec.sample_rate
    rec.dropped_blocks = journal.dropped_blocks if journal else rec.dropped_blocks
    rec.sha256 = sha256_file(wav)
    rec.status = "recovered"
    if rec.id is None:
        transcripts.add_recording(ws.db, rec)
    else:
        transcripts.update_recording(ws.db, rec)
    discard_journal(journal_file)
    log.info("recovered a take of session %s (%s ms)", session_id, rec.duration_ms)
    return Recovered(rec, name, rel)
