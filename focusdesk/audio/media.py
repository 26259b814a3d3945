"""Bringing media files into a session's folder, safely."""

from __future__ import annotations

import shutil
from pathlib import Path

from focusdesk.audio.probe import AudioFileError, probe_audio, sha256_file
from focusdesk.core.model import Recording
from focusdesk.store import transcripts
from focusdesk.store.workspace import Workspace


def unique_target(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def import_audio_file(ws: Workspace, session_id: int, source: Path | str) -> Recording:
    """Copy an audio/video file into the session and register it after what is already there.

    The file is probed first, so nothing is copied for a file that is not audio; the copy goes to
    a ``.part`` name and is renamed only when complete.
    """
    source = Path(source)
    info = probe_audio(source)
    target = unique_target(ws.session_dir(session_id), source.name)
    partial = target.with_name(target.name + ".part")
    try:
        shutil.copyfile(source, partial)
        partial.rename(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AudioFileError(f"Copying {source.name} failed ({exc.strerror}). Free some disk "
                             "space and try again; nothing was added.") from exc
    offset = sum(r.duration_ms for r in transcripts.list_recordings(ws.db, session_id))
    return transcripts.add_recording(ws.db, Recording(
        session_id=session_id, path=ws.relative(target), duration_ms=info.duration_ms,
        sample_rate=info.sample_rate, channels=info.channels, sha256=sha256_file(target),
        offset_ms=offset))
