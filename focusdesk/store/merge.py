"""Merge a coder's copy back (``focusdesk merge DIR``): bring in the codings, memos and framework
summaries of the copy's coder, matching sessions, speakers and codes by GUID (migration 019).

It never adds a session or a transcript turn: sessions only in the copy are listed and left out.
The transcript each coding points into must be the same on both sides (turns matched by GUID,
their times, speaker and text compared); when any differs nothing is merged and the differing
turns are listed (by session and time, never their text). Codes made in the copy are created
here with their GUID. A coding or memo already here for that coder is skipped, so merging twice
adds nothing. Summaries match by participant code, theme (code GUID) and coder: one already here
with the same text is skipped; one the copy changed later replaces this study's (the same
coder's, never another's). One transaction; the audit log records the merge.

A coder's QDPX export merges through the same ``apply_incoming`` (``exchange/refi_merge.py``
reads the project and checks its transcripts; this module writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.core.errors import UserError
from focusdesk.core.timefmt import format_ms
from focusdesk.store import audit, guids
from focusdesk.store import coders as coder_store
from focusdesk.store.study import NotFound
from focusdesk.store.tx import now_iso, transaction


@dataclass
class MergeReport:
    coder: str
    codings_added: int = 0
    codings_present: int = 0
    memos_added: int = 0
    summaries_added: int = 0
    summaries_updated: int = 0
    summaries_present: int = 0
    codes_created: list[str] = field(default_factory=list)
    sessions_left_out: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{_n(self.codings_added, 'coding')} and {_n(self.memos_added, 'memo')} of {self.coder} merged"]
        if self.summaries_added or self.summaries_updated:
            parts.append(f"{_n(self.summaries_added, 'summary')} added"
                         + (f", {self.summaries_updated} updated" if self.summaries_updated else ""))
        if self.codings_present:
            parts.append(f"{_n(self.codings_present, 'coding')} already here")
        if self.summaries_present:
            parts.append(f"{_n(self.summaries_present, 'summary')} already here")
        if self.codes_created:
            parts.append(f"codes created: {', '.join(self.codes_created)}")
        if self.sessions_left_out:
            parts.append(f"sessions only in the copy, left out: {', '.join(self.sessions_left_out)}")
        return "; ".join(parts) + "."


def _n(count: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count} {noun if count == 1 else plural}"


@dataclass
class IncomingCode:
    guid: str  # migration-019 form (32 lowercase hex)
    parent: str | None  # the parent's key in Incoming.codes
    name: str
    colour: str = ""
    description: str = ""
    position: int = 0


@dataclass
class Incoming:
    """What a coder's copy brings, however it was read (a study folder or a QDPX export), with
    sessions (and speakers) already resolved to this study's ids and its transcripts checked."""

    coder: coder_store.Coder  # the copy's coder (name and GUID; id is the copy's)
    codes: dict[str, IncomingCode]  # key (the copy's code id, or a GUID) -> code
    codings: list[tuple] = field(default_factory=list)  # (session, code key, start, end, speaker|None, memo, created)
    memos: list[tuple] = field(default_factory=list)  # (title, body, session|None, code key|None, participant code|None, created, updated)
    summaries: list[tuple] = field(default_factory=list)  # (participant code, code key, summary, updated_at)
    speakers_known: bool = True  # False: the source cannot say a coding's speaker; ignore it in matching


class TranscriptConflict(UserError):
    """The copy's transcript differs from this study's: nothing was merged."""

    def __init__(self, differences: list[str], hint: str = ""):
        self.differences = differences
        shown = "\n".join(f"  {d}" for d in differences[:50])
        more = f"\n  … and {len(differences) - 50} more" if len(differences) > 50 else ""
        super().__init__("The coder's copy has a different transcript, so its codings would point at "
                         f"other words. Nothing was merged. Differing turns:\n{shown}{more}\n"
                         "Make the transcripts the same (edit them here or in the copy), then merge again."
                         + (f" {hint}" if hint else ""))


def _turns(db: sqlite_utils.Database, session_id: int) -> dict[str, tuple]:
    rows = db.execute("SELECT s.guid, s.start_ms, s.end_ms, s.text, COALESCE(k.guid, '') FROM segments s "
                      "LEFT JOIN speakers k ON k.id = s.speaker_id WHERE s.session_id = ?", [session_id])
    return {r[0]: tuple(r[1:]) for r in rows}


def differences_of(name: str, mine: dict, theirs: dict) -> list[str]:
    """Turns keyed alike on both sides, each (start, end, text, speaker): what differs, named by
    session and time, never by its words."""
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


def _code_map(db: sqlite_utils.Database, theirs: dict[str, IncomingCode], wanted: set[str],
              report: MergeReport) -> dict[str, int]:
    """Copy code key -> code id here, creating (with their parents) the codes this study lacks."""
    here = guids.by_guid(db, "codes")
    out: dict[str, int] = {}

    def resolve(key: str) -> int:
        if key in out:
            return out[key]
        c = theirs[key]
        if c.guid in here:
            out[key] = here[c.guid]
            return out[key]
        parent_here = resolve(c.parent) if c.parent is not None else None
        same = db.execute("SELECT id FROM codes WHERE name = ? AND parent_id IS ?", [c.name, parent_here]).fetchone()
        if same:  # made by hand on both sides: one code, not two of one name
            here[c.guid] = out[key] = same[0]
            return same[0]
        new = db["codes"].insert({"parent_id": parent_here, "name": c.name, "colour": c.colour,
                                  "description": c.description, "position": c.position, "guid": c.guid}).last_pk
        report.codes_created.append(c.name)
        here[c.guid] = out[key] = new
        return new

    for key in wanted:
        resolve(key)
    return out


def merge_copy(db: sqlite_utils.Database, other: sqlite_utils.Database) -> MergeReport:
    """Bring the copy ``other``'s current coder's codings, memos and summaries into ``db``."""
    guids.ensure(other)
    coder = coder_store.current_coder(other)
    codings = other.execute("SELECT c.session_id, c.code_id, c.start_ms, c.end_ms, k.guid, c.memo, c.created_at "
                            "FROM codings c LEFT JOIN speakers k ON k.id = c.speaker_id WHERE c.coder_id = ? "
                            "ORDER BY c.session_id, c.start_ms, c.id", [coder.id]).fetchall()
    memos = other.execute("SELECT m.title, m.body, m.session_id, m.code_id, p.code, m.created_at, m.updated_at "
                          "FROM memos m LEFT JOIN participants p ON p.id = m.participant_id "
                          "WHERE m.coder_id = ?", [coder.id]).fetchall()
    summaries = other.execute("SELECT p.code, s.code_id, s.summary, s.updated_at FROM framework_summaries s "
                              "JOIN participants p ON p.id = s.participant_id WHERE s.coder_id = ? "
                              "ORDER BY p.code, s.code_id", [coder.id]).fetchall()
    their_sessions = {r[0]: (r[1], r[2]) for r in other.execute("SELECT id, guid, name FROM sessions")}
    codes = {str(r[0]): IncomingCode(r[1], str(r[2]) if r[2] is not None else None, *r[3:]) for r in other.execute(
        "SELECT id, guid, parent_id, name, colour, description, position FROM codes")}
    with transaction(db):
        guids.ensure(db)
        here_sessions = guids.by_guid(db, "sessions")
        used = {r[0] for r in codings} | {r[2] for r in memos if r[2] is not None}
        session_map: dict[int, int] = {}
        left_out: list[str] = []
        differences: list[str] = []
        for sid in sorted(used):
            guid, name = their_sessions[sid]
            if guid not in here_sessions:
                left_out.append(name)
                continue
            session_map[sid] = here_sessions[guid]
            differences += differences_of(name, _turns(db, here_sessions[guid]), _turns(other, sid))
        if differences:
            raise TranscriptConflict(differences)
        speakers = guids.by_guid(db, "speakers")
        incoming = Incoming(
            coder=coder, codes=codes,
            codings=[(session_map[sid], str(cid), start, end, speakers.get(spk) if spk else None, memo, created)
                     for sid, cid, start, end, spk, memo, created in codings if sid in session_map],
            memos=[(title, body, session_map.get(sid), str(cid) if cid is not None else None, pcode, created, updated)
                   for title, body, sid, cid, pcode, created, updated in memos
                   if sid is None or sid in session_map],
            summaries=[(pcode, str(cid), text, updated) for pcode, cid, text, updated in summaries])
        report = apply_incoming(db, incoming)
        report.sessions_left_out = left_out
    return report


def apply_incoming(db: sqlite_utils.Database, incoming: Incoming, what: str = "merge") -> MergeReport:
    """Write what a coder's copy brings: its codes this study lacks, then the codings, memos and
    summaries not already here for that coder. One transaction (joins the caller's)."""
    report = MergeReport(coder=incoming.coder.name)
    with transaction(db):
        guids.ensure(db)
        wanted = ({c[1] for c in incoming.codings} | {m[3] for m in incoming.memos if m[3] is not None}
                  | {s[1] for s in incoming.summaries})
        code_map = _code_map(db, incoming.codes, wanted, report)
        here_coder = _coder_here(db, incoming.coder)
        for sid, key, start, end, speaker, memo, created in incoming.codings:
            row = [sid, code_map[key], start, end]
            spk = "AND speaker_id IS ? " if incoming.speakers_known else ""
            if db.execute("SELECT 1 FROM codings WHERE session_id = ? AND code_id = ? AND start_ms = ? "
                          f"AND end_ms = ? {spk}AND coder_id = ?",
                          [*row, *([speaker] if incoming.speakers_known else []), here_coder]).fetchone():
                report.codings_present += 1
                continue
            db.execute("INSERT INTO codings (session_id, code_id, start_ms, end_ms, speaker_id, memo, "
                       "created_at, coder_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [*row, speaker, memo, created or now_iso(), here_coder])
            report.codings_added += 1
        for title, body, sid, key, pcode, created, updated in incoming.memos:
            vals = [title, body, sid, code_map[key] if key is not None else None]
            if db.execute("SELECT 1 FROM memos WHERE title = ? AND body = ? AND session_id IS ? AND code_id IS ? "
                          "AND coder_id = ?", [*vals, here_coder]).fetchone():
                continue
            pid = db.execute("SELECT id FROM participants WHERE code = ?", [pcode]).fetchone() if pcode else None
            db.execute("INSERT INTO memos (title, body, session_id, code_id, participant_id, created_at, updated_at, "
                       "coder_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [*vals, pid[0] if pid else None, created or now_iso(), updated or now_iso(), here_coder])
            report.memos_added += 1
        _merge_summaries(db, incoming.summaries, code_map, here_coder, report)
        audit.record(db, what, obj=f"coder {incoming.coder.name}",
                     detail=f"{report.codings_added} codings, {report.memos_added} memos, "
                            f"{report.summaries_added + report.summaries_updated} summaries, "
                            f"{len(report.codes_created)} codes created")
    return report


def _merge_summaries(db: sqlite_utils.Database, summaries: list[tuple], code_map: dict[str, int],
                     coder_id: int, report: MergeReport) -> None:
    """A summary of a participant this study lacks is left out; one already here for this coder is
    kept unless the copy's was changed later (then the copy's, the coder's newer text, wins)."""
    for pcode, key, text, updated in summaries:
        pid = db.execute("SELECT id FROM participants WHERE code = ?", [pcode]).fetchone()
        if pid is None or not text.strip():
            continue
        cell = [pid[0], code_map[key], coder_id]
        mine = db.execute("SELECT summary, updated_at FROM framework_summaries WHERE participant_id = ? "
                          "AND code_id = ? AND coder_id = ?", cell).fetchone()
        if mine is not None and (mine[0] == text or (mine[1] or "") >= (updated or "")):
            report.summaries_present += 1
            continue
        db.execute("INSERT INTO framework_summaries (participant_id, code_id, coder_id, summary, updated_at) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT(participant_id, code_id, coder_id) DO UPDATE SET "
                   "summary = excluded.summary, updated_at = excluded.updated_at",
                   [*cell, text, updated or now_iso()])
        if mine is None:
            report.summaries_added += 1
        else:
            report.summaries_updated += 1


def _coder_here(db: sqlite_utils.Database, coder: coder_store.Coder) -> int:
    """The copy's coder in this study: by GUID, then by name, else added (with its GUID)."""
    found = coder_store.coder_by_guid(db, coder.guid) if coder.guid else None
    if found is None:
        try:
            found = coder_store.coder_by_name(db, coder.name)
        except NotFound:
            found = coder_store.add_coder(db, coder.name, coder.guid)
    return found.id
