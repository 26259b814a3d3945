"""Storing a diarization with its voices linked: the numpy/scipy matching of voice centroids
(``voices.py``) on top of the plain rows of ``store/diarization.py``, so the store never needs
numpy. Used by ``service.py`` (one recording's result as it arrives) and by tests."""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.model import Recording
from focusdesk.core.turns import Diarization
from focusdesk.diarize import voices
from focusdesk.store import diarization, transcripts
from focusdesk.store.speaker_ops import assign_speaker
from focusdesk.store.tx import transaction


def save_diarization(db: sqlite_utils.Database, rec: Recording, result: Diarization, *,
                     mode: str = "model", requested: int | None = None, max_speakers: int | None = None,
                     elapsed_s: float | None = None, merge: bool = True) -> dict[str, int]:
    """Store one recording's diarization and merge it into the transcript (see
    ``store.diarization.save_diarization``). Returns label -> speaker id.

    In model mode the run's voices are linked to the session's known speakers by centroid
    (another recording, or an earlier run whose speakers the user has already mapped keeps its
    mapping). Reading the known voices and writing the run share one transaction."""
    with transaction(db):
        linked: dict[str, int] = {}
        blobs: dict[str, bytes] = {}
        if mode != "channels":
            blobs = {label: voices.to_blob(vec) for label, vec in result.centroids.items()}
            known = {sid: voices.from_blob(b)
                     for sid, b in diarization.speaker_voices(db, rec.session_id, result.engine).items()}
            linked = voices.match({k: voices.from_blob(b) for k, b in blobs.items()}, known)
        return diarization.save_diarization(
            db, rec, result, linked=linked, voice_blobs=blobs, mode=mode, requested=requested,
            max_speakers=max_speakers, elapsed_s=elapsed_s, merge=merge)


def recognise_enrolled(db: sqlite_utils.Database, session_id: int, engine: str) -> list[tuple[int, str]]:
    """Map unmapped speakers of the session whose voice is an enrolled person's. Only people not
    yet mapped in this session, only speakers not yet mapped. Returns (speaker id, person name)."""
    here = {sid: voices.from_blob(b) for sid, b in diarization.unmapped_voices(db, session_id, engine).items()}
    prints = {person: voices.from_blob(b)
              for person, b in diarization.unplaced_voice_prints(db, session_id, engine).items()}
    out = []
    for (fid, pid), sid in voices.recognise(here, prints).items():
        assign_speaker(db, session_id, sid, participant_id=pid, facilitator_id=fid)
        out.append((sid, transcripts.speaker_names(db, session_id).get(sid, "")))
    return out
