"""Recordings, speakers, and the transcript: segments with their timed words."""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.model import Recording, Segment, Speaker, Word
from focusdesk.core.text import normalise_spaces
from focusdesk.store.study import NotFound
from focusdesk.store.tx import now_iso, transaction

# --- recordings ------------------------------------------------------------------------------

_REC_FIELDS = ("session_id", "path", "duration_ms", "sample_rate", "channels", "sha256",
               "offset_ms", "dropped_blocks", "status", "created_at")


def add_recording(db: sqlite_utils.Database, rec: Recording) -> Recording:
    rec.created_at = rec.created_at or now_iso()
    rec.id = db["recordings"].insert({f: getattr(rec, f) for f in _REC_FIELDS}).last_pk
    return rec


def update_recording(db: sqlite_utils.Database, rec: Recording) -> Recording:
    db["recordings"].update(rec.id, {f: getattr(rec, f) for f in _REC_FIELDS})
    return rec


def list_recordings(db: sqlite_utils.Database, session_id: int) -> list[Recording]:
    return [Recording(**r) for r in db["recordings"].rows_where(
        "session_id = ?", [session_id], order_by="offset_ms, id")]


def recordings_with_checksum(db: sqlite_utils.Database, sha256: str) -> list[Recording]:
    """Every recording of the study whose file has this SHA-256 (the same file imported before)."""
    return [Recording(**r) for r in db["recordings"].rows_where("sha256 = ?", [sha256], order_by="id")]


def get_recording(db: sqlite_utils.Database, recording_id: int) -> Recording | None:
    rows = list(db["recordings"].rows_where("id = ?", [recording_id]))
    return Recording(**rows[0]) if rows else None


# --- speakers --------------------------------------------------------------------------------

def list_speakers(db: sqlite_utils.Database, session_id: int) -> list[Speaker]:
    return [Speaker(**_no_guid(r)) for r in db["speakers"].rows_where(
        "session_id = ?", [session_id], order_by="id")]


def _no_guid(row: dict) -> dict:
    """A row less its stable id (migration 019): only copies and merges read it (store/guids.py)."""
    row.pop("guid", None)
    return row


def get_speaker(db: sqlite_utils.Database, speaker_id: int) -> Speaker | None:
    rows = list(db["speakers"].rows_where("id = ?", [speaker_id]))
    return Speaker(**_no_guid(rows[0])) if rows else None


def ensure_speaker(db: sqlite_utils.Database, session_id: int, label: str) -> Speaker:
    rows = list(db["speakers"].rows_where("session_id = ? AND label = ?", [session_id, label]))
    if rows:
        return Speaker(**_no_guid(rows[0]))
    sp = Speaker(session_id=session_id, label=label)
    sp.id = db["speakers"].insert({"session_id": session_id, "label": label}).last_pk
    return sp


def speaker_by_label(db: sqlite_utils.Database, session_id: int, label: str) -> Speaker:
    rows = list(db["speakers"].rows_where("session_id = ? AND label = ? COLLATE NOCASE",
                                          [session_id, label]))
    if not rows:
        known = ", ".join(s.label for s in list_speakers(db, session_id)) or "none"
        raise NotFound(f"No speaker {label!r} in this session (speakers: {known}).")
    return Speaker(**_no_guid(rows[0]))


def update_speaker(db: sqlite_utils.Database, sp: Speaker) -> Speaker:
    db["speakers"].update(sp.id, {"label": sp.label, "participant_id": sp.participant_id,
                                  "facilitator_id": sp.facilitator_id})
    return sp


# --- segments and words ----------------------------------------------------------------------

def _segment(row: dict) -> Segment:
    """A stored turn; its text with single spaces, whatever wrote it (studies split before the
    words' leading spaces were handled hold "The  therapy")."""
    seg = Segment(**_no_guid(row))
    seg.text = normalise_spaces(seg.text)
    return seg


def _segment_row(seg: Segment) -> dict:
    return {"session_id": seg.session_id, "recording_id": seg.recording_id,
            "start_ms": int(seg.start_ms), "end_ms": int(seg.end_ms), "speaker_id": seg.speaker_id,
            "channel": seg.channel, "source": seg.source, "text": normalise_spaces(seg.text)}


def _write_words(db: sqlite_utils.Database, seg: Segment) -> None:
    db.execute("DELETE FROM words WHERE segment_id = ?", [seg.id])
    db.conn.executemany(
        "INSERT INTO words (segment_id, idx, start_ms, end_ms, text, probability) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(seg.id, i, int(w.start_ms), int(w.end_ms), w.text, w.probability)
         for i, w in enumerate(seg.words)],
    )


def add_segment(db: sqlite_utils.Database, seg: Segment) -> Segment:
    with transaction(db):
        seg.id = db["segments"].insert(_segment_row(seg)).last_pk
        _write_words(db, seg)
    return seg


def add_segments(db: sqlite_utils.Database, segments: list[Segment]) -> list[Segment]:
    with transaction(db):
        for seg in segments:
            add_segment(db, seg)
    return segments


def update_segment(db: sqlite_utils.Database, seg: Segment, words: bool = True) -> Segment:
    with transaction(db):
        db["segments"].update(seg.id, _segment_row(seg))
        if words:
            _write_words(db, seg)
    return seg


def delete_segment(db: sqlite_utils.Database, segment_id: int) -> None:
    with transaction(db):
        db["segments"].delete(segment_id)


def list_segments(db: sqlite_utils.Database, session_id: int, with_words: bool = True) -> list[Segment]:
    segs = [_segment(r) for r in db["segments"].rows_where(
        "session_id = ?", [session_id], order_by="start_ms, id")]
    if with_words and segs:
        by_id = {s.id: s for s in segs}
        for seg_id, wid, start, end, text, prob in db.execute(
            "SELECT w.segment_id, w.id, w.start_ms, w.end_ms, w.text, w.probability FROM words w "
            "JOIN segments s ON s.id = w.segment_id WHERE s.session_id = ? ORDER BY w.segment_id, w.idx",
            [session_id],
        ):
            by_id[seg_id].words.append(Word(start_ms=start, end_ms=end, text=text, probability=prob, id=wid))
    return segs


def get_segment(db: sqlite_utils.Database, segment_id: int) -> Segment | None:
    rows = list(db["segments"].rows_where("id = ?", [segment_id]))
    if not rows:
        return None
    seg = _segment(rows[0])
    seg.words = [Word(start_ms=r[1], end_ms=r[2], text=r[3], probability=r[4], id=r[0]) for r in db.execute(
        "SELECT id, start_ms, end_ms, text, probability FROM words WHERE segment_id = ? ORDER BY idx",
        [segment_id])]
    return seg


def segment_span(db: sqlite_utils.Database, segment_id: int) -> tuple[int, int] | None:
    """(start_ms, end_ms) of one segment without loading its words; None when it is gone."""
    row = db.execute("SELECT start_ms, end_ms FROM segments WHERE id = ?", [segment_id]).fetchone()
    return (row[0], row[1]) if row else None


def segment_count(db: sqlite_utils.Database, session_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM segments WHERE session_id = ?", [session_id]).fetchone()[0]


def clear_transcript(db: sqlite_utils.Database, session_id: int) -> None:
    with transaction(db):
        db.execute("DELETE FROM segments WHERE session_id = ?", [session_id])


def speaker_names(db: sqlite_utils.Database, session_id: int, real_names: bool = False) -> dict[int, str]:
    """Display name per speaker id: the participant's or facilitator's pseudonym (or real name
    when asked and known), else the diarization label. Every view and export uses this."""
    out: dict[int, str] = {}
    for sid, label, pcode, pname, fcode, fname in db.execute(
        "SELECT s.id, s.label, p.code, p.real_name, f.code, f.name FROM speakers s "
        "LEFT JOIN participants p ON p.id = s.participant_id "
        "LEFT JOIN facilitators f ON f.id = s.facilitator_id WHERE s.session_id = ?", [session_id]):
        if pcode:
            out[sid] = pname if (real_names and pname) else pcode
        elif fcode or fname:
            out[sid] = fname if (real_names and fname) or not fcode else fcode
        else:
            out[sid] = label
    return out
