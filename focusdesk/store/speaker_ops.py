"""Session-wide speaker operations: rename, merge, and map a voice to a participant/facilitator.

Each function is one transaction, so a failure leaves the session as it was. The editor's undo
stack and the diarization helper's speaker-mapping panel call these; the CLI does too
(``focusdesk speaker ...``). A speaker may be given by id, label ("S1", case-insensitive) or by
its current display name (the participant code or facilitator name it is mapped to).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.core.model import Speaker
from focusdesk.store.study import AlreadyExists, NotFound
from focusdesk.store.transcripts import get_speaker, list_speakers, speaker_names
from focusdesk.store.tx import transaction

SpeakerRef = int | str | Speaker


def resolve_speaker(db: sqlite_utils.Database, session_id: int, ref: SpeakerRef) -> Speaker:
    """The session's speaker named by id, label or display name; NotFound says what exists."""
    if isinstance(ref, Speaker):
        ref = ref.id
    speakers = list_speakers(db, session_id)
    if isinstance(ref, int):
        for sp in speakers:
            if sp.id == ref:
                return sp
        raise NotFound(f"No speaker with id {ref} in this session.")
    text = str(ref).strip().casefold()
    for sp in speakers:
        if sp.label.casefold() == text:
            return sp
    names = speaker_names(db, session_id)
    matches = [sp for sp in speakers if names.get(sp.id, "").casefold() == text]
    if not matches:  # a facilitator (or participant) named as the researcher knows them
        real = speaker_names(db, session_id, real_names=True)
        matches = [sp for sp in speakers if real.get(sp.id, "").casefold() == text]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(f"{sp.label} ({names[sp.id]})" if names[sp.id] != sp.label else sp.label
                      for sp in speakers) or "none"
    if matches:
        raise NotFound(f"{ref!r} names several speakers; use a label instead ({known}).")
    raise NotFound(f"No speaker {ref!r} in this session (speakers: {known}).")


@dataclass
class MergeResult:
    """What a merge changed, enough to undo it exactly (see :func:`unmerge_speakers`)."""

    target: Speaker
    removed: list[Speaker] = field(default_factory=list)
    segment_ids: dict[int, list[int]] = field(default_factory=dict)  # removed speaker -> segments
    coding_ids: dict[int, list[int]] = field(default_factory=dict)  # removed speaker -> codings


def other_speaker_with_label(db: sqlite_utils.Database, session_id: int, label: str,
                             speaker_id: int) -> int | None:
    """Id of another speaker of the session already called ``label`` (case-insensitive): a rename
    onto it is a merge."""
    row = db.execute("SELECT id FROM speakers WHERE session_id = ? AND label = ? COLLATE NOCASE "
                     "AND id != ?", [session_id, label.strip(), speaker_id]).fetchone()
    return row[0] if row else None


def rename_speaker(db: sqlite_utils.Database, session_id: int, old: SpeakerRef,
                   new_label: str, merge: bool = True) -> Speaker:
    """Give a speaker a new label across the whole session; returns the resulting speaker.

    Renaming onto a label that already exists merges the two voices in one step (that is what
    the user means by "S3 is really S1") and returns the surviving speaker; with
    ``merge=False`` it raises AlreadyExists instead. Call :func:`merge_speakers` directly when
    the merge must be undoable.
    """
    new_label = new_label.strip()
    if not new_label:
        raise ValueError("A speaker label cannot be empty; type a name such as 'S1' or 'Moderator'.")
    sp = resolve_speaker(db, session_id, old)
    if sp.label == new_label:
        return sp
    existing = other_speaker_with_label(db, session_id, new_label, sp.id)
    if existing is not None:
        if not merge:
            raise AlreadyExists(f"There is already a speaker {new_label!r} in this session.")
        return merge_speakers(db, session_id, [sp.id], existing).target
    with transaction(db):
        db.execute("UPDATE speakers SET label = ? WHERE id = ?", [new_label, sp.id])
    sp.label = new_label
    return sp


def merge_speakers(db: sqlite_utils.Database, session_id: int, sources: list[SpeakerRef],
                   target: SpeakerRef) -> MergeResult:
    """Move every segment and coding of ``sources`` to ``target`` and delete the sources."""
    tgt = resolve_speaker(db, session_id, target)
    result = MergeResult(target=tgt)
    with transaction(db):
        for ref in sources:
            src = resolve_speaker(db, session_id, ref)
            if src.id == tgt.id or src.id in {r.id for r in result.removed}:
                continue
            result.segment_ids[src.id] = [r[0] for r in db.execute(
                "SELECT id FROM segments WHERE speaker_id = ? ORDER BY id", [src.id])]
            result.coding_ids[src.id] = [r[0] for r in db.execute(
                "SELECT id FROM codings WHERE speaker_id = ? ORDER BY id", [src.id])]
            db.execute("UPDATE segments SET speaker_id = ? WHERE speaker_id = ?", [tgt.id, src.id])
            db.execute("UPDATE codings SET speaker_id = ? WHERE speaker_id = ?", [tgt.id, src.id])
            db.execute("DELETE FROM speakers WHERE id = ?", [src.id])
            result.removed.append(src)
    return result


def unmerge_speakers(db: sqlite_utils.Database, result: MergeResult) -> None:
    """Undo :func:`merge_speakers`: recreate the removed speakers (same ids) and move back."""
    with transaction(db):
        for sp in result.removed:
            db.execute("INSERT INTO speakers (id, session_id, label, participant_id, facilitator_id) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [sp.id, sp.session_id, sp.label, sp.participant_id, sp.facilitator_id])
            for seg_id in result.segment_ids.get(sp.id, []):
                db.execute("UPDATE segments SET speaker_id = ? WHERE id = ?", [sp.id, seg_id])
            for coding_id in result.coding_ids.get(sp.id, []):
                db.execute("UPDATE codings SET speaker_id = ? WHERE id = ?", [sp.id, coding_id])


def resolve_person(db: sqlite_utils.Database, name: str) -> tuple[int | None, int | None]:
    """(participant_id, facilitator_id) for a participant code or a facilitator's code or name."""
    text = name.strip()
    row = db.execute("SELECT id FROM participants WHERE code = ? COLLATE NOCASE", [text]).fetchone()
    if row:
        return row[0], None
    row = db.execute("SELECT id FROM facilitators WHERE code = ? COLLATE NOCASE OR name = ? COLLATE NOCASE "
                     "ORDER BY code = ? COLLATE NOCASE DESC", [text, text, text]).fetchone()
    if row:
        return None, row[0]
    codes = ", ".join(r[0] for r in db.execute("SELECT code FROM participants ORDER BY code"))
    facs = ", ".join(r[0] for r in db.execute("SELECT code FROM facilitators ORDER BY code"))
    raise NotFound(f"No participant or facilitator {name!r} (participants: {codes or 'none'}; "
                   f"facilitators: {facs or 'none'}). Add one with 'focusdesk participant add' "
                   "or 'focusdesk facilitator add'.")


def assign_speaker(db: sqlite_utils.Database, session_id: int, speaker: SpeakerRef,
                   participant_id: int | None = None, facilitator_id: int | None = None,
                   person: str | None = None) -> Speaker:
    """Map a voice to a participant or a facilitator (or to nobody when both are None).

    ``person`` (a participant code or facilitator name) is an alternative to the ids. A person
    can be mapped to several voices (e.g. two channels); that is allowed.
    """
    if person is not None:
        participant_id, facilitator_id = resolve_person(db, person)
    if participant_id is not None and facilitator_id is not None:
        raise ValueError("A speaker is either a participant or a facilitator, not both.")
    sp = resolve_speaker(db, session_id, speaker)
    with transaction(db):
        db.execute("UPDATE speakers SET participant_id = ?, facilitator_id = ? WHERE id = ?",
                   [participant_id, facilitator_id, sp.id])
    sp.participant_id, sp.facilitator_id = participant_id, facilitator_id
    return sp


def add_speaker(db: sqlite_utils.Database, session_id: int, label: str | None = None) -> Speaker:
    """A new voice for the session, labelled S<n> after the existing ones unless named."""
    labels = {sp.label.casefold() for sp in list_speakers(db, session_id)}
    if label is None:
        n = len(labels) + 1
        while f"s{n}" in labels:
            n += 1
        label = f"S{n}"
    elif label.strip().casefold() in labels:
        raise AlreadyExists(f"There is already a speaker {label!r} in this session.")
    sp = Speaker(session_id=session_id, label=label.strip())
    sp.id = db["speakers"].insert({"session_id": session_id, "label": sp.label}).last_pk
    return sp


def restore_speaker(db: sqlite_utils.Database, sp: Speaker) -> None:
    """Write a speaker back exactly as it was (label and mapping), for undo."""
    with transaction(db):
        if get_speaker(db, sp.id) is None:
            db.execute("INSERT INTO speakers (id, session_id, label, participant_id, facilitator_id) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [sp.id, sp.session_id, sp.label, sp.participant_id, sp.facilitator_id])
        else:
            db.execute("UPDATE speakers SET label = ?, participant_id = ?, facilitator_id = ? WHERE id = ?",
                       [sp.label, sp.participant_id, sp.facilitator_id, sp.id])


def delete_speaker(db: sqlite_utils.Database, speaker_id: int) -> None:
    """Remove a voice (undo of :func:`add_speaker`); its turns must already point elsewhere."""
    with transaction(db):
        db.execute("DELETE FROM speakers WHERE id = ?", [speaker_id])


def speakers_with_voice(db: sqlite_utils.Database, session_id: int) -> set[int]:
    """Ids of the session's speakers that have a stored voice (centroid) to enrol."""
    return {r[0] for r in db.execute(
        "SELECT v.speaker_id FROM speaker_voices v JOIN speakers s ON s.id = v.speaker_id "
        "WHERE s.session_id = ?", [session_id])}
