"""Name a session's voices from its taps ("this is P03 speaking" at a moment).

Called at the end of a diarization run's storing step (``service.finish``) and by
``focusdesk taps apply``. Taps are applied *before* enrolled voices are recognised, so where the
two would disagree the taps win (they are this session's own evidence; enrolment only fills the
voices and people the taps left open). A voice already mapped to someone else (by hand, or in
an earlier run) is never changed by taps: the disagreement is listed for the user to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.core.tap_rule import decide
from focusdesk.store import diarization, seats, transcripts
from focusdesk.store.seats import Person
from focusdesk.store.speaker_ops import assign_speaker
from focusdesk.store.tx import transaction


@dataclass
class VoiceNote:
    """One line for the Speakers view and the CLI: a voice (or None) and what to confirm."""

    speaker_id: int | None
    label: str
    person: Person | None
    text: str


@dataclass
class TapMapping:
    assigned: list[VoiceNote] = field(default_factory=list)  # voices named by the taps
    conflicts: list[VoiceNote] = field(default_factory=list)  # for the user to confirm
    untapped: list[VoiceNote] = field(default_factory=list)  # unmapped voices no tap reaches


def _mapped(sp) -> tuple[str, int] | None:
    if sp.participant_id:
        return "participant", sp.participant_id
    if sp.facilitator_id:
        return "facilitator", sp.facilitator_id
    return None


def map_voices_from_taps(db: sqlite_utils.Database, session_id: int, apply: bool = True) -> TapMapping:
    """Give each voice the person its taps name clearly; list the rest. ``apply=False`` only
    says what it would do (the Speakers view shows that)."""
    out = TapMapping()
    speakers = {sp.id: sp for sp in transcripts.list_speakers(db, session_id)}
    turns = [t for t, _ in diarization.session_turns(db, session_id)]
    taps = seats.list_taps(db, session_id)
    names = seats.person_names(db)
    people = {tap.person.key: tap.person for tap in taps}
    verdicts, unplaced = decide(turns, [(tap.person.key, tap.t_ms) for tap in taps],
                                name=lambda key: names.get(key, "?"))
    voiced = {int(t.speaker) for t in turns}
    with transaction(db):
        for v in verdicts:
            sp = speakers.get(int(v.voice))
            if sp is None:
                continue
            current = _mapped(sp)
            if v.person is None:
                if current in v.votes:  # the user already chose one of the tapped people
                    continue
                out.conflicts.append(VoiceNote(sp.id, sp.label, None, v.reason))
                continue
            person = people[v.person]
            if current is not None and current != v.person:
                out.conflicts.append(VoiceNote(
                    sp.id, sp.label, person, f"mapped to {names.get(current, '?')}, but the taps say "
                    f"{person.name}"))
                continue
            if current is None and apply:
                assign_speaker(db, session_id, sp.id,
                               participant_id=person.id if person.kind == "participant" else None,
                               facilitator_id=person.id if person.kind == "facilitator" else None)
            out.assigned.append(VoiceNote(sp.id, sp.label, person, f"{sp.label} is {person.name}"))
    for key, why in unplaced.items():
        out.conflicts.append(VoiceNote(None, "", people[key], f"{people[key].name}: {why}"))
    tapped = {int(v.voice) for v in verdicts}
    for sid in sorted(voiced - tapped):
        sp = speakers.get(sid)
        if sp is not None and _mapped(sp) is None:
            out.untapped.append(VoiceNote(sp.id, sp.label, None, f"{sp.label}: no tap; who is it?"))
    return out
