"""Detected speech per recording (the transcription's VAD regions) and the session's coverage.

The transcription job stores each window's regions as soon as its speech detection is done; a
resumed task first drops what lies after its resume point (it detects that again) and a restart
drops the recording's regions with its segments. Coverage itself is plain arithmetic in
focusdesk.core.speech_cover; this module feeds it from the study.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from focusdesk.core.speech_cover import Span, SpeechCoverage, speech_coverage


def add_regions(db: sqlite_utils.Database, session_id: int, recording_id: int, channel: int | None,
                regions: Iterable[Span]) -> None:
    db.conn.executemany("INSERT INTO speech_regions (session_id, recording_id, channel, start_ms, end_ms) "
                   "VALUES (?, ?, ?, ?, ?)",
                   [(session_id, recording_id, channel, int(s), int(e)) for s, e in regions if e > s])


def clear_from(db: sqlite_utils.Database, recording_id: int, channel: int | None, from_ms: int) -> None:
    """Forget regions after ``from_ms`` (session time); a region across it is cut there."""
    db.execute("DELETE FROM speech_regions WHERE recording_id = ? AND channel IS ? AND start_ms >= ?",
               [recording_id, channel, from_ms])
    db.execute("UPDATE speech_regions SET end_ms = ? WHERE recording_id = ? AND channel IS ? "
               "AND end_ms > ?", [from_ms, recording_id, channel, from_ms])


def list_regions(db: sqlite_utils.Database, session_id: int) -> list[Span]:
    return [(s, e) for s, e in db.execute(
        "SELECT start_ms, end_ms FROM speech_regions WHERE session_id = ? ORDER BY start_ms",
        [session_id]).fetchall()]


def word_spans(db: sqlite_utils.Database, session_id: int) -> list[Span]:
    """Every word's time; a segment without word times (an import) counts as one long word."""
    rows = db.execute(
        "SELECT w.start_ms, w.end_ms FROM words w JOIN segments g ON g.id = w.segment_id "
        "WHERE g.session_id = ? UNION ALL SELECT g.start_ms, g.end_ms FROM segments g "
        "WHERE g.session_id = ? AND NOT EXISTS (SELECT 1 FROM words w WHERE w.segment_id = g.id) "
        "AND g.text != ''", [session_id, session_id]).fetchall()
    return [(s, e) for s, e in rows]


def session_coverage(db: sqlite_utils.Database, session_id: int) -> SpeechCoverage:
    """Share of the session's detected speech that carries words, and the stretches without."""
    return speech_coverage(list_regions(db, session_id), word_spans(db, session_id))


def sessions_with_regions(db: sqlite_utils.Database) -> set[int]:
    return {r[0] for r in db.execute("SELECT DISTINCT session_id FROM speech_regions").fetchall()}
