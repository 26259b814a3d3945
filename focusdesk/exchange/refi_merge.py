"""Merge a coder's QDPX export back (``focusdesk merge FILE.qdpx``): the project of a study copy
(``study copy-for``, then ``export-study --format qdpx``), or such a project after a round trip
through another REFI-QDA program, brings its codings and notes in like the copy's folder would.

Sources are matched to this study's sessions by GUID (their stable ids, see
``refi_import.source_sessions``) and codes by GUID, then by name under the same parent; nothing
of the transcript is ever added. Each source's transcript must read and time exactly as this
study's would export with the default options (pseudonyms, redaction): an unknown source or a
changed turn refuses the whole file, with a list. A focusdesk project brings only the codings
and notes of its creating user (the copy's coder, as in a folder merge); another program's
brings every user's, each as its coder. Framework summaries are not in REFI-QDA: merge the
copy's folder for those. This module reads and checks; ``store/merge.apply_incoming`` writes.
"""

from __future__ import annotations

from pathlib import Path

from focusdesk.core.errors import UserError
from focusdesk.exchange.refi_export import _build_transcript, _clean
from focusdesk.exchange.refi_import import (
    NS,
    ImportReport,
    _Clock,
    _g,
    _lines,
    _media_sources,
    _text_of,
    load_project,
    source_sessions,
)
from focusdesk.exchange.refi_schema import local_guid
from focusdesk.exchange.session_data import ExportOptions, load_session
from focusdesk.store import coders as coder_store
from focusdesk.store import guids, sessions
from focusdesk.store.merge import (
    Incoming,
    IncomingCode,
    MergeReport,
    TranscriptConflict,
    apply_incoming,
    differences_of,
)
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace

HINT = ("A QDPX merges only when exported with the default options (pseudonyms and redaction on), "
        "as 'focusdesk export-study --format qdpx' writes it.")


class UnknownSources(UserError):
    """The project holds sources that are not sessions of this study: nothing was merged."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(f"These sources are not sessions of this study: {', '.join(names)}. Nothing was "
                         "merged. A coder's project merges back only into the study it was copied from; "
                         "to add new sessions, use 'focusdesk import-qdpx' in a new study.")


def _timed_lines(text: str, sync_points: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
    """(start ms, end ms, speaker, words) of each transcript line, timed by its sync points."""
    clock = _Clock(sync_points)
    return [(clock.at(a), clock.at(b, latest=True), speaker, body) for a, b, speaker, body in _lines(text)]


def _keyed(turns: list[tuple[int, int, str, str]], by_index: bool) -> dict:
    """Turns keyed for comparison: by place when both sides have as many, else by start time."""
    out: dict = {}
    seen: dict[int, int] = {}  # start -> turns already keyed there
    for n, (start, end, speaker, body) in enumerate(turns):
        seen[start] = seen.get(start, -1) + 1
        out[n if by_index else (start, seen[start])] = (start, end, body, speaker)
    return out


def _codes(root) -> dict[str, IncomingCode]:
    out: dict[str, IncomingCode] = {}

    def walk(parent, parent_key: str | None) -> None:
        for n, el in enumerate(parent.findall(f"{NS}Code")):
            key = _g(el.get("guid"))
            desc = el.find(f"{NS}Description")
            out[key] = IncomingCode(local_guid(key), parent_key, (el.get("name") or "").strip() or "Unnamed code",
                                    el.get("color") or "", (desc.text or "") if desc is not None else "", n)
            walk(el, key)

    book = root.find(f"{NS}CodeBook/{NS}Codes")
    if book is not None:
        walk(book, None)
    return out


def read_coder_project(ws: Workspace, path: Path | str) -> list[Incoming]:
    """What a coder's project brings, one ``Incoming`` per user whose codings or notes merge,
    sessions resolved to this study's; raises UnknownSources or TranscriptConflict."""
    pkg = load_project(path)
    root, db = pkg.root, ws.db
    guids.ensure(db)
    here = source_sessions(db)
    users = {_g(u.get("guid")): (u.get("name") or "").replace(",", " ").strip()
             for u in root.iterfind(f"{NS}Users/{NS}User")}
    only = _g(root.get("creatingUserGUID")) if root.get("origin") == "focusdesk" else None
    codes = _codes(root)
    unknown: list[str] = []
    differences: list[str] = []
    notes_at: dict[str, tuple[str, object]] = {}  # note GUID -> ("session", id) | ("code", key)
    codings: list[tuple] = []  # (user, session, code key, start, end, speaker, memo, created)
    scratch = ImportReport()
    for src in _media_sources(root):
        name = src.get("name") or "a source"
        sid = here.get(_g(src.get("guid")))
        if sid is None:
            unknown.append(name)
            continue
        for ref in src.findall(f"{NS}NoteRef"):
            notes_at[_g(ref.get("targetGUID"))] = ("session", sid)
        data = load_session(db, sid, ExportOptions())
        mine: list[tuple[int, int, str, str]] = []
        if data.segments:
            built = _build_transcript(data, lambda kind, key: f"{kind}:{key}")
            mine = _timed_lines(_clean(built.text), list(built.sync))
        transcript = src.find(f"{NS}Transcript")
        theirs: list[tuple[int, int, str, str]] = []
        sync: dict[str, tuple[int, int]] = {}
        if transcript is not None:
            sync = {_g(p.get("guid")): (int(p.get("position") or 0), int(p.get("timeStamp") or 0))
                    for p in transcript.findall(f"{NS}SyncPoint")}
            text = _text_of(pkg, transcript, scratch, name) or ""
            theirs = _timed_lines(text, list(sync.values())) if sync else []
        label = sessions.get_session(db, sid).name
        differences += differences_of(label, _keyed(mine, len(mine) == len(theirs)),
                                      _keyed(theirs, len(mine) == len(theirs)))
        turn_speaker = {(s.start_ms, s.end_ms): s.speaker_id for s in data.segments}
        spans = []
        for sel in (transcript.findall(f"{NS}TranscriptSelection") if transcript is not None else []):
            a, b = sync.get(_g(sel.get("fromSyncPoint"))), sync.get(_g(sel.get("toSyncPoint")))
            if a is not None and b is not None:
                spans.append((sel, min(a[1], b[1]), max(a[1], b[1])))
        for tag in ("AudioSelection", "VideoSelection"):
            spans += [(sel, int(sel.get("begin")), int(sel.get("end"))) for sel in src.findall(f"{NS}{tag}")]
        for sel, start, end in spans:
            desc = sel.find(f"{NS}Description")
            memo = (desc.text or "").strip() if desc is not None else ""
            for c in sel.findall(f"{NS}Coding"):
                ref = c.find(f"{NS}CodeRef")
                key = _g(ref.get("targetGUID")) if ref is not None else ""
                if key in codes and end > start:
                    user = _g(c.get("creatingUser") or sel.get("creatingUser"))
                    codings.append((user, sid, key, start, end, turn_speaker.get((start, end)), memo,
                                    c.get("creationDateTime") or sel.get("creationDateTime") or ""))
    if unknown:
        raise UnknownSources(unknown)
    if differences:
        raise TranscriptConflict(differences, HINT)
    for code_el in root.iter(f"{NS}Code"):
        for ref in code_el.findall(f"{NS}NoteRef"):
            notes_at[_g(ref.get("targetGUID"))] = ("code", _g(code_el.get("guid")))
    memos: list[tuple] = []  # (user, title, body, session, code key, created, updated)
    for note in root.iterfind(f"{NS}Notes/{NS}Note"):
        kind, target = notes_at.get(_g(note.get("guid")), (None, None))
        memos.append((_g(note.get("creatingUser")), note.get("name") or "Note",
                      _text_of(pkg, note, scratch, "a note") or "", target if kind == "session" else None,
                      target if kind == "code" else None, note.get("creationDateTime") or "",
                      note.get("modifiedDateTime") or ""))
    who = [only] if only else sorted({c[0] for c in codings} | {m[0] for m in memos})
    out = []
    for user in who:
        name = users.get(user) or f"REFI user {user[:8]}"
        out.append(Incoming(
            coder=coder_store.Coder(id=0, name=name, guid=user), codes=codes, speakers_known=False,
            codings=[c[1:] for c in codings if c[0] == user],
            memos=[(t, b, s, k, None, cr, up) for u, t, b, s, k, cr, up in memos if u == user]))
    return out


def merge_qdpx(ws: Workspace, path: Path | str) -> list[MergeReport]:
    """Merge a coder's project into the study, all or nothing; one report per coder."""
    with transaction(ws.db):
        return [apply_incoming(ws.db, incoming, what="merge qdpx") for incoming in read_coder_project(ws, path)]
