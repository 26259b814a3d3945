"""The whole study (or some sessions) as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA.

Each session becomes an ``AudioSource`` (its recording, packed under ``sources/``; several
recordings, or one that starts later than the session, are joined into one file on the session
timeline, see focusdesk.audio.join) with a
``Transcript`` whose plain text is one line per segment ("Name: text"). ``SyncPoint``s tie the
text to media time at every segment start and end and at every coding boundary, with the
coding's exact millisecond, so codings survive a round trip to the millisecond. Codings hang on
``TranscriptSelection``s; participants are ``Case``s with variables; memos are ``Note``s; there
is a ``Set`` per site and per session. Sessions and codes carry their own stable ids (migration
019, in REFI's GUID form), which a study copy shares, so a coder's export of their copy merges
back by GUID (``exchange/refi_merge.py``); the project's creating user is the current coder.
Other GUIDs derive from a study-wide namespace kept in the study settings, so re-exports keep
them stable. Everything passes through pseudonyms and redaction.
"""

from __future__ import annotations

import re
import shutil
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from focusdesk.audio.join import join_recordings
from focusdesk.core.tempfiles import private_folder
from focusdesk.core.timefmt import format_ms
from focusdesk.exchange.refi_schema import PROJECT_NS, refi_guid, stable_guid
from focusdesk.exchange.safe_write import atomic_path
from focusdesk.exchange.session_data import ExportOptions, SessionData, load_session, ms_to_char
from focusdesk.store import annotations, codes, guids, sessions, transcripts, withdrawal
from focusdesk.store import coders as coder_store
from focusdesk.store import study as study_store
from focusdesk.store.protect.media import open_media
from focusdesk.store.tx import now_iso
from focusdesk.store.workspace import Workspace

_RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")


def study_namespace(db) -> uuid.UUID:
    st = study_store.get_study(db)
    value = st.settings.get("refi_namespace") if st else None
    if not value:
        value = str(uuid.uuid4())
        study_store.update_settings(db, refi_namespace=value)
    return uuid.UUID(value)


def _dt(value: str) -> str | None:
    """An ISO timestamp in the form xsd:dateTime accepts, or None."""
    if not value or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
        return None
    return value


@dataclass
class _Transcript:
    text: str
    sync: dict[tuple[int, int], str] = field(default_factory=dict)  # (pos, ms) -> guid
    selections: list[tuple[object, str, str, str]] = field(default_factory=list)


def _build_transcript(data: SessionData, g) -> _Transcript:
    """The transcript text, its sync points, and a (from, to) sync point pair per coding."""
    out: list[str] = []
    length = 0
    sync: dict[tuple[int, int], str] = {}
    coding_at: dict[int, list[int | None]] = {id(cv): [None, None] for cv in data.codings}
    sid = data.session.id

    def point(pos: int, ms: int) -> str:
        key = (pos, int(ms))
        if key not in sync:
            sync[key] = g("sync", f"{sid}:{pos}:{int(ms)}")
        return sync[key]

    segs = data.segments
    line_begin: dict[int, int] = {}  # segment id -> position of its line's first character
    for seg in segs:
        line_begin[seg.id] = length
        name = data.speaker(seg) or "Unknown"
        prefix = f"{name}: "
        text = seg.text.strip()
        line_start = length + len(prefix)
        # coding boundaries inside this segment, as (char, ms, coding, is_end)
        bounds = []
        for cv in data.codings:
            c = cv.coding
            if seg.start_ms <= c.start_ms < seg.end_ms or (c.start_ms == seg.start_ms == seg.end_ms):
                bounds.append((ms_to_char(seg, c.start_ms), c.start_ms, cv, 0))
            if seg.start_ms < c.end_ms <= seg.end_ms:
                bounds.append((ms_to_char(seg, c.end_ms, end=True), c.end_ms, cv, 1))
        spans = data.redactor.spans(text)

        def snap(pos: int, spans=spans) -> int:
            for a, b in spans:
                if a < pos < b:
                    return a
            return pos

        cuts = sorted({0, len(text)} | {snap(b[0]) for b in bounds})
        out_pos: dict[int, int] = {}
        pieces = []
        cursor = line_start
        for a, b in zip(cuts, cuts[1:]):
            out_pos[a] = cursor
            piece = data.redactor.apply(text[a:b])
            pieces.append(piece)
            cursor += len(piece)
        out_pos[len(text)] = cursor
        body = "".join(pieces)
        point(line_start, seg.start_ms)
        point(line_start + len(body), seg.end_ms)
        for char, ms, cv, is_end in bounds:
            coding_at[id(cv)][is_end] = point(out_pos[snap(char)], ms)
        line = prefix + body + "\n"
        out.append(line)
        length += len(line)
    t = _Transcript("".join(out), sync)
    for cv in data.codings:
        a, b = coding_at[id(cv)]
        c = cv.coding
        # a coding in a gap between segments: anchor it at its own time between the lines (the
        # start of the next line, before the speaker's name), never on a segment's own boundary
        # position, where a second time would move that segment's start or end on import
        if a is None:
            nxt = next((s for s in segs if s.end_ms > c.start_ms), None)
            a = point(line_begin[nxt.id] if nxt else len(t.text), c.start_ms)
        if b is None:
            after = next((s for s in segs if s.start_ms >= c.end_ms), None)
            b = point(line_begin[after.id] if after else len(t.text), c.end_ms)
        t.selections.append((cv, a, b, data.coded_text(c.start_ms, c.end_ms)))
    return t


def _sub(parent, tag: str, **attrs) -> etree._Element:
    el = etree.SubElement(parent, f"{{{PROJECT_NS}}}{tag}")
    for k, v in attrs.items():
        if v is not None and v != "":
            el.set(k, str(v))
    return el


def _text(parent, tag: str, text: str) -> etree._Element:
    el = _sub(parent, tag)
    el.text = text
    return el


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


def _coder_users(db, g) -> dict[int, str]:
    """Each coder's REFI-QDA user GUID: the one it was imported with, else derived from the study
    (the default coder keeps the GUID that exports used before coders existed)."""
    return {c.id: c.guid or (g("user", "focusdesk") if c.id == coder_store.DEFAULT_ID else g("user", f"coder-{c.id}"))
            for c in coder_store.list_coders(db)}


@dataclass
class ProjectBuild:
    root: etree._Element
    files: dict[str, bytes]  # sources/<name> -> content
    media: dict[str, Path]  # sources/<name> -> file on disk
    warnings: list[str]
    joins: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)  # sources/<name> -> parts
    silences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # sources/<name> -> ms spans


def build_project(ws: Workspace, session_ids: list[int] | None = None,
                  options: ExportOptions | None = None, include_media: bool = True) -> ProjectBuild:
    db = ws.db
    options = options or ExportOptions()
    ns = study_namespace(db)

    guids.ensure(db)
    own = {kind: {i: refi_guid(v) for v, i in guids.by_guid(db, table).items()}
           for kind, table in (("session", "sessions"), ("code", "codes"))}

    def g(kind: str, key) -> str:
        if kind in own and key in own[kind]:  # the row's own stable id, shared with a coder's copy
            return own[kind][key]
        return stable_guid(ns, kind, key)

    st = study_store.get_study(db)
    all_sessions = sessions.list_sessions(db)
    chosen = [s for s in all_sessions if session_ids is None or s.id in session_ids]
    user = g("user", "focusdesk")
    now = now_iso()
    root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS})
    root.set("name", st.title if st else "focusdesk study")
    root.set("origin", "focusdesk")
    user_of = _coder_users(db, g)  # coder id -> user GUID; codings and notes name their coder
    root.set("creatingUserGUID", user_of[coder_store.current_coder(db).id])  # whose copy this is
    root.set("creationDateTime", _dt(st.created_at) if st and _dt(st.created_at) else now)
    root.set("modifiedDateTime", now)
    users = _sub(root, "Users")
    for coder in coder_store.list_coders(db):
        _sub(users, "User", guid=user_of[coder.id], name=coder.name)

    memos = annotations.list_memos(db)
    from focusdesk.exchange.redact import build_redactor

    redactor = build_redactor(db, names=options.names, redact=options.redact)
    code_list = codes.list_codes(db)
    if code_list:
        book = _sub(root, "CodeBook")
        codes_el = _sub(book, "Codes")
        elements: dict[int, etree._Element] = {}
        for c in code_list:
            parent = elements.get(c.parent_id, codes_el)
            el = _sub(parent, "Code", guid=g("code", c.id), name=c.name, isCodable="true",
                      color=c.colour if _RGB.match(c.colour or "") else None)
            if c.description:
                _text(el, "Description", _clean(c.description))
            for m in memos:
                if m.code_id == c.id:
                    _sub(el, "NoteRef", targetGUID=g("memo", m.id))
            elements[c.id] = el

    people = study_store.list_participants(db)
    sites = {s.id: s for s in study_store.list_sites(db)}
    var_names = ["site", "role"] + sorted({k for p in people for k in p.attributes})
    if people:
        variables = _sub(root, "Variables")
        for v in var_names:
            _sub(variables, "Variable", guid=g("variable", v), name=v, typeOfVariable="Text")
        cases = _sub(root, "Cases")
        for p in people:
            name = p.real_name if options.names and p.real_name else p.code
            case = _sub(cases, "Case", guid=g("case", p.id), name=name)
            values = {"site": sites[p.site_id].name if p.site_id in sites else "", "role": p.role,
                      **p.attributes}
            for v in var_names:
                if values.get(v):
                    vv = _sub(case, "VariableValue")
                    _sub(vv, "VariableRef", targetGUID=g("variable", v))
                    _text(vv, "TextValue", _clean(str(values[v])))
            for s in chosen:
                if p.id in s.participant_ids:
                    _sub(case, "SourceRef", targetGUID=g("session", s.id))

    files: dict[str, bytes] = {}
    media: dict[str, Path] = {}
    joins: dict[str, list[tuple[Path, int]]] = {}
    silences: dict[str, list[tuple[int, int]]] = {}
    warnings: list[str] = []
    if chosen:
        sources = _sub(root, "Sources")
        for s in chosen:
            data = load_session(db, s.id, options)
            recs = transcripts.list_recordings(db, s.id)
            path_attr = None
            if recs and include_media:
                present = [r for r in recs if ws.resolve(r.path).is_file()]
                for rec in recs:
                    if rec not in present:
                        warnings.append(f"{s.name}: the recording {rec.path} is missing; "
                                        "exported without it.")
                quiet = withdrawal.withdrawn_spans(db, s.id)  # a withdrawn participant's voice
                if quiet:
                    silences[f"sources/{g('session-audio', s.id)}.m4a"] = quiet
                    warnings.append(f"{s.name}: a withdrawn participant's voice is silenced in its audio.")
                if len(present) == 1 and present[0].offset_ms == 0 and not quiet:
                    file = ws.resolve(present[0].path)
                    name = f"{g('recording', present[0].id)}{file.suffix.lower()}"
                    media[f"sources/{name}"] = file
                    path_attr = f"internal://{name}"
                elif present:  # one file on the session timeline, as the transcript's times are
                    name = f"{g('session-audio', s.id)}.m4a"
                    joins[f"sources/{name}"] = [(ws.resolve(r.path), r.offset_ms) for r in present]
                    path_attr = f"internal://{name}"
                    if len(present) > 1:
                        warnings.append(f"{s.name}: its {len(present)} recordings are joined into one "
                                        "audio file on the session timeline (16 kHz mono AAC).")
            src = _sub(sources, "AudioSource", guid=g("session", s.id), name=s.name, path=path_attr,
                       creatingUser=user, creationDateTime=_dt(s.created_at))
            desc = ", ".join(x for x in (s.kind.label, data.site_name, s.date) if x)
            _text(src, "Description", desc)
            if data.segments:
                t = _build_transcript(data, g)
                tguid = g("transcript", s.id)
                files[f"sources/{tguid}.txt"] = _clean(t.text).encode("utf-8")
                tr = _sub(src, "Transcript", guid=tguid, name=f"{s.name} transcript",
                          plainTextPath=f"internal://{tguid}.txt", creatingUser=user,
                          creationDateTime=_dt(s.created_at))
                for (pos, ms), sguid in sorted(t.sync.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                    _sub(tr, "SyncPoint", guid=sguid, timeStamp=ms, position=pos)
                for cv, a, b, quote in t.selections:
                    c = cv.coding
                    label = quote if len(quote) <= 80 else quote[:79] + "…"
                    sel = _sub(tr, "TranscriptSelection", guid=g("selection", c.id),
                               name=_clean(label) or f"{format_ms(c.start_ms)}–{format_ms(c.end_ms)}",
                               fromSyncPoint=a, toSyncPoint=b, creatingUser=user,
                               creationDateTime=_dt(c.created_at))
                    if cv.memo:
                        _text(sel, "Description", _clean(cv.memo))
                    coding = _sub(sel, "Coding", guid=g("coding", c.id),
                                  creatingUser=user_of.get(c.coder_id, user),
                                  creationDateTime=_dt(c.created_at))
                    _sub(coding, "CodeRef", targetGUID=g("code", c.code_id))
            for m in memos:
                if m.session_id == s.id:
                    _sub(src, "NoteRef", targetGUID=g("memo", m.id))

    exported_sessions = {s.id for s in chosen}
    kept_memos = [m for m in memos if m.session_id is None or m.session_id in exported_sessions]
    if kept_memos:
        notes = _sub(root, "Notes")
        for m in kept_memos:
            note = _sub(notes, "Note", guid=g("memo", m.id), name=_clean(redactor.apply(m.title)),
                        creatingUser=user_of.get(m.coder_id, user), creationDateTime=_dt(m.created_at),
                        modifiedDateTime=_dt(m.updated_at))
            _text(note, "PlainTextContent", _clean(redactor.apply(m.body)))
    session_sets = []
    for site in sites.values():
        members = [s for s in chosen if s.site_id == site.id]
        if members:
            session_sets.append((g("set-site", site.id), f"Site: {site.name}", members, []))
    for s in chosen:
        session_sets.append((g("set-session", s.id), f"Session: {s.name}", [s],
                             [m for m in kept_memos if m.session_id == s.id]))
    if session_sets:
        sets = _sub(root, "Sets")
        for guid, name, members, notes_in in session_sets:
            el = _sub(sets, "Set", guid=guid, name=name)
            for s in members:
                _sub(el, "MemberSource", targetGUID=g("session", s.id))
            for m in notes_in:
                _sub(el, "MemberNote", targetGUID=g("memo", m.id))
    return ProjectBuild(root=root, files=files, media=media, warnings=warnings, joins=joins,
                        silences=silences)


def project_xml(build: ProjectBuild) -> bytes:
    return etree.tostring(build.root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _write_media(zf: zipfile.ZipFile, path: Path, name: str) -> None:
    """The recording's own bytes into the project (a protected study's file decrypted as it is
    copied: the user asked for a project with its audio)."""
    info = zipfile.ZipInfo.from_file(path, name)
    info.compress_type = zipfile.ZIP_STORED
    with open_media(path) as src, zf.open(info, "w", force_zip64=True) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def write_qdpx(ws: Workspace, target: Path | str, session_ids: list[int] | None = None,
               options: ExportOptions | None = None, include_media: bool = True) -> ProjectBuild:
    build = build_project(ws, session_ids, options, include_media)
    with atomic_path(target) as tmp, private_folder("qdpxexport") as work:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", project_xml(build))
            for name, content in build.files.items():
                zf.writestr(name, content)
            for name, path in build.media.items():
                _write_media(zf, path, name)
            for name, parts in build.joins.items():
                joined = Path(work) / Path(name).name
                join_recordings(parts, joined, silence=build.silences.get(name, ()))
                zf.write(joined, name, compress_type=zipfile.ZIP_STORED)
                joined.unlink()
    return build
