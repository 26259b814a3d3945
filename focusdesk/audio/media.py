"""Bringing media files into a session's folder, safely."""

from __future__ import annotations

from pathlib import Path

from focusdesk.audio.probe import AudioFileError, probe_audio, sha256_file
from focusdesk.core.model import Recording
from focusdesk.store import sessions, transcripts
from focusdesk.store.protect.media import copy_into_study
from focusdesk.store.workspace import Workspace


class AlreadyImportedError(AudioFileError):
    """The same file (by checksum) is already a recording of the session: importing it again
    would play it twice and transcribe every word twice."""

    title = "Already imported"

    def __init__(self, message: str, recording: Recording):
        super().__init__(message)
        self.recording = recording


def unique_target(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def _check_not_imported(ws: Workspace, session_id: int, source: Path, sha256: str) -> None:
    """Refuse the same file twice in one session (the same file in another session may be
    deliberate: one recording of two groups, cut later)."""
    for rec in transcripts.recordings_with_checksum(ws.db, sha256):
        if rec.session_id != session_id:
            continue
        session = sessions.get_session(ws.db, session_id)
        raise AlreadyImportedError(
            f"{source.name} is already in {session.name if session else 'this session'} as "
            f"{Path(rec.path).name}. Importing it again would play it twice and transcribe every "
            "word twice, so nothing was added. If you really want a second copy, import it again "
            "and confirm.", rec)


def import_audio_file(ws: Workspace, session_id: int, source: Path | str, *,
                      again: bool = False) -> Recording:
    """Copy an audio/video file into the session and register it after what is already there.

    The file is probed first, so nothing is copied for a file that is not audio; a file the
    session already holds (same checksum) is refused with ``AlreadyImportedError`` unless
    ``again``; the copy goes to a ``.part`` name and is renamed only when complete. In a
    protected study the copy is sealed (encrypted) as it is written: no plaintext lands there.
    """
    source = Path(source)
    info = probe_audio(source)
    digest = sha256_file(source)  # once: a long recording takes seconds to read
    if not again:
        _check_not_imported(ws, session_id, source, digest)
    target = unique_target(ws.session_dir(session_id), source.name)
    partial = target.with_name(target.name + ".part")
    try:
        copy_into_study(source, partial)
        partial.rename(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AudioFileError(f"Copying {source.name} failed ({exc.strerror}). Free some disk "
                             "space and try again; nothing was added.") from exc
    offset = sum(r.duration_ms for r in transcripts.list_recordings(ws.db, session_id))
    return transcripts.add_recording(ws.db, Recording(
        session_id=session_id, path=ws.relative(target), duration_ms=info.duration_ms,
        sample_rate=info.sample_rate, channels=info.channels, sha256=digest,
        offset_ms=offset))
