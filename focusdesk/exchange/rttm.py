"""RTTM: a session's speaker turns as the diarization tools' common file format.

``SPEAKER <uri> 1 <start s> <dur s> <NA> <NA> <speaker> <NA> <NA>``, one line per turn, on the
session timeline. The speaker is the voice's display name with pseudonyms only (participant or
facilitator code, else the label S1, S2...): an RTTM file travels to other tools, so a real name
never goes in it. Reading checks every line first and names the first bad one, so a bad file
changes nothing.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import sqlite_utils

from focusdesk.core.errors import UserError
from focusdesk.core.inputs import check_input_file
from focusdesk.core.turns import Turn
from focusdesk.store import diarization, sessions, transcripts
from focusdesk.store.speaker_ops import assign_speaker, resolve_person
from focusdesk.store.study import NotFound
from focusdesk.store.turn_replace import replace_session_turns
from focusdesk.store.tx import transaction

# other record types of NIST's RTTM; they carry no speaker turn and are skipped
OTHER_TYPES = {"SEGMENT", "NOSCORE", "NO_RT_METADATA", "LEXEME", "NON-LEX", "NON-SPEECH", "FILLER",
               "EDIT", "IP", "END-OF-SU", "CB", "A/P", "SU", "SPKR-INFO"}


class RttmError(UserError):
    """A line of an RTTM file that is not a speaker turn this program can read."""


def safe_uri(name: str, session_id: int) -> str:
    uri = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    return uri or f"session{session_id}"


def _field(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip()) or "unknown"


def to_rttm(db: sqlite_utils.Database, session_id: int, uri: str | None = None) -> str:
    session = sessions.get_session(db, session_id)
    uri = uri or safe_uri(session.name if session else "", session_id)
    names = transcripts.speaker_names(db, session_id)  # pseudonyms: real_names is False
    lines = []
    for turn, _rec in diarization.session_turns(db, session_id):
        name = _field(names.get(int(turn.speaker), turn.speaker))
        lines.append(f"SPEAKER {uri} 1 {turn.start_ms / 1000:.3f} {turn.duration_ms / 1000:.3f} "
                     f"<NA> <NA> {name} <NA> <NA>")
    return "\n".join(lines) + ("\n" if lines else "")


def parse_rttm(text: str, uri: str | None = None, source: str = "the file") -> list[Turn]:
    """The SPEAKER turns of ``uri`` (or of the file's only uri) in milliseconds."""
    by_uri: dict[str, list[Turn]] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        parts = line.split()
        if parts[0].upper() in OTHER_TYPES:
            continue
        where = f"Line {n} of {source}"
        if parts[0] != "SPEAKER":
            raise RttmError(f"{where} is not an RTTM speaker turn (it starts with {parts[0][:20]!r}, "
                            "not SPEAKER). Fix or remove that line; nothing was changed.")
        if len(parts) < 8:
            raise RttmError(f"{where} has {len(parts)} fields; a speaker turn needs at least 8 "
                            "(SPEAKER uri channel start duration <NA> <NA> speaker). Nothing was changed.")
        try:
            start, dur = float(parts[3]), float(parts[4])
        except ValueError:
            raise RttmError(f"{where}: the start ({parts[3][:20]!r}) and duration ({parts[4][:20]!r}) "
                            "must be numbers of seconds. Nothing was changed.") from None
        if not (math.isfinite(start) and math.isfinite(dur) and start >= 0 and dur >= 0):
            raise RttmError(f"{where}: start and duration must be seconds of zero or more. "
                            "Nothing was changed.")
        start_ms = round(start * 1000)
        end_ms = round((start + dur) * 1000)
        if end_ms > start_ms:
            by_uri.setdefault(parts[1], []).append(Turn(start_ms, end_ms, parts[7]))
    if uri is not None:
        if uri not in by_uri:
            raise RttmError(f"{source} has no turns for {uri!r} (it has: {', '.join(by_uri) or 'none'}).")
        return sorted(by_uri[uri], key=lambda t: (t.start_ms, t.end_ms))
    if not by_uri:
        raise RttmError(f"{source} has no SPEAKER lines; it is not an RTTM file of speaker turns.")
    if len(by_uri) > 1:
        raise RttmError(f"{source} holds several recordings ({', '.join(sorted(by_uri))}); choose one "
                        "with --uri.")
    return sorted(next(iter(by_uri.values())), key=lambda t: (t.start_ms, t.end_ms))


def _people_for(db: sqlite_utils.Database, labels: set[str],
                mapping: dict[str, str]) -> dict[str, tuple[int | None, int | None]]:
    """label -> (participant id, facilitator id): the ``mapping``'s (every label and person must
    exist, or nothing is changed), then labels that are a participant's code or a facilitator's
    name (a file written with ``--names``, or by a tool that knew the people)."""
    unknown = sorted(set(mapping) - labels)
    if unknown:
        raise UserError(f"The file has no speaker {unknown[0]!r} (it has {', '.join(sorted(labels))}). "
                        "Nothing was changed.")
    out = {}
    for label, person in mapping.items():
        try:
            out[label] = resolve_person(db, person)
        except NotFound as exc:
            raise UserError(f"{exc} Nothing was changed.") from exc
    for label in sorted(labels - set(mapping)):
        try:
            out[label] = resolve_person(db, label)
        except NotFound:
            continue
    return out


def import_rttm(db: sqlite_utils.Database, session_id: int, path: Path | str,
                uri: str | None = None, mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Replace the session's speaker turns with the file's and re-attribute the words; give a
    voice its person where ``mapping`` (label -> participant code or facilitator name) says so
    or its label is a person's code or name. Returns label -> speaker id."""
    path = check_input_file(path, "RTTM file")
    turns = parse_rttm(path.read_text(encoding="utf-8", errors="replace"), uri, source=path.name)
    people = _people_for(db, {t.speaker for t in turns}, mapping or {})
    with transaction(db):
        ids = replace_session_turns(db, session_id, turns)
        for label, (participant_id, facilitator_id) in people.items():
            assign_speaker(db, session_id, ids[label], participant_id=participant_id,
                           facilitator_id=facilitator_id)
    return ids
