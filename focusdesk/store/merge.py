"""Merge a coder's copy back (``focusdesk merge DIR``): bring in the codings and memos of the copy's
coder, matching sessions, speakers and codes by GUID (migration 019).

It never adds a session or a transcript turn: sessions only in the copy are listed and left out.
The transcript each coding points into must be the same on both sides (turns matched by GUID,
their times, speaker and text compared); when any differs nothing is merged and the differing
turns are listed (by session and time, never their text). Codes made in the copy are created
here with their GUID. A coding or memo already here for that coder is skipped, so merging twice
adds nothing. One transaction; the audit log records the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.core.errors import UserError
from focusdesk.core.timefmt import format_ms
from focusdesk.store import audit, guids
from focusdesk.store import coders as coder_store
from focusdesk.store.tx import now_iso, transaction


@dataclass
class MergeReport:
    coder: str
    codings_added: int = 0
    codings_present: int = 0
    memos_added: int = 0
    codes_created: list[str] = field(default_factory=list)
    sessions_left_out: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{_n(self.codings_added, 'coding')} and {_n(self.memos_added, 'memo')} of {self.coder} merged"]
        if self.codings_present:
            parts.append(f"{_n(self.codings_present, 'coding')} already here")
        if self.codes_created:
            parts.append(f"codes created: {', '.join(self.codes_created)}")
        if self.sessions_left_out:
            parts.append(f"sessions only in the copy, left out: {', '.join(self.sessions_left_out)}")
        return "; ".join(parts) + "."


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class TranscriptConflict(UserError):
    """The copy's transcript differs from this study's: nothing was merged."""

    def __init__(self, differences: list[str]):
        self.differences = differences
        shown = "\n".join(f"  {d}" for d in differences[:50])
        more = f"\n  … and {len(differences) - 50} more" if len(differences) > 50 else ""
        super().__init__("The coder's copy has a different transcript, so its codings would point at "
                         f"other words. Nothing was merged. Differing turns:\n{shown}{more}\n"
                         "Make the transcripts the same (edit them here or in the copy), then merge again.")


def _turns(db: sqlite_utils.Database, session_id: int) -> dict[str, tuple]:
    rows = db.execute("SELECT s.guid, s.start_ms, s.end_ms, s.text, COALESCE(k.guid, '') FROM segments s "
                      "LEFT JOIN speakers k ON k.id = s.speaker_id WHERE s.session_id = ?", [session_id])
    return {r[0]: tuple(r[1:]) for r in rows}


def _differences(name: str, mine: dict[str, tuple], theirs: dict[str, tuple]) -> list[str]:
    out: list[tuple[int, str]] = []
    for g, t in theirs.items():
        if g not in mine:
            out.append((t[0], f"{name} {format_ms(t[0])}: a turn only in the copy"))
        elif mine[g] != t:
            what = "text" if mine[g][2] != t[2] else "speaker" if mine[g][3] != t[3] else "times"
            out.append((mine[g][0], f"{name} {format_ms(mine[g][0])}: {what} differs"))
    for g, t in mine.items():
        if g not in theirs:
            out.append((t[0], f"{name} {format_ms(t[0])}: a turn only in this study"))
    return [text for _, text in sorted(out)]


def _code_map(db: sqlite_utils.Database, other: sqlite_utils.Database, wanted: set[int],
              report: MergeReport) -> dict[int, int]:
    """Copy code id -> code id here, creating (with their parents) the codes this study lacks."""
    here = guids.by_guid(db, "codes")
    theirs = {r[0]: r[1:] for r in other.execute(
        "SELECT id, guid, parent_id, name, colour, description, position FROM codes")}
    out: dict[int, int] = {}

    def resolve(cid: int) -> int:
        if cid in out:
            return out[cid]
        guid, parent, name, colour, description, position = theirs[cid]
        if guid in here:
            out[cid] = here[guid]
            return out[cid]
        parent_here = resolve(parent) if parent is not None else None
        same = db.execute("SELECT id FROM codes WHERE name = ? AND parent_id IS ?", [name, parent_here]).fetchone()
        if same:  # made by hand on both sides: one code, not two of one name
            here[guid] = out[cid] = same[0]
            return same[0]
        new = db["codes"].insert({"parent_id": parent_here, "name": name, "colour": colour,
                                  "description": description, "position": position, "guid": guid}).last_pk
        report.codes_created.append(name)
        here[guid] = out[cid] = new
        return new

    for cid in wanted:
        resolve(cid)
    return out


def merge_copy(db: sqlite_utils.Database, other: sqlite_utils.Database) -> MergeReport:
    """Bring the copy ``other``'s current coder's codings and memos into ``db``."""
    guids.ensure(other)
    coder = coder_store.current_coder(other)
    report = MergeReport(coder=coder.name)
    codings = other.execute("SELECT c.session_id, c.code_id, c.start_ms, c.end_ms, k.guid, c.memo, c.created_at "
                            "FROM codings c LEFT JOIN speakers k ON k.id = c.speaker_id WHERE c.coder_id = ? "
                            "ORDER BY c.session_id, c.start_ms, c.id", [coder.id]).fetchall()
    memos = other.execute("SELECT m.title, m.body, m.session_id, m.code_id, p.code, m.created_at, m.updated_at "
                          "FROM memos m LEFT JOIN participants p ON p.id = m.participant_id "
                          "WHERE m.coder_id = ?", [coder.id]).fetchall()
    their_sessions = {r[0]: (r[1], r[2]) for r in other.execute("SELECT id, guid, name FROM sessions")}
    with transaction(db):
        guids.ensure(db)
        here_sessions = guids.by_guid(db, "sessions")
        used = {r[0] for r in codings} | {r[2] for r in memos if r[2] is not None}
        session_map: dict[int, int] = {}
        differences: list[str] = []
        for sid in sorted(used):
            guid, name = their_sessions[sid]
            if guid not in here_sessions:
                report.sessions_left_out.append(name)
                continue
            session_map[sid] = here_sessions[guid]
            differences += _differences(name, _turns(db, here_sessions[guid]), _turns(other, sid))
        if differences:
            raise TranscriptConflict(differences)
        code_map = _code_map(db, other, {r[1] for r in codings if r[0] in session_map}
                             | {r[3] for r in memos if r[3] is not None}, report)
        speakers = guids.by_guid(db, "speakers")
        here_coder = _coder_here(db, coder)
        for sid, cid, start, end, spk_guid, memo, created in codings:
            if sid not in session_map:
                continue
            row = [session_map[sid], code_map[cid], start, end, speakers.get(spk_guid) if spk_guid else None]
            if db.execute("SELECT 1 FROM codings WHERE session_id = ? AND code_id = ? AND start_ms = ? "
                          "AND end_ms = ? AND speaker_id IS ? AND coder_id = ?", [*row, here_coder]).fetchone():
                report.codings_present += 1
                continue
            db.execute("INSERT INTO codings (session_id, code_id, start_ms, end_ms, speaker_id, memo, "
                       "created_at, coder_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [*row, memo, created, here_coder])
            report.codings_added += 1
        for title, body, sid, cid, pcode, created, updated in memos:
            if sid is not None and sid not in session_map:
                continue
            vals = [title, body, session_map.get(sid), code_map.get(cid) if cid is not None else None]
            if db.execute("SELECT 1 FROM memos WHERE title = ? AND body = ? AND session_id IS ? AND code_id IS ? "
                          "AND coder_id = ?", [*vals, here_coder]).fetchone():
                continue
            pid = db.execute("SELECT id FROM participants WHERE code = ?", [pcode]).fetchone() if pcode else None
            db.execute("INSERT INTO memos (title, body, session_id, code_id, participant_id, created_at, updated_at, "
                       "coder_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [*vals, pid[0] if pid else None, created, updated or now_iso(), here_coder])
            report.memos_added += 1
        audit.record(db, "merge", obj=f"coder {coder.name}",
                     detail=f"{report.codings_added} codings, {report.memos_added} memos, "
                            f"{len(report.codes_created)} codes created")
    return report


def _coder_here(db: sqlite_utils.Database, coder: coder_store.Coder) -> int:
    """The copy's coder in this study: by GUID, then by name, else added."""
    found = coder_store.coder_by_guid(db, coder.guid) if coder.guid else None
    if found is None:
        found = coder_store.coder_by_name(db, coder.name, create=True)
    return found.id
