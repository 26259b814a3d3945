"""One read of the study for an analysis: sessions, sites, cases, speakers, turns and words.

Every analysis attributes a time span to participants the same way (``attribute``): a coding
made for one speaker belongs to that speaker's participant; a coding without a speaker belongs to
each participant who speaks inside it, for the time they speak there. Loading everything once
and answering from memory keeps a matrix over a whole study well under 200 ms.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.core.text import join_words
from focusdesk.store.transcripts import speaker_names


@dataclass
class Case:
    """A participant as a case, with every attribute usable as a case variable."""

    id: int
    code: str
    site: str
    role: str
    attributes: dict[str, str]

    def variable(self, name: str) -> str:
        key = name.casefold()
        if key == "site":
            return self.site
        if key == "role":
            return self.role
        if key in ("participant", "code", "case"):
            return self.code
        for k, v in self.attributes.items():
            if k.casefold() == key:
                return v
        return ""


@dataclass
class SessionInfo:
    id: int
    name: str
    site: str
    kind: str
    # turns sorted by start: parallel lists for bisect
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    turn_speakers: list[int | None] = field(default_factory=list)
    turn_ids: list[int] = field(default_factory=list)
    turn_texts: list[str] = field(default_factory=list)
    longest_turn: int = 0
    speaker_participant: dict[int, int | None] = field(default_factory=dict)
    speaker_name: dict[int, str] = field(default_factory=dict)
    words: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # turn index -> words

    def turns_overlapping(self, start: int, end: int) -> list[int]:
        """Indexes of turns that overlap ``[start, end)``."""
        lo = bisect_left(self.starts, start - self.longest_turn)
        hi = bisect_left(self.starts, end)
        return [i for i in range(lo, hi) if self.ends[i] > start]


class StudyData:
    def __init__(self, db: sqlite_utils.Database, real_names: bool = False):
        self.db = db
        self.real_names = real_names
        sites = dict(db.execute("SELECT id, name FROM sites").fetchall())
        self.cases: dict[int, Case] = {}
        for pid, code, site_id, role, attrs, real in db.execute(
                "SELECT id, code, site_id, role, attributes, real_name FROM participants ORDER BY code"):
            name = real if (real_names and real) else code
            self.cases[pid] = Case(pid, name, sites.get(site_id, ""), role, json.loads(attrs or "{}"))
        self.sessions: dict[int, SessionInfo] = {}
        for sid, name, site_id, kind in db.execute(
                "SELECT id, name, site_id, kind FROM sessions ORDER BY date, name"):
            self.sessions[sid] = SessionInfo(sid, name, sites.get(site_id, ""), kind)
        for sid, spk, pid in db.execute("SELECT session_id, id, participant_id FROM speakers"):
            if sid in self.sessions:
                self.sessions[sid].speaker_participant[spk] = pid
        for info in self.sessions.values():
            info.speaker_name = speaker_names(db, info.id, real_names=real_names)
        for tid, sid, start, end, spk, text in db.execute(
                "SELECT id, session_id, start_ms, end_ms, speaker_id, text FROM segments "
                "ORDER BY session_id, start_ms, id"):
            info = self.sessions.get(sid)
            if info is None:
                continue
            info.starts.append(start)
            info.ends.append(end)
            info.turn_speakers.append(spk)
            info.turn_ids.append(tid)
            info.turn_texts.append(text)
            info.longest_turn = max(info.longest_turn, end - start)

    def prefetch_words(self, spans: list[tuple[int, int, int]]) -> None:
        """Read, in a few queries, the words of every turn that ``(session, start, end)`` spans
        cover only in part (a turn covered whole is quoted from its text)."""
        need: dict[int, tuple[SessionInfo, int]] = {}
        for sid, start, end in spans:
            info = self.sessions[sid]
            for i in info.turns_overlapping(start, end):
                if (start > info.starts[i] or end < info.ends[i]) and i not in info.words:
                    need[info.turn_ids[i]] = (info, i)
        ids = list(need)
        for chunk in range(0, len(ids), 900):
            part = ids[chunk:chunk + 900]
            for info, i in (need[t] for t in part):
                info.words[i] = []
            for seg_id, start, end, text in self.db.execute(
                    f"SELECT segment_id, start_ms, end_ms, text FROM words WHERE segment_id IN "
                    f"({', '.join('?' * len(part))}) ORDER BY segment_id, idx", part).fetchall():
                info, i = need[seg_id]
                info.words[i].append((start, end, text))

    # --- attribution --------------------------------------------------------------------------

    def attribute(self, session_id: int, start: int, end: int,
                  speaker_id: int | None) -> dict[int | None, list[tuple[int, int]]]:
        """Participant id (None: facilitator, unmapped voice or nobody) -> time intervals."""
        info = self.sessions[session_id]
        if speaker_id is not None:
            return {info.speaker_participant.get(speaker_id): [(start, end)]}
        out: dict[int | None, list[tuple[int, int]]] = {}
        for i in info.turns_overlapping(start, end):
            pid = info.speaker_participant.get(info.turn_speakers[i]) if info.turn_speakers[i] else None
            out.setdefault(pid, []).append((max(start, info.starts[i]), min(end, info.ends[i])))
        return out or {None: [(start, end)]}

    def speakers_in(self, session_id: int, start: int, end: int) -> list[int]:
        """Speaker ids heard in a span, in order of first turn."""
        info = self.sessions[session_id]
        seen: dict[int, None] = {}
        for i in info.turns_overlapping(start, end):
            if info.turn_speakers[i] is not None:
                seen.setdefault(info.turn_speakers[i], None)
        return list(seen)

    def text(self, session_id: int, start: int, end: int, speaker_ids: set[int] | None = None) -> str:
        """The words spoken in ``[start, end)`` (optionally by some speakers), as they are now."""
        info = self.sessions[session_id]
        turns = info.turns_overlapping(start, end)
        self.prefetch_words([(session_id, start, end)])
        parts: list[str] = []
        for i in turns:
            if speaker_ids is not None and info.turn_speakers[i] not in speaker_ids:
                continue
            words = info.words.get(i)
            if not words:  # covered whole, or no word times: the whole turn
                parts.append(info.turn_texts[i])
                continue
            parts += [w[2] for w in words if w[0] < end and w[1] > start]
        return join_words(parts)

    def talk_time(self) -> dict[tuple[int, int | None], int]:
        """(session id, speaker id) -> ms spoken (union of that speaker's turns)."""
        out: dict[tuple[int, int | None], int] = {}
        for sid, info in self.sessions.items():
            per: dict[int | None, list[tuple[int, int]]] = {}
            for s, e, spk in zip(info.starts, info.ends, info.turn_speakers):
                per.setdefault(spk, []).append((s, e))
            for spk, spans in per.items():
                out[(sid, spk)] = union_length(spans)
        return out


def union_length(spans: list[tuple[int, int]]) -> int:
    """Total time covered by possibly overlapping spans."""
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(spans):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total
