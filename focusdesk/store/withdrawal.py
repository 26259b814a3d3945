"""Withdrawing a participant: their words out of the study, provably, and the fact on record.

Two ways, chosen by the researcher (per the study's consent terms):

* **removed** (the default): the text of every turn of a voice mapped to them becomes
  "[withdrawn]" in the database itself (words and unsaved drafts deleted, the search index
  rebuilt), so every export, view and search shows "[withdrawn]" with no export left to forget;
  codings on their turns are deleted. Their voices stay mapped to their row, so exports say
  "P03: [withdrawn]".
* **anonymised**: their turns and coded passages are kept, but their voices are unmapped and
  renamed "Anonymous 1", so the passages carry no code or name.

Either way: their name, role, notes and attributes are cleared (the row stays, code kept, marked
withdrawn), their enrolled voice prints, the sessions' voice centroids for their voices, their
seat taps and positions and their framework summaries are deleted, memos about them are unlinked.
``withdrawn_speakers`` remembers which voices were theirs so exported audio can silence them.
Then the database is vacuumed (deleted text must not survive in free pages), and every backup,
which still holds their words, is replaced by a fresh one. The audit log gets a row (code only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from focusdesk.core.errors import UserError
from focusdesk.store import audit, backups
from focusdesk.store import study as study_store
from focusdesk.store.tx import now_iso, transaction
from focusdesk.store.workspace import DB_NAME, Workspace

WITHDRAWN_TEXT = "[withdrawn]"
REMOVED, ANONYMISED = "removed", "anonymised"


class AlreadyWithdrawn(UserError):
    title = "Already withdrawn"


class WithdrawnVoiceHere(UserError, ValueError):
    """A new pass over a session where a withdrawn participant spoke would undo the withdrawal
    (a ValueError too, so every caller that says why a job cannot start says this)."""

    title = "A withdrawn participant spoke here"


@dataclass(frozen=True)
class WithdrawalImpact:
    code: str
    sessions: int
    voices: int
    turns: int
    codings: int
    taps: int
    voice_prints: int
    summaries: int
    memos: int
    backups: int

    def text(self, keep_anonymised: bool) -> str:
        lines = [f"Withdraw participant {self.code}?"]
        if keep_anonymised:
            lines.append(f"Their {_n(self.turns, 'turn')} and {_n(self.codings, 'coded passage')} stay, "
                         f"with no code or name: their {_n(self.voices, 'voice')} become 'Anonymous'.")
        else:
            lines.append(f"Their {_n(self.turns, 'turn')} (in {_n(self.sessions, 'session')}) become "
                         f"'{WITHDRAWN_TEXT}' in the study and in every export, and the "
                         f"{_n(self.codings, 'coding')} on them are deleted.")
        gone = ["their name, role, notes and attributes"]
        gone += [_n(n, one) for n, one in ((self.voice_prints, "enrolled voice"), (self.taps, "seat tap"),
                                           (self.summaries, "framework summary")) if n]
        lines.append("Deleted: " + ", ".join(gone) + "." + (
            f" {_n(self.memos, 'memo')} about them stay, no longer linked to them." if self.memos else ""))
        if self.backups:
            lines.append(f"The backups made until now ({self.backups}) hold their words: they are "
                         "replaced by a new one.")
        lines.append("Their voice is silenced in exported audio. This cannot be undone.")
        return "\n\n".join(lines)


def _n(n: int, one: str) -> str:
    many = one[:-1] + "ies" if one.endswith("y") else one + "s"
    return f"{n} {one if n == 1 else many}"


def _one(db: sqlite_utils.Database, sql: str, params: list) -> int:
    return db.execute(sql, params).fetchone()[0]


def _speaker_ids(db: sqlite_utils.Database, pid: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM speakers WHERE participant_id = ?", [pid])]


def is_withdrawn(db: sqlite_utils.Database, participant_id: int) -> bool:
    row = db.execute("SELECT withdrawn_at FROM participants WHERE id = ?", [participant_id]).fetchone()
    return bool(row and row[0])


def withdrawn_codes(db: sqlite_utils.Database) -> dict[int, str]:
    """participant id -> how they were withdrawn (removed | anonymised)."""
    return {pid: how for pid, how in db.execute(
        "SELECT id, withdrawal FROM participants WHERE withdrawn_at != ''")}


def removed_speakers(db: sqlite_utils.Database, session_id: int) -> set[int]:
    """The voices in a session whose words were withdrawn (not kept anonymised)."""
    return {r[0] for r in db.execute(
        "SELECT w.speaker_id FROM withdrawn_speakers w JOIN speakers s ON s.id = w.speaker_id "
        "WHERE s.session_id = ? AND w.anonymised = 0", [session_id])}


def withdrawn_spans(db: sqlite_utils.Database, session_id: int) -> list[tuple[int, int]]:
    """Times (ms, merged, sorted) where a withdrawn participant's voice speaks in a session: their
    turns and their diarized speech, for silencing exported audio."""
    spans = list(db.execute(
        "SELECT g.start_ms, g.end_ms FROM segments g JOIN withdrawn_speakers w ON w.speaker_id = g.speaker_id "
        "WHERE g.session_id = ? UNION SELECT t.start_ms, t.end_ms FROM speaker_turns t "
        "JOIN withdrawn_speakers w ON w.speaker_id = t.speaker_id JOIN speakers s ON s.id = t.speaker_id "
        "WHERE s.session_id = ?", [session_id, session_id]))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        elif b > a:
            merged.append((a, b))
    return merged


def withdrawn_in_session(db: sqlite_utils.Database, session_id: int) -> list[str]:
    """Codes of the withdrawn participants who have a voice in a session."""
    return [r[0] for r in db.execute(
        "SELECT DISTINCT p.code FROM withdrawn_speakers w JOIN speakers s ON s.id = w.speaker_id "
        "JOIN participants p ON p.id = w.participant_id WHERE s.session_id = ? ORDER BY p.code",
        [session_id])]


_NEW_PASS = {
    "transcribe": "Transcribing it again from the beginning would bring their words back: the new "
                  "turns would not be linked to their withdrawal.",
    "diarize": "Finding its speakers again would give their voice a new name that is not linked to "
               "their withdrawal, so a later transcription would bring their words back and their "
               "voice would no longer be silenced in exported audio.",
}


def refuse_new_pass(db: sqlite_utils.Database, session_id: int, session_name: str,
                    kind: str) -> None:
    """Raise :class:`WithdrawnVoiceHere` when a withdrawn participant spoke in the session.

    Why refuse rather than withdraw again afterwards: a new diarization's voices cannot be matched
    to the withdrawn person (their enrolled voice and voice centroids were deleted on purpose), and
    a new transcript would hold their words, in the database and in any backup taken meanwhile,
    before anything could remove them. ``kind``: "transcribe" (a restart) or "diarize"."""
    codes = withdrawn_in_session(db, session_id)
    if codes:
        who = ", ".join(codes)
        raise WithdrawnVoiceHere(
            f"{who} withdrew from the study and spoke in {session_name}. {_NEW_PASS[kind]} "
            "Nothing was changed; the transcript and speakers stay as they are, and you can still "
            "edit them.")


def withdrawal_impact(ws: Workspace, code: str) -> WithdrawalImpact:
    db = ws.db
    p = study_store.participant_by_code(db, code)
    if is_withdrawn(db, p.id):
        raise AlreadyWithdrawn(f"{p.code} has already been withdrawn.")
    sub = "SELECT id FROM speakers WHERE participant_id = ?"
    return WithdrawalImpact(
        code=p.code,
        sessions=_one(db, f"SELECT COUNT(DISTINCT session_id) FROM segments WHERE speaker_id IN ({sub})", [p.id]),
        voices=_one(db, "SELECT COUNT(*) FROM speakers WHERE participant_id = ?", [p.id]),
        turns=_one(db, f"SELECT COUNT(*) FROM segments WHERE speaker_id IN ({sub})", [p.id]),
        codings=_one(db, f"SELECT COUNT(*) FROM codings WHERE speaker_id IN ({sub})", [p.id]),
        taps=_one(db, "SELECT COUNT(*) FROM seat_taps WHERE person_kind = 'participant' AND person_id = ?", [p.id]),
        voice_prints=_one(db, "SELECT COUNT(*) FROM voice_prints WHERE participant_id = ?", [p.id]),
        summaries=_one(db, "SELECT COUNT(*) FROM framework_summaries WHERE participant_id = ?", [p.id]),
        memos=_one(db, "SELECT COUNT(*) FROM memos WHERE participant_id = ?", [p.id]),
        backups=len(backups.list_backups(ws)),
    )


def _anonymous_label(db: sqlite_utils.Database, session_id: int) -> str:
    taken = {r[0] for r in db.execute("SELECT label FROM speakers WHERE session_id = ?", [session_id])}
    n = 1
    while f"Anonymous {n}" in taken:
        n += 1
    return f"Anonymous {n}"


def withdraw(ws: Workspace, code: str, keep_anonymised: bool = False) -> WithdrawalImpact:
    """Withdraw a participant (see the module's docstring); returns what it touched."""
    db = ws.db
    impact = withdrawal_impact(ws, code)
    p = study_store.participant_by_code(db, code)
    speakers = _speaker_ids(db, p.id)
    marks = ",".join("?" * len(speakers))
    with transaction(db):
        for sid in speakers:
            db.execute("INSERT OR REPLACE INTO withdrawn_speakers (speaker_id, participant_id, anonymised) "
                       "VALUES (?, ?, ?)", [sid, p.id, int(keep_anonymised)])
        db.execute("DELETE FROM speaker_voices WHERE speaker_id IN (SELECT speaker_id FROM withdrawn_speakers "
                   "WHERE participant_id = ?)", [p.id])
        if speakers and keep_anonymised:
            for sid, session_id in db.execute(f"SELECT id, session_id FROM speakers WHERE id IN ({marks})",
                                              speakers).fetchall():
                db.execute("UPDATE speakers SET participant_id = NULL, label = ? WHERE id = ?",
                           [_anonymous_label(db, session_id), sid])
        elif speakers:
            segs = f"SELECT id FROM segments WHERE speaker_id IN ({marks})"
            db.execute(f"DELETE FROM words WHERE segment_id IN ({segs})", speakers)
            db.execute(f"DELETE FROM edit_drafts WHERE segment_id IN ({segs})", speakers)
            db.execute(f"UPDATE segments SET text = ? WHERE speaker_id IN ({marks})", [WITHDRAWN_TEXT, *speakers])
            db.execute(f"DELETE FROM codings WHERE speaker_id IN ({marks})", speakers)
            # consensus decisions inside one of their turns go the same way as codings of their words
            db.execute("DELETE FROM consensus_decisions WHERE EXISTS (SELECT 1 FROM segments g WHERE "
                       f"g.speaker_id IN ({marks}) AND g.session_id = consensus_decisions.session_id AND "
                       "g.start_ms <= consensus_decisions.start_ms AND g.end_ms >= consensus_decisions.end_ms)",
                       speakers)
        db.execute("DELETE FROM voice_prints WHERE participant_id = ?", [p.id])
        db.execute("DELETE FROM seat_taps WHERE person_kind = 'participant' AND person_id = ?", [p.id])
        db.execute("DELETE FROM seat_positions WHERE person_kind = 'participant' AND person_id = ?", [p.id])
        db.execute("DELETE FROM framework_summaries WHERE participant_id = ?", [p.id])
        db.execute("UPDATE memos SET participant_id = NULL WHERE participant_id = ?", [p.id])
        db.execute("UPDATE participants SET real_name = '', role = '', notes = '', attributes = ?, "
                   "withdrawn_at = ?, withdrawal = ? WHERE id = ?",
                   [json.dumps({}), now_iso(), ANONYMISED if keep_anonymised else REMOVED, p.id])
        audit.record(db, audit.PARTICIPANT_WITHDRAWN, ANONYMISED if keep_anonymised else REMOVED, obj=p.code)
    scrub(ws)
    return impact


def scrub(ws: Workspace) -> None:
    """Leave no copy of deleted text: the search index merged, free pages and the WAL cleared,
    every backup (and the copies made before a schema upgrade) replaced by one made now."""
    db = ws.db
    db.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backups.remove_all(ws)
    for old in ws.root.glob(f"{DB_NAME}.v*.bak"):
        old.unlink(missing_ok=True)
    b = backups.create_backup(ws, reason="after a withdrawal")
    audit.record(db, audit.BACKUP_CREATED, f"{b.id} (after a withdrawal)")
