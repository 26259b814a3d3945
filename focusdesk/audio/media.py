"""Bringing media files into a session's folder, safely."""

from __future__ import annotations

import os
from pathlib import Path

from focusdesk.audio.probe import AudioFileError, decodable_ms, probe_audio, sha256_file
from focusdesk.core.model import Recording
from focusdesk.store import sessions, transcripts
from focusdesk.store.protect.media import copy_into_study, study_key_for
from focusdesk.store.workspace import Workspace


class AlreadyImportedError(AudioFileError):
    """The same file (by checksum) is already a recording of the session: importing it again
    would play it twice and transcribe every word twice."""

    title = "Already imported"

    def __init__(self, message: str, recording: Recording):
        super().__init__(message)
        self.recording = recording


def _default_mode() -> int:
    """What the user's umask gives a new file (the study's media are theirs to share)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


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


TRUNCATED_SLACK_MS = 1000


def _decodable_length(source: Path, declared_ms: int, warnings: list[str] | None) -> int:
    """The length that really decodes; refuses a file where almost nothing does, and warns
    (in ``warnings``) when it is shorter than its header says."""
    from focusdesk.core.timefmt import format_ms

    real = decodable_ms(source, declared_ms)
    if real >= declared_ms - TRUNCATED_SLACK_MS:
        return declared_ms
    if real < TRUNCATED_SLACK_MS:
        raise AudioFileError(
            f"{source.name} says it is {format_ms(declared_ms)} long, but only "
            f"{real / 1000:.2f} s of it can be decoded: it is cut short or damaged. Use a complete "
            "copy of the recording; nothing was added.")
    if warnings is not None:
        warnings.append(f"{source.name} says it is {format_ms(declared_ms)} long, but only "
                        f"{format_ms(real)} of it can be decoded (it is cut short or damaged); it "
                        f"was added at {format_ms(real)}. Import a complete copy if you have one.")
    return real


def import_audio_file(ws: Workspace, session_id: int, source: Path | str, *,
                      again: bool = False, warnings: list[str] | None = None) -> Recording:
    """Copy an audio/video file into the session and register it after what is already there.

    The file is probed first, so nothing is copied for a file that is not audio; a file the
    session already holds (same checksum) is refused with ``AlreadyImportedError`` unless
    ``again``; the copy goes to a ``.part`` name and is renamed only when complete. In a
    protected study the copy is sealed (encrypted) as it is written: no plaintext lands there.
    """
    source = Path(source)
    info = probe_audio(source)
    info.duration_ms = _decodable_length(source, info.duration_ms, warnings)
    digest = sha256_file(source)  # once: a long recording takes seconds to read
    if not again:
        _check_not_imported(ws, session_id, source, digest)
    from focusdesk.audio.orphans import unregistered_copy

    # a copy an import killed before its row was committed: register it, do not copy twice
    target = unregistered_copy(ws, session_id, digest, source.stat().st_size)
    if target is None:
        target = unique_target(ws.session_dir(session_id), source.name)
        partial = target.with_name(target.name + ".part")
        try:
            partial.unlink(missing_ok=True)
            if study_key_for(partial) is None:  # a sealed copy is made 0600 by its writer
                os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))  # private
            copy_into_study(source, partial)  # sealed in a protected study; keeps the mode
            os.chmod(partial, _default_mode())
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
