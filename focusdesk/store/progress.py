"""Where each session stands in the workflow: recorded, tagged, transcribed, speakers named, coded.

A study runs for months and a facilitator comes back to it between sessions; the overview must say
what is left to do without opening each session. One query per measure over the whole study, so the
home tab stays instant with many sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.timefmt import format_ms
from focusdesk.store import speech_regions
from focusdesk.store.workspace import Workspace


@dataclass(frozen=True)
class SessionProgress:
    session_id: int
    name: str
    audio_ms: int
    recordings: int
    markers: int
    segments: int
    words: int
    speakers: int
    speakers_named: int
    codings: int
    speech_covered: float | None = None  # share of detected speech with words (None: not measured)

    @property
    def coverage_text(self) -> str:
        """"94 %", or "" when the transcription stored no detected speech (older, or imported)."""
        return "" if self.speech_covered is None else f"{self.speech_covered:.0%}"

    @property
    def next_step(self) -> str:
        """The step a researcher would take next on this session, in the order of the workflow."""
        if not self.recordings and not self.segments:
            return "record or import audio"
        if not self.segments:
            return "transcribe"
        if self.speakers == 0 or self.speakers_named < self.speakers:
            return "name the speakers"
        if not self.codings:
            return "code passages"
        return "done"


def _counts(db: sqlite_utils.Database, sql: str) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in db.execute(sql).fetchall()}


def session_progress(db: sqlite_utils.Database) -> list[SessionProgress]:
    """One row per session, in the order sessions are listed elsewhere (date, then name)."""
    audio = _counts(db, "SELECT session_id, COUNT(*), COALESCE(SUM(duration_ms), 0) FROM recordings "
                        "GROUP BY session_id")
    markers = _counts(db, "SELECT session_id, COUNT(*) FROM markers GROUP BY session_id")
    segments = _counts(db, "SELECT session_id, COUNT(*) FROM segments GROUP BY session_id")
    words = {sid: [n] for sid, n in db.execute(
        "SELECT s.session_id, COUNT(*) FROM words w JOIN segments s ON s.id = w.segment_id "
        "GROUP BY s.session_id").fetchall()}
    # Imported transcripts (VTT, DOCX…) have text but no word timings: count their text's words.
    for sid, text in db.execute("SELECT session_id, text FROM segments g WHERE NOT EXISTS "
                                "(SELECT 1 FROM words w WHERE w.segment_id = g.id)").fetchall():
        words.setdefault(sid, [0])[0] += len(text.split())
    # A speaker counts once it has words; labels left over from a merge or an import with no text
    # do not ask to be named.
    speakers = _counts(db, "SELECT sp.session_id, COUNT(*), SUM(sp.participant_id IS NOT NULL "
                           "OR sp.facilitator_id IS NOT NULL) FROM speakers sp WHERE EXISTS "
                           "(SELECT 1 FROM segments g WHERE g.speaker_id = sp.id) GROUP BY sp.session_id")
    codings = _counts(db, "SELECT session_id, COUNT(*) FROM codings GROUP BY session_id")
    # Untranscribed speech: only sessions whose transcription stored its detected speech.
    covered = {sid: speech_regions.session_coverage(db, sid).share
               for sid in speech_regions.sessions_with_regions(db)}
    out = []
    for sid, name in db.execute("SELECT id, name FROM sessions ORDER BY date, name").fetchall():
        n_rec, dur = audio.get(sid, (0, 0))
        n_spk, n_named = speakers.get(sid, (0, 0))
        out.append(SessionProgress(
            session_id=sid, name=name, audio_ms=int(dur), recordings=n_rec,
            markers=markers.get(sid, (0,))[0], segments=segments.get(sid, (0,))[0],
            words=words.get(sid, (0,))[0], speakers=n_spk, speakers_named=int(n_named or 0),
            codings=codings.get(sid, (0,))[0], speech_covered=covered.get(sid)))
    return out


def missing_audio(ws: Workspace) -> dict[int, int]:
    """Per session, how many of its recording files are not in the study folder (moved, or
    ``sessions/`` deleted): transcripts and codings stay, but playback and transcription cannot
    work, so the Study tab and ``session list`` say so. Sessions with none missing are left out."""
    out: dict[int, int] = {}
    for sid, path in ws.db.execute("SELECT session_id, path FROM recordings").fetchall():
        if not ws.resolve(path).is_file():
            out[sid] = out.get(sid, 0) + 1
    return out


def audio_text(p: SessionProgress, missing: int, none: str = "no audio") -> str:
    """The session's audio length, or that its files are missing from the study folder."""
    if not p.recordings:
        return none
    if missing >= p.recordings:
        return "audio missing"
    return format_ms(p.audio_ms) + (f" ({missing} file(s) missing)" if missing else "")
