"""Replace a session's speaker turns with turns from elsewhere (an RTTM file), as one step.

The turns are on the session timeline; each is filed under the recording it starts in (a run per
recording, as a diarization run stores them), speakers are found or created by label, and the
words are given their speakers again by the same word-level merge a diarization run uses.
"""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.turns import Turn
from focusdesk.store import diarization, transcripts
from focusdesk.store.tx import now_iso, transaction

ENGINE = "rttm-import"


def _recording_for(recs, start_ms: int) -> int | None:
    if not recs:
        return None
    for r in recs:
        if r.offset_ms <= start_ms < r.offset_ms + r.duration_ms:
            return r.id
    return min(recs, key=lambda r: min(abs(start_ms - r.offset_ms),
                                       abs(start_ms - r.offset_ms - r.duration_ms))).id


def replace_session_turns(db: sqlite_utils.Database, session_id: int, turns: list[Turn]) -> dict[str, int]:
    """Drop every stored run of the session, store ``turns`` (speaker = label) and merge them
    into the transcript. Returns label -> speaker id. One transaction: all or nothing."""
    recs = transcripts.list_recordings(db, session_id)
    by_rec: dict[int | None, list[Turn]] = {}
    for t in turns:
        by_rec.setdefault(_recording_for(recs, t.start_ms), []).append(t)
    with transaction(db):
        db.execute("DELETE FROM diarization_runs WHERE session_id = ?", [session_id])
        ids = {label: transcripts.ensure_speaker(db, session_id, label).id
               for label in dict.fromkeys(t.speaker for t in sorted(turns, key=lambda t: t.start_ms))}
        durations = {r.id: r.duration_ms for r in recs}
        for rec_id, rec_turns in by_rec.items():
            run_id = db["diarization_runs"].insert({
                "session_id": session_id, "recording_id": rec_id, "engine": ENGINE, "mode": "model",
                "duration_ms": durations.get(rec_id, max(t.end_ms for t in rec_turns)),
                "created_at": now_iso()}).last_pk
            db.conn.executemany(
                "INSERT INTO speaker_turns (run_id, speaker_id, start_ms, end_ms) VALUES (?, ?, ?, ?)",
                [(run_id, ids[t.speaker], t.start_ms, t.end_ms) for t in rec_turns])
        diarization.merge_into_transcript(db, session_id)
        db.execute(
            "DELETE FROM speakers WHERE session_id = ? AND participant_id IS NULL AND facilitator_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM speaker_turns t WHERE t.speaker_id = speakers.id) "
            "AND NOT EXISTS (SELECT 1 FROM segments g WHERE g.speaker_id = speakers.id) "
            "AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.speaker_id = speakers.id)", [session_id])
    return ids
