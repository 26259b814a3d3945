"""Stored diarization: runs and turns per recording, speaker voices, enrolled voice prints, and the
word-level merge of turns into the transcript.

Everything one recording's result changes is written in one transaction, so a crash leaves the
previous state; a completed recording stays stored while the next one is diarized. Voices are
stored and loaded here as bytes; comparing them (numpy, scipy) is ``diarize/results.py``'s job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.model import Recording, Segment, Speaker
from focusdesk.core.turn_merge import merge_transcript
from focusdesk.core.turns import Diarization, Turn, overlapping_speakers, talk_time
from focusdesk.store import transcripts
from focusdesk.store.tx import now_iso, transaction


@dataclass
class SpeakerSummary:
    speaker: Speaker
    name: str  # display name: pseudonym, facilitator name or label (speaker_names)
    talk_ms: int
    share: float  # of all talk time in the session
    sample: tuple[int, int, int] | None  # (recording_id, start_ms, end_ms) in file time
    person: str  # "participant", "facilitator" or ""


def _next_label(db: sqlite_utils.Database, session_id: int) -> str:
    labels = {sp.label.casefold() for sp in transcripts.list_speakers(db, session_id)}
    n = 1
    while f"s{n}" in labels:
        n += 1
    return f"S{n}"


def speaker_voices(db: sqlite_utils.Database, session_id: int, engine: str) -> dict[int, bytes]:
    """Speaker id -> stored voice centroid (float32 bytes) of the session's speakers."""
    return {sid: bytes(blob) for sid, blob in db.execute(
        "SELECT v.speaker_id, v.embedding FROM speaker_voices v JOIN speakers s ON s.id = v.speaker_id "
        "WHERE s.session_id = ? AND v.engine = ?", [session_id, engine])}


def save_diarization(db: sqlite_utils.Database, rec: Recording, result: Diarization, *,
                     linked: Mapping[str, int] | None = None, voice_blobs: Mapping[str, bytes] | None = None,
                     mode: str = "model", requested: int | None = None, max_speakers: int | None = None,
                     elapsed_s: float | None = None, merge: bool = True) -> dict[str, int]:
    """Store one recording's diarization (turns on the file's timeline) and merge it into the
    transcript. Replaces earlier runs of that recording. Returns label -> speaker id.

    ``linked``: labels already matched to a known speaker of the session by voice, and
    ``voice_blobs``: each label's centroid as bytes; both come from
    ``diarize.results.save_diarization``, which matches the voices and calls this. Other labels
    get new speakers. Channel mode labels are per channel and reuse the speakers of the same
    label."""
    session_id = rec.session_id
    with transaction(db):
        db.execute("DELETE FROM diarization_runs WHERE recording_id = ?", [rec.id])
        ids: dict[str, int] = {}
        if mode == "channels":
            for label in result.speakers:
                ids[label] = transcripts.ensure_speaker(db, session_id, label).id
        else:
            ids.update(linked or {})
            for label in result.speakers:
                if label not in ids:
                    ids[label] = transcripts.ensure_speaker(db, session_id, _next_label(db, session_id)).id
            for label, blob in (voice_blobs or {}).items():
                if label in ids:
                    db.execute("INSERT OR REPLACE INTO speaker_voices (speaker_id, engine, embedding) "
                               "VALUES (?, ?, ?)", [ids[label], result.engine, blob])
        run_id = db["diarization_runs"].insert({
            "session_id": session_id, "recording_id": rec.id, "engine": result.engine, "mode": mode,
            "requested_speakers": requested, "max_speakers": max_speakers,
            "duration_ms": result.duration_ms, "elapsed_s": elapsed_s, "created_at": now_iso(),
            "settings": json.dumps(result.settings, sort_keys=True) if result.settings else None,
        }).last_pk
        db.conn.executemany(
            "INSERT INTO speaker_turns (run_id, speaker_id, start_ms, end_ms) VALUES (?, ?, ?, ?)",
            [(run_id, ids[t.speaker], t.start_ms + rec.offset_ms, t.end_ms + rec.offset_ms)
             for t in result.turns])
        if merge:
            merge_into_transcript(db, session_id, recording_id=rec.id)
        _drop_orphans(db, session_id)
    return ids


def _drop_orphans(db: sqlite_utils.Database, session_id: int) -> None:
    """Speakers no turn, segment or coding refers to and nobody is mapped to: leftovers of an
    earlier run. Mapped ones stay (the user's work)."""
    db.execute(
        "DELETE FROM speakers WHERE session_id = ? AND participant_id IS NULL AND facilitator_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM speaker_turns t WHERE t.speaker_id = speakers.id) "
        "AND NOT EXISTS (SELECT 1 FROM segments g WHERE g.speaker_id = speakers.id) "
        "AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.speaker_id = speakers.id)", [session_id])


def session_turns(db: sqlite_utils.Database, session_id: int,
                  recording_id: int | None = None) -> list[tuple[Turn, int]]:
    """(turn with the speaker id as its label, recording id), on the session timeline."""
    sql = ("SELECT t.start_ms, t.end_ms, t.speaker_id, r.recording_id FROM speaker_turns t "
           "JOIN diarization_runs r ON r.id = t.run_id WHERE r.session_id = ? AND t.speaker_id IS NOT NULL")
    args: list = [session_id]
    if recording_id is not None:
        sql += " AND r.recording_id = ?"
        args.append(recording_id)
    return [(Turn(s, e, str(sid)), rid) for s, e, sid, rid in db.execute(sql + " ORDER BY t.start_ms", args)]


def segment_overlaps(db: sqlite_utils.Database, session_id: int) -> dict[int, list[int]]:
    """Segment id -> ids of the other speakers talking at the same time as its speaker (from the
    stored turns, which may overlap; see ``core.turns.overlapping_speakers``). Computed on read,
    so it follows every re-run, split and change of speaker."""
    turns = [t for t, _ in session_turns(db, session_id)]
    if not turns:
        return {}
    spans = [(sid, s, e, str(spk)) for sid, s, e, spk in db.execute(
        "SELECT id, start_ms, end_ms, speaker_id FROM segments WHERE session_id = ? "
        "AND speaker_id IS NOT NULL", [session_id])]
    return {k: [int(v) for v in others] for k, others in overlapping_speakers(spans, turns).items()}


def run_settings(run: dict) -> dict:
    """How a stored run was made (``diarization_runs.settings``), {} for runs before it was kept."""
    return json.loads(run.get("settings") or "{}")


def merge_into_transcript(db: sqlite_utils.Database, session_id: int,
                          recording_id: int | None = None) -> int:
    """Give every transcript segment its speaker from the stored turns, word by word, splitting
    segments at a change of speaker. Segments transcribed per channel in channel mode take the
    channel's speaker. Returns how many segments changed. Safe to run again (after a new
    transcription, say)."""
    turns = [t for t, _ in session_turns(db, session_id, recording_id)]
    if not turns:
        return 0
    segments = transcripts.list_segments(db, session_id)
    if recording_id is not None:
        rec = transcripts.get_recording(db, recording_id)
        lo, hi = rec.offset_ms, rec.offset_ms + rec.duration_ms
        segments = [s for s in segments if s.recording_id == recording_id
                    or (s.recording_id is None and s.start_ms < hi and s.end_ms > lo)]
    channel_speaker = _channel_speakers(db, session_id)
    changed = 0
    with transaction(db):
        for seg in segments:
            if seg.channel is not None and (seg.recording_id, seg.channel) in channel_speaker:
                sid = channel_speaker[(seg.recording_id, seg.channel)]
                if seg.speaker_id != sid:
                    seg.speaker_id = sid
                    transcripts.update_segment(db, seg, words=False)
                    changed += 1
                continue
            pieces = merge_transcript([seg], turns)
            changed += _write_pieces(db, seg, pieces)
    return changed


def _channel_speakers(db: sqlite_utils.Database, session_id: int) -> dict[tuple[int, int], int]:
    out = {}
    for rid, sid, label in db.execute(
            "SELECT DISTINCT r.recording_id, s.id, s.label FROM diarization_runs r "
            "JOIN speaker_turns t ON t.run_id = r.id JOIN speakers s ON s.id = t.speaker_id "
            "WHERE r.session_id = ? AND r.mode = 'channels'", [session_id]):
        if label[1:].isdigit():
            out[(rid, int(label[1:]) - 1)] = sid
    return out


def _write_pieces(db: sqlite_utils.Database, seg: Segment, pieces: list[tuple[str | None, Segment]]) -> int:
    if len(pieces) == 1:
        label, piece = pieces[0]
        sid = int(label) if label is not None else seg.speaker_id
        if sid == seg.speaker_id:
            return 0
        piece.speaker_id = sid
        transcripts.update_segment(db, piece, words=False)
        return 1
    for label, piece in pieces:
        piece.speaker_id = int(label) if label is not None else seg.speaker_id
        if piece.id is not None:
            transcripts.update_segment(db, piece, words=True)
        else:
            transcripts.add_segment(db, piece)
    return len(pieces)


def talk_times(db: sqlite_utils.Database, session_id: int) -> dict[int, int]:
    """Talk time per speaker id from the turns (overlapping turns of one voice count once);
    speakers without turns (named by hand in the editor) get their segments' duration."""
    by_turns = {int(k): v for k, v in talk_time([t for t, _ in session_turns(db, session_id)]).items()}
    for sid, total in db.execute(
            "SELECT speaker_id, SUM(end_ms - start_ms) FROM segments WHERE session_id = ? "
            "AND speaker_id IS NOT NULL GROUP BY speaker_id", [session_id]):
        by_turns.setdefault(sid, int(total or 0))
    return by_turns


def longest_turn(db: sqlite_utils.Database, speaker_id: int) -> tuple[int, int, int] | None:
    """(recording id, start, end) in the recording file's own time: the sample to play."""
    row = db.execute(
        "SELECT r.recording_id, t.start_ms - rec.offset_ms, t.end_ms - rec.offset_ms "
        "FROM speaker_turns t JOIN diarization_runs r ON r.id = t.run_id "
        "JOIN recordings rec ON rec.id = r.recording_id WHERE t.speaker_id = ? "
        "ORDER BY t.end_ms - t.start_ms DESC, t.start_ms LIMIT 1", [speaker_id]).fetchone()
    if row:
        return int(row[0]), int(row[1]), int(row[2])
    row = db.execute("SELECT recording_id, start_ms, end_ms FROM segments WHERE speaker_id = ? "
                     "AND recording_id IS NOT NULL ORDER BY end_ms - start_ms DESC LIMIT 1",
                     [speaker_id]).fetchone()
    if row:
        rec = transcripts.get_recording(db, row[0])
        return int(row[0]), int(row[1]) - rec.offset_ms, int(row[2]) - rec.offset_ms
    return None


def summarise(db: sqlite_utils.Database, session_id: int) -> list[SpeakerSummary]:
    """The mapping panel's and ``focusdesk speakers``' rows, in label order (S1, S2, ..., S10)."""
    names = transcripts.speaker_names(db, session_id)
    times = talk_times(db, session_id)
    total = sum(times.values()) or 1
    out = []
    for sp in transcripts.list_speakers(db, session_id):
        ms = times.get(sp.id, 0)
        person = "participant" if sp.participant_id else "facilitator" if sp.facilitator_id else ""
        out.append(SpeakerSummary(sp, names.get(sp.id, sp.label), ms, ms / total,
                                  longest_turn(db, sp.id), person))
    def order(s: SpeakerSummary) -> tuple:
        label = s.speaker.label
        return (0, int(label[1:]), "") if label[:1] in "Ss" and label[1:].isdigit() else (1, 0, label.casefold())

    return sorted(out, key=order)


def last_runs(db: sqlite_utils.Database, session_id: int) -> list[dict]:
    return list(db["diarization_runs"].rows_where("session_id = ?", [session_id], order_by="id"))


# --- enrolled voices ---------------------------------------------------------------------------

def enrol_voice(db: sqlite_utils.Database, speaker_id: int, *, facilitator_id: int | None = None,
                participant_id: int | None = None) -> None:
    """Keep this speaker's voice as the person's voice print (replacing an older one), so later
    sessions recognise them."""
    if (facilitator_id is None) == (participant_id is None):
        raise ValueError("Enrol a voice for exactly one facilitator or one participant.")
    row = db.execute("SELECT v.engine, v.embedding, s.session_id FROM speaker_voices v "
                     "JOIN speakers s ON s.id = v.speaker_id WHERE v.speaker_id = ?", [speaker_id]).fetchone()
    if row is None:
        raise ValueError("This speaker has no voice to enrol: it did not come from the voice model "
                         "(channel mode or a speaker named by hand). Diarize the session first.")
    engine, blob, session_id = row
    with transaction(db):
        col = "facilitator_id" if facilitator_id is not None else "participant_id"
        person = facilitator_id if facilitator_id is not None else participant_id
        db.execute(f"DELETE FROM voice_prints WHERE {col} = ? AND engine = ?", [person, engine])
        db["voice_prints"].insert({"facilitator_id": facilitator_id, "participant_id": participant_id,
                                   "engine": engine, "embedding": blob,
                                   "source_session_id": session_id, "created_at": now_iso()})


def enrolled(db: sqlite_utils.Database) -> list[dict]:
    return list(db.execute(
        "SELECT v.id, v.facilitator_id, v.participant_id, COALESCE(f.name, p.code), v.engine, v.created_at "
        "FROM voice_prints v LEFT JOIN facilitators f ON f.id = v.facilitator_id "
        "LEFT JOIN participants p ON p.id = v.participant_id ORDER BY v.id").fetchall())


def unmapped_voices(db: sqlite_utils.Database, session_id: int, engine: str) -> dict[int, bytes]:
    """Voices of the session's speakers nobody is mapped to yet: speaker id -> centroid bytes."""
    free = {sp.id for sp in transcripts.list_speakers(db, session_id)
            if not sp.facilitator_id and not sp.participant_id}
    return {sid: blob for sid, blob in speaker_voices(db, session_id, engine).items() if sid in free}


def unplaced_voice_prints(db: sqlite_utils.Database, session_id: int,
                          engine: str) -> dict[tuple[int | None, int | None], bytes]:
    """Enrolled voice prints of people not yet mapped to a speaker of this session:
    (facilitator id, participant id) -> centroid bytes."""
    speakers = transcripts.list_speakers(db, session_id)
    taken_f = {sp.facilitator_id for sp in speakers if sp.facilitator_id}
    taken_p = {sp.participant_id for sp in speakers if sp.participant_id}
    return {(fid, pid): bytes(blob) for fid, pid, blob in db.execute(
        "SELECT facilitator_id, participant_id, embedding FROM voice_prints WHERE engine = ?", [engine])
        if (fid and fid not in taken_f) or (pid and pid not in taken_p)}
