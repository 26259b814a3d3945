"""Read a REFI-QDA project (.qdpx, or a bare .qde) into the study.

Imported: users (kept in the study settings), the code book, cases with their variables (as
participants with attributes), audio/video sources with their transcripts (segments timed by
the SyncPoints) and codings on transcript or media selections, text sources (timed on a
synthetic clock of ``CHAR_MS`` per character, since text has no media time) with their codings,
notes (as memos) and "Site: ..." sets. PDF and picture sources are skipped and reported.
The file is checked first (zip safety, no DTD/entities, the Project XSD); a refused file
changes nothing.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from focusdesk.audio.media import import_audio_file
from focusdesk.audio.probe import AudioFileError
from focusdesk.core.errors import UserError
from focusdesk.core.inputs import check_input_file
from focusdesk.core.model import Coding, Memo, Participant, Segment, Session, SessionKind, Site
from focusdesk.core.tempfiles import private_folder
from focusdesk.exchange.qdc import merge_codes
from focusdesk.exchange.refi_schema import PROJECT_NS, local_guid, project_schema, validation_errors
from focusdesk.exchange.safe_zip import UnsafeFileError, open_zip, parse_xml
from focusdesk.store import annotations, sessions, transcripts
from focusdesk.store import study as study_store
from focusdesk.store.tx import transaction
from focusdesk.store.workspace import Workspace

CHAR_MS = 50  # synthetic clock for text sources: 50 ms per character (about reading speed)
NS = f"{{{PROJECT_NS}}}"


@dataclass
class ImportReport:
    users: list[str] = field(default_factory=list)
    codes_added: int = 0
    participants_added: int = 0
    sessions: list[str] = field(default_factory=list)
    segments: int = 0
    codings: int = 0
    memos: int = 0
    recordings: int = 0
    warnings: list[str] = field(default_factory=list)
    coder_ids: dict[str, int] = field(default_factory=dict, repr=False)  # user GUID -> coder

    def summary(self) -> str:
        return (f"{len(self.sessions)} sources as sessions, {self.segments} segments, "
                f"{self.codings} codings, {self.codes_added} new codes, {self.memos} memos, "
                f"{self.participants_added} new participants, {self.recordings} recordings, "
                f"{len(self.users)} users")


def _g(value: str | None) -> str:
    return (value or "").strip("{}").upper()


@dataclass
class _Package:
    root: etree._Element
    files: dict[str, bytes]  # internal name -> bytes (texts)
    zip_path: Path | None
    media_names: dict[str, str]  # internal name -> zip entry name


def load_project(path: Path | str) -> _Package:
    """Open and check a .qdpx or .qde; raises UnsafeFileError with a clear reason."""
    path = check_input_file(path, "REFI-QDA project")
    if path.suffix.lower() == ".qde":
        root = parse_xml(path.read_bytes(), path.name)
        pkg = _Package(root, {}, None, {})
    else:
        with open_zip(path, "REFI-QDA project (.qdpx)") as z:
            names = z.names()
            qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
            if not qde:
                raise UnsafeFileError(f"{path.name} has no project.qde inside; it is not a REFI-QDA project.")
            root = parse_xml(z.read(qde[0]), f"{path.name}:{qde[0]}")
            files, media = {}, {}
            for n in names:
                if n.lower().startswith("sources/"):
                    short = n.split("/", 1)[1]
                    if short.lower().endswith((".txt", ".qde")):
                        files[short] = z.read(n)
                    else:
                        media[short] = n
            pkg = _Package(root, files, path, media)
    q = etree.QName(pkg.root)
    if q.namespace != PROJECT_NS or q.localname != "Project":
        raise UnsafeFileError(f"{path.name} is not a REFI-QDA project (root element {q.localname!r} "
                              f"in {q.namespace or 'no namespace'}; expected Project in {PROJECT_NS}).")
    errors = validation_errors(pkg.root, project_schema())
    if errors:
        raise UnsafeFileError(f"{path.name} does not follow the REFI-QDA project schema: "
                              + "; ".join(errors))
    return pkg


def _text_of(pkg: _Package, el: etree._Element, report: ImportReport, what: str) -> str | None:
    content = el.find(f"{NS}PlainTextContent")
    if content is not None:
        return content.text or ""
    ref = el.get("plainTextPath") or ""
    if ref.startswith("internal://"):
        name = ref[len("internal://"):]
        if name in pkg.files:
            return pkg.files[name].decode("utf-8-sig", errors="replace")
    report.warnings.append(f"{what}: its text ({ref or 'none'}) is not in the file; codings were kept "
                           "without text.")
    return None


def _unique_session_name(db, name: str) -> str:
    base, n = name.strip() or "Imported source", 1
    candidate = base
    while db.execute("SELECT 1 FROM sessions WHERE name = ? COLLATE NOCASE", [candidate]).fetchone():
        n += 1
        candidate = f"{base} ({n})"
    return candidate


def _lines(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, speaker, body) per non-empty line; start/end are character positions of
    the body (without the "Name: " prefix)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.rstrip("\r")
        if stripped.strip():
            speaker = ""
            body_start = pos
            head, sep, _ = stripped.partition(": ")
            if sep and 0 < len(head) <= 63 and "\t" not in head:
                speaker = head.strip()
                body_start = pos + len(head) + 2
            body = text[body_start:pos + len(stripped)]
            lead = len(body) - len(body.lstrip())
            body_start += lead
            out.append((body_start, body_start + len(body.strip()), speaker, body.strip()))
        pos += len(line) + 1
    return out


class _Clock:
    """Character position -> media time from a transcript's sync points."""

    def __init__(self, points: list[tuple[int, int]]):
        self.points = sorted(points)
        self.positions = [p for p, _ in self.points]

    def at(self, pos: int, latest: bool = False) -> int | None:
        if not self.points:
            return None
        i = bisect.bisect_left(self.positions, pos)
        j = bisect.bisect_right(self.positions, pos)
        if i < j:
            same = [ms for _, ms in self.points[i:j]]
            return max(same) if latest else min(same)
        if i == 0:
            return self.points[0][1]
        if i >= len(self.points):
            return self.points[-1][1]
        (p0, t0), (p1, t1) = self.points[i - 1], self.points[i]
        return round(t0 + (t1 - t0) * (pos - p0) / max(p1 - p0, 1))


class AlreadyImportedProject(UserError, ValueError):
    """The project's sources are already sessions of this study (matched by GUID)."""

    title = "Already imported"


SOURCES_KEY = "refi_sources"  # study.settings: source GUID -> the session it became


def _media_sources(root) -> list:
    sources = root.find(f"{NS}Sources")
    return [s for s in (sources if sources is not None else []) if isinstance(s.tag, str)
            and etree.QName(s).localname not in ("PictureSource", "PDFSource")]


def known_sources(db) -> dict[str, str]:
    """GUID -> session name for every session of this study a project may carry: those this
    study exported (their GUIDs are stable) and those an earlier import made."""
    names = {s.id: s.name for s in sessions.list_sessions(db)}
    return {guid: names[sid] for guid, sid in source_sessions(db).items()}


def source_sessions(db) -> dict[str, int]:
    """REFI source GUID (upper case, no braces) -> session id, for every GUID a project may carry
    for a session of this study: its own stable id (exports since migration 019 write it), the
    namespace-derived one earlier exports wrote, and the source an import made it from."""
    from focusdesk.exchange.refi_export import study_namespace
    from focusdesk.exchange.refi_schema import refi_guid, stable_guid

    st = study_store.get_study(db)
    ids = [s.id for s in sessions.list_sessions(db)]
    if st is None or not ids:
        return {}
    out: dict[str, int] = {}
    if st.settings.get("refi_namespace"):
        ns = study_namespace(db)
        out = {stable_guid(ns, "session", sid): sid for sid in ids}
    for guid, sid in (st.settings.get(SOURCES_KEY) or {}).items():
        if sid in ids:
            out[guid] = sid
    for sid, guid in db.execute("SELECT id, guid FROM sessions WHERE guid != ''"):
        out[refi_guid(guid)] = sid
    return out


def _refuse_known(db, root, path: Path) -> None:
    known = known_sources(db)
    hits = [known[_g(s.get("guid"))] for s in _media_sources(root) if _g(s.get("guid")) in known]
    if hits:
        raise AlreadyImportedProject(
            f"{path.name} holds sessions this study already has ({', '.join(hits[:5])}"
            f"{', …' if len(hits) > 5 else ''}; matched by their REFI-QDA GUIDs), so nothing was "
            "imported: importing it again would duplicate them. To take in changes made in the "
            "other program, delete those sessions here first, then import the project again.")


def _kind_from(src) -> SessionKind | None:
    """The session kind focusdesk wrote first in the source's Description ("Interview, Site A")."""
    desc = src.find(f"{NS}Description")
    first = (desc.text or "").split(",")[0].strip().casefold() if desc is not None else ""
    return next((k for k in SessionKind if k.label.casefold() == first), None)


def import_qdpx(ws: Workspace, path: Path | str) -> ImportReport:
    pkg = load_project(path)
    db = ws.db
    report = ImportReport()
    root = pkg.root
    _refuse_known(db, root, Path(path))
    with transaction(db):
        _import_all(ws, pkg, root, report)
    return report


def _import_all(ws: Workspace, pkg: _Package, root, report: ImportReport) -> None:
    db = ws.db
    users = root.find(f"{NS}Users")
    if users is not None:
        report.users = [u.get("name") or u.get("guid") for u in users.findall(f"{NS}User")]
        st = study_store.get_study(db)
        if st is not None:
            known = st.settings.get("refi_users", [])
            known_guids = {u["guid"] for u in known}
            known += [{"guid": _g(u.get("guid")), "name": u.get("name", "")}
                      for u in users.findall(f"{NS}User") if _g(u.get("guid")) not in known_guids]
            study_store.update_settings(db, refi_users=known)
        else:
            from focusdesk.core.model import Study

            study_store.save_study(db, Study(title=root.get("name") or "Imported study"))
        report.coder_ids = _coders_for(db, users)
    code_ids: dict[str, int] = {}
    book = root.find(f"{NS}CodeBook/{NS}Codes")
    if book is not None:
        code_ids, report.codes_added = merge_codes(db, book, PROJECT_NS)

    # variables and cases -> participants
    var_names = {_g(v.get("guid")): v.get("name", "") for v in root.iterfind(f"{NS}Variables/{NS}Variable")}
    case_ids: dict[str, int] = {}
    case_sources: dict[str, list[int]] = {}
    for case in root.iterfind(f"{NS}Cases/{NS}Case"):
        name = (case.get("name") or "").strip() or f"Case {len(case_ids) + 1}"
        attrs = {}
        for vv in case.findall(f"{NS}VariableValue"):
            ref = vv.find(f"{NS}VariableRef")
            value_el = next((c for c in vv if etree.QName(c).localname != "VariableRef"), None)
            if ref is not None and value_el is not None:
                attrs[var_names.get(_g(ref.get("targetGUID")), "variable")] = (value_el.text or "").strip()
        site_name = attrs.pop("site", "")
        role = attrs.pop("role", "")
        try:
            p = study_store.participant_by_code(db, name)
        except LookupError:
            site_id = _site(db, site_name) if site_name else None
            p = study_store.add_participant(db, Participant(code=name, site_id=site_id, role=role,
                                                            attributes=attrs))
            report.participants_added += 1
        case_ids[_g(case.get("guid"))] = p.id
        for sref in case.findall(f"{NS}SourceRef"):
            case_sources.setdefault(_g(sref.get("targetGUID")), []).append(p.id)

    # sets named "Site: X" put their member sources at that site
    source_site: dict[str, int] = {}
    for s in root.iterfind(f"{NS}Sets/{NS}Set"):
        name = s.get("name", "")
        if name.lower().startswith("site:"):
            site_id = _site(db, name.split(":", 1)[1].strip())
            for m in s.findall(f"{NS}MemberSource"):
                source_site[_g(m.get("targetGUID"))] = site_id

    note_targets: dict[str, tuple[str, int]] = {}  # note guid -> ("session"|"code", id)
    for code_el in root.iter(f"{NS}Code"):
        for nref in code_el.findall(f"{NS}NoteRef"):
            if _g(code_el.get("guid")) in code_ids:
                note_targets[_g(nref.get("targetGUID"))] = ("code", code_ids[_g(code_el.get("guid"))])

    sources = root.find(f"{NS}Sources")
    for src in (sources if sources is not None else []):
        if not isinstance(src.tag, str):
            continue
        kind = etree.QName(src).localname
        sguid = _g(src.get("guid"))
        name = src.get("name") or kind
        if kind in ("PictureSource", "PDFSource"):
            report.warnings.append(f"{name}: {kind} is not supported by focusdesk; skipped.")
            continue
        session = sessions.add_session(db, Session(
            name=_unique_session_name(db, Path(name).stem if kind == "TextSource" else name),
            kind=_kind_from(src) or (SessionKind.FOCUS_GROUP if kind != "TextSource"
                                     else SessionKind.INTERVIEW),
            site_id=source_site.get(sguid), participant_ids=case_sources.get(sguid, []),
            notes=f"Imported from REFI-QDA ({kind} {name})"
            + (f"; times are synthetic ({CHAR_MS} ms per character)" if kind == "TextSource" else "")))
        report.sessions.append(session.name)
        if local_guid(sguid):  # its stable id: a later merge of a coder's project finds it
            db.execute("UPDATE sessions SET guid = ? WHERE id = ?", [local_guid(sguid), session.id])
        if sguid:
            seen = study_store.get_study(db).settings.get(SOURCES_KEY) or {}
            study_store.update_settings(db, **{SOURCES_KEY: {**seen, sguid: session.id}})
        for nref in src.findall(f"{NS}NoteRef"):
            note_targets[_g(nref.get("targetGUID"))] = ("session", session.id)
        if kind == "TextSource":
            _import_text_source(db, pkg, src, session.id, code_ids, report)
        else:
            _import_media_source(ws, pkg, src, session.id, code_ids, report)

    for note in root.iterfind(f"{NS}Notes/{NS}Note"):
        body = _text_of(pkg, note, report, f"note {note.get('name', '')}") or ""
        target = note_targets.get(_g(note.get("guid")))
        annotations.add_memo(db, Memo(
            title=note.get("name") or "Note", body=body,
            session_id=target[1] if target and target[0] == "session" else None,
            code_id=target[1] if target and target[0] == "code" else None,
            coder_id=report.coder_ids.get(_g(note.get("creatingUser")))))
        report.memos += 1


def _site(db, name: str) -> int:
    try:
        return study_store.site_by_name(db, name).id
    except LookupError:
        return study_store.add_site(db, Site(name=name)).id


def _speaker_id(db, session_id: int, name: str, cache: dict[str, int]) -> int | None:
    if not name:
        return None
    if name not in cache:
        sp = transcripts.ensure_speaker(db, session_id, name)
        try:
            p = study_store.participant_by_code(db, name)
            sp.participant_id = p.id
            transcripts.update_speaker(db, sp)
        except LookupError:
            key = name.casefold()
            fac = next((f for f in study_store.list_facilitators(db) if key in (f.code.casefold(), f.name.casefold())),
                       None)
            if fac:
                sp.facilitator_id = fac.id
                transcripts.update_speaker(db, sp)
        cache[name] = sp.id
    return cache[name]


def _coders_for(db, users) -> dict[str, int]:
    """Each REFI-QDA user as a coder: the one imported from that GUID before, else the coder of
    that name (a focusdesk export names its users after its coders), else a new one."""
    from focusdesk.store import coders as coder_store
    from focusdesk.store.study import NotFound

    out: dict[str, int] = {}
    for u in users.findall(f"{NS}User"):
        guid, name = _g(u.get("guid")), (u.get("name") or "").replace(",", " ").strip()
        coder = coder_store.coder_by_guid(db, guid) if guid else None
        if coder is None and name:
            try:
                coder = coder_store.coder_by_name(db, name)
            except NotFound:
                coder = coder_store.add_coder(db, name, guid)
        if coder is not None and guid:
            out[guid] = coder.id
    return out


def _codings_of(el) -> list[tuple[str, str, str]]:
    """(coding GUID, code GUID, creating user GUID) of an element's codings."""
    return [(_g(c.get("guid")), _g(c.find(f"{NS}CodeRef").get("targetGUID")),
             _g(c.get("creatingUser") or el.get("creatingUser")))
            for c in el.findall(f"{NS}Coding") if c.find(f"{NS}CodeRef") is not None]


def _memo_of(el) -> str:
    d = el.find(f"{NS}Description")
    return (d.text or "").strip() if d is not None else ""


def _add_codings(db, session_id: int, el, start: int, end: int, code_ids: dict[str, int],
                 speaker_id: int | None, report: ImportReport) -> None:
    memo = _memo_of(el)
    for _, code_guid, user in _codings_of(el):
        if code_guid not in code_ids:
            report.warnings.append(f"A coding points at an unknown code ({code_guid}); skipped.")
            continue
        annotations.add_coding(db, Coding(session_id=session_id, code_id=code_ids[code_guid],
                                          start_ms=min(start, end), end_ms=max(start, end),
                                          speaker_id=speaker_id, memo=memo,
                                          created_at=el.get("creationDateTime") or "",
                                          coder_id=report.coder_ids.get(user)))
        report.codings += 1


def _segments_from_lines(db, session_id: int, lines, times, recording_id, report) -> list[Segment]:
    cache: dict[str, int] = {}
    segs = []
    for (_a, _b, speaker, body), (start, end) in zip(lines, times):
        segs.append(Segment(session_id=session_id, start_ms=start, end_ms=max(end, start), text=body,
                            speaker_id=_speaker_id(db, session_id, speaker, cache),
                            recording_id=recording_id, source="import"))
    transcripts.add_segments(db, segs)
    report.segments += len(segs)
    return segs


def _speaker_at(lines, segs, pos: int) -> int | None:
    for (a, b, *_), seg in zip(lines, segs):
        if a <= pos <= b:
            return seg.speaker_id
    return None


def _import_text_source(db, pkg, src, session_id, code_ids, report) -> None:
    text = _text_of(pkg, src, report, src.get("name", "text source"))
    lines, segs = [], []
    if text:
        lines = _lines(text)
        segs = _segments_from_lines(db, session_id, lines,
                                    [(a * CHAR_MS, b * CHAR_MS) for a, b, *_ in lines], None, report)
    for sel in src.findall(f"{NS}PlainTextSelection"):
        a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
        _add_codings(db, session_id, sel, a * CHAR_MS, b * CHAR_MS, code_ids,
                     _speaker_at(lines, segs, a), report)


def _import_media_source(ws, pkg, src, session_id, code_ids, report) -> None:
    db = ws.db
    name = src.get("name", "source")
    recording_id = None
    path = src.get("path") or ""
    if path.startswith("internal://") and pkg.zip_path is not None:
        short = path[len("internal://"):]
        entry = pkg.media_names.get(short)
        if entry:
            with open_zip(pkg.zip_path) as z, private_folder("qdpximport") as tmp:
                local = z.extract_to(entry, Path(tmp) / Path(short).name)
                try:
                    recording_id = import_audio_file(ws, session_id, local).id
                    report.recordings += 1
                except AudioFileError as exc:
                    report.warnings.append(f"{name}: its media could not be read ({exc}); skipped.")
        else:
            report.warnings.append(f"{name}: the media file {short} is not in the project.")
    elif path:
        report.warnings.append(f"{name}: the media file is outside the project ({path}); "
                               "import it with 'focusdesk import-audio'.")
    transcript = src.find(f"{NS}Transcript")
    if transcript is not None:
        sync = {_g(p.get("guid")): (int(p.get("position") or 0), int(p.get("timeStamp") or 0))
                for p in transcript.findall(f"{NS}SyncPoint")}
        clock = _Clock(list(sync.values()))
        text = _text_of(pkg, transcript, report, f"{name} transcript")
        lines, segs = [], []
        if text and sync:
            lines = _lines(text)
            times = [(clock.at(a), clock.at(b, latest=True)) for a, b, *_ in lines]
            segs = _segments_from_lines(db, session_id, lines, times, recording_id, report)
        elif text:
            report.warnings.append(f"{name}: the transcript has no sync points; its text was not timed "
                                   "and was skipped.")
        for sel in transcript.findall(f"{NS}TranscriptSelection"):
            a = sync.get(_g(sel.get("fromSyncPoint")))
            b = sync.get(_g(sel.get("toSyncPoint")))
            if a is None or b is None:
                report.warnings.append(f"{name}: a transcript selection has no sync points; skipped.")
                continue
            _add_codings(db, session_id, sel, a[1], b[1], code_ids, _speaker_at(lines, segs, a[0]), report)
    for tag in ("AudioSelection", "VideoSelection"):
        for sel in src.findall(f"{NS}{tag}"):
            _add_codings(db, session_id, sel, int(sel.get("begin")), int(sel.get("end")), code_ids,
                         None, report)
