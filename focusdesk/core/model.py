"""Domain objects of a study.

All times are integer milliseconds on the session's media timeline: markers, codings and words
point at time, never at character offsets, so editing the text never moves them.
Ids are ``None`` until the object has been stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class SessionKind(str, Enum):
    FOCUS_GROUP = "focus-group"
    TELEPHONE_INTERVIEW = "telephone-interview"
    INTERVIEW = "interview"

    @property
    def label(self) -> str:
        return {
            "focus-group": "Focus group",
            "telephone-interview": "Telephone interview",
            "interview": "Interview",
        }[self.value]


class GuideItemKind(str, Enum):
    SECTION = "section"
    QUESTION = "question"
    PROBE = "probe"


@dataclass
class Study:
    title: str
    description: str = ""
    settings: dict = field(default_factory=dict)
    created_at: str = ""


@dataclass
class Site:
    name: str
    notes: str = ""
    id: int | None = None


@dataclass
class Participant:
    """A case. ``code`` is the pseudonym used everywhere; ``real_name`` never leaves the study."""

    code: str
    site_id: int | None = None
    role: str = ""
    real_name: str = ""
    consent_date: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    id: int | None = None


@dataclass
class Facilitator:
    """Who runs sessions. ``code`` (F1, "Moderator") is what transcripts and exports show;
    ``name`` is shown in the window and in exports only when real names are asked for."""

    name: str
    initials: str = ""
    code: str = ""
    id: int | None = None

    def label(self, real_names: bool = False) -> str:
        return self.name if (real_names and self.name) or not self.code else self.code


@dataclass
class Session:
    name: str
    kind: SessionKind = SessionKind.FOCUS_GROUP
    site_id: int | None = None
    date: str = ""
    notes: str = ""
    participant_ids: list[int] = field(default_factory=list)
    facilitator_ids: list[int] = field(default_factory=list)
    created_at: str = ""
    id: int | None = None


@dataclass
class GuideItem:
    """A section, question or probe of the topic guide. ``key`` is stable across edits/imports."""

    key: str
    kind: GuideItemKind
    text: str
    planned_minutes: float | None = None
    children: list[GuideItem] = field(default_factory=list)
    line: int | None = None  # where it came from in a hand-written file, for error messages

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class TopicGuide:
    title: str = "Topic guide"
    sections: list[GuideItem] = field(default_factory=list)

    def walk(self):
        for section in self.sections:
            yield from section.walk()

    def find(self, key: str) -> GuideItem | None:
        return next((item for item in self.walk() if item.key == key), None)

    def questions(self, section_key: str) -> list[GuideItem]:
        section = self.find(section_key)
        return [c for c in section.children if c.kind is GuideItemKind.QUESTION] if section else []


@dataclass
class Recording:
    session_id: int
    path: str  # relative to the workspace root
    duration_ms: int
    sample_rate: int
    channels: int
    sha256: str = ""
    offset_ms: int = 0  # where the file starts on the session timeline
    dropped_blocks: int = 0
    status: str = "complete"  # recording | complete | recovered
    created_at: str = ""
    id: int | None = None


@dataclass
class Word:
    start_ms: int
    end_ms: int
    text: str
    probability: float | None = None
    id: int | None = None


@dataclass
class Segment:
    session_id: int
    start_ms: int
    end_ms: int
    text: str
    speaker_id: int | None = None
    recording_id: int | None = None
    channel: int | None = None
    source: str = "whisper"  # whisper | import | manual
    words: list[Word] = field(default_factory=list)
    id: int | None = None


@dataclass
class Speaker:
    """A voice in one session (S1, S2, ...), optionally mapped to a participant or facilitator."""

    session_id: int
    label: str
    participant_id: int | None = None
    facilitator_id: int | None = None
    id: int | None = None


@dataclass
class Marker:
    session_id: int
    ms: int
    guide_item_key: str | None = None
    tag: str | None = None
    note: str | None = None
    created_at: str = ""
    id: int | None = None


@dataclass
class Code:
    name: str
    parent_id: int | None = None
    colour: str = "#888888"
    description: str = ""
    position: int = -1  # -1: after its last sibling
    id: int | None = None


@dataclass
class Coding:
    session_id: int
    code_id: int
    start_ms: int
    end_ms: int
    speaker_id: int | None = None
    memo: str = ""
    created_at: str = ""
    id: int | None = None
    coder_id: int | None = None  # None: the study's current coder, when stored


@dataclass
class Memo:
    title: str
    body: str = ""
    session_id: int | None = None
    code_id: int | None = None
    participant_id: int | None = None
    created_at: str = ""
    updated_at: str = ""
    id: int | None = None
    coder_id: int | None = None  # None: the study's current coder, when stored
