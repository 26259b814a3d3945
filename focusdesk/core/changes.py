"""What changed in a study, so that views re-read only what they show.

A write says what it touched as a :class:`Change` (which kind of thing, in which session); the
window collects the changes of one event-loop turn and hands them to the views as one
:class:`Changes` batch (like Anki's ``OpChanges``). A change with no session concerns every
session (a code recoloured, a participant renamed); a view of session 3 ignores session 5's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Entity(StrEnum):
    STUDY = "study"
    SITES = "sites"
    PARTICIPANTS = "participants"
    FACILITATORS = "facilitators"
    SESSIONS = "sessions"
    RECORDINGS = "recordings"
    SEGMENTS = "segments"  # turns and their words
    SPEAKERS = "speakers"  # voices and who they are mapped to
    MARKERS = "markers"
    CODES = "codes"  # the coding frame: names, colours, tree
    CODINGS = "codings"
    MEMOS = "memos"
    GUIDE = "guide"
    TAPS = "taps"  # "this is P03 speaking" taps and seat positions


@dataclass(frozen=True)
class Change:
    entity: Entity
    session_id: int | None = None  # None: not tied to one session (or all of them)
    ids: frozenset[int] = frozenset()  # the rows, when known; empty means "some or all"
    origin: int | None = None  # id() of the view that made it, so it can skip re-reading its own edit


@dataclass(frozen=True)
class Changes:
    """One batch of changes, delivered together."""

    items: frozenset[Change] = field(default_factory=frozenset)

    @classmethod
    def of(cls, changes: Iterable[Change]) -> Changes:
        return cls(frozenset(changes))

    def __bool__(self) -> bool:
        return bool(self.items)

    def concerning(self, *entities: Entity, session_id: int | None = None) -> list[Change]:
        """The changes to ``entities`` that a view of ``session_id`` must see (all sessions'
        when ``session_id`` is None)."""
        return [c for c in self.items if c.entity in entities
                and (session_id is None or c.session_id is None or c.session_id == session_id)]

    def touches(self, *entities: Entity, session_id: int | None = None) -> bool:
        return bool(self.concerning(*entities, session_id=session_id))

    def entities(self) -> set[Entity]:
        return {c.entity for c in self.items}


def session_changes(session_id: int, *entities: Entity, origin: int | None = None) -> list[Change]:
    """One change per entity for a session (the usual shape of an edit)."""
    return [Change(e, session_id, origin=origin) for e in entities]
