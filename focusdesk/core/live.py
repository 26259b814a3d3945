"""Live tagging against the topic guide, without Qt: what the console's keys and bars mean.

``LiveGuide`` follows a session through its guide from the markers made so far: the current
section and item, which questions have been asked, and how long each section has taken against
its planned minutes. It makes ``Marker`` objects; storing them (at once) is the caller's job.
Rebuilding it from a session's stored markers gives the same state, so a console reopened after a
crash carries on where it was.

Time in a section runs from a marker on that section (or one of its questions or probes) to the
next guide marker in another section, or to "now" for the last one. Tags and notes do not move
the current section.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from focusdesk.core.model import GuideItem, GuideItemKind, Marker, TopicGuide

DEFAULT_QUICK_TAGS = ["key quote", "follow up", "non-verbal", "technical issue"]
MAX_QUICK_TAGS = 12  # F1..F12
CONSENT_TAG = "consent"


def quick_tags(settings: dict) -> list[str]:
    """The study's quick tags (``settings["quick_tags"]``), or the defaults."""
    tags = settings.get("quick_tags")
    if not isinstance(tags, list) or not tags:
        return list(DEFAULT_QUICK_TAGS)
    clean = [str(t).strip() for t in tags if str(t).strip()]
    return list(dict.fromkeys(clean))[:MAX_QUICK_TAGS] or list(DEFAULT_QUICK_TAGS)


def parse_quick_tags(text: str) -> list[str]:
    """One tag per line (or comma-separated) from a settings dialog; empty -> defaults."""
    parts = [p.strip() for line in text.splitlines() for p in line.split(",")]
    return quick_tags({"quick_tags": [p for p in parts if p]})


def consent_script(settings: dict) -> str:
    return str(settings.get("consent_script") or "").strip()


@dataclass
class SectionPace:
    key: str
    title: str
    planned_ms: int | None
    spent_ms: int
    current: bool = False

    @property
    def ratio(self) -> float | None:
        return self.spent_ms / self.planned_ms if self.planned_ms else None

    @property
    def over(self) -> bool:
        return self.planned_ms is not None and self.spent_ms > self.planned_ms


class LiveGuide:
    def __init__(self, guide: TopicGuide, session_id: int, markers: Iterable[Marker] = ()):
        self.guide, self.session_id = guide, session_id
        self.sections = list(guide.sections)
        self._section_of: dict[str, str] = {}
        self._items: dict[str, GuideItem] = {}
        for section in self.sections:
            for item in section.walk():
                self._section_of[item.key] = section.key
                self._items[item.key] = item
        self._sequence = [q for s in self.sections for q in s.children
                          if q.kind is GuideItemKind.QUESTION]
        self.current_item: GuideItem | None = None
        self.asked: set[str] = set()
        self._guide_marks: list[tuple[int, str]] = []  # (ms, section key), in time order
        self._item_marks: list[tuple[int, str]] = []  # (ms, item key), in time order
        for m in sorted(markers, key=lambda m: (m.ms, m.id or 0)):
            self.apply(m)

    # --- state -------------------------------------------------------------------------------

    @property
    def current_section(self) -> GuideItem | None:
        if self.current_item is None:
            return None
        return self._items[self._section_of[self.current_item.key]]

    def section_of(self, key: str) -> GuideItem | None:
        sk = self._section_of.get(key)
        return self._items[sk] if sk else None

    def apply(self, marker: Marker) -> None:
        """Take a marker (just made, or loaded) into account."""
        key = marker.guide_item_key
        if not key or key not in self._items:
            return
        self.current_item = self._items[key]
        if self.current_item.kind is GuideItemKind.QUESTION:
            self.asked.add(key)
        elif self.current_item.kind is GuideItemKind.PROBE:
            parent = next((q for q in self._sequence if self.current_item in q.children), None)
            if parent is not None:
                self.asked.add(parent.key)
        entry = (int(marker.ms), self._section_of[key])
        self._guide_marks.append(entry)
        self._guide_marks.sort(key=lambda e: e[0])
        self._item_marks.append((int(marker.ms), key))
        self._item_marks.sort(key=lambda e: e[0])

    def item_at(self, ms: int) -> GuideItem | None:
        """The guide item in force at ``ms``: the last one marked at or before it."""
        key = None
        for at, k in self._item_marks:
            if at > ms:
                break
            key = k
        return self._items.get(key) if key else None

    def questions(self) -> list[GuideItem]:
        """The questions of the current section (keys 1-9), or of the first section."""
        section = self.current_section or (self.sections[0] if self.sections else None)
        return self.guide.questions(section.key) if section else []

    def not_yet_asked(self) -> list[GuideItem]:
        return [q for q in self._sequence if q.key not in self.asked]

    # --- making markers ----------------------------------------------------------------------

    def mark_item(self, key: str, ms: int, note: str | None = None) -> Marker:
        if key not in self._items:
            raise KeyError(f"No topic-guide item {key!r}.")
        m = Marker(session_id=self.session_id, ms=int(ms), guide_item_key=key, note=note)
        self.apply(m)
        return m

    def mark_question(self, number: int, ms: int) -> Marker | None:
        """Key 1-9: the n-th question of the current section."""
        qs = self.questions()
        if not 1 <= number <= len(qs):
            return None
        return self.mark_item(qs[number - 1].key, ms)

    def next_item(self, ms: int) -> Marker | None:
        """The next question in guide order (from a section heading: its first question)."""
        cur = self.current_item
        if cur is None:
            target = self._sequence[0] if self._sequence else None
        elif cur.kind is GuideItemKind.SECTION:
            target = next((q for q in self._sequence if self._section_of[q.key] == cur.key), None)
            if target is None:
                return self.next_section(ms)
        else:
            question = cur if cur.kind is GuideItemKind.QUESTION else next(
                (q for q in self._sequence if cur in q.children), None)
            idx = self._sequence.index(question) if question in self._sequence else -1
            target = self._sequence[idx + 1] if idx + 1 < len(self._sequence) else None
        return self.mark_item(target.key, ms) if target else None

    def next_section(self, ms: int) -> Marker | None:
        section = self.current_section
        if section is None:
            target = self.sections[0] if self.sections else None
        else:
            idx = self.sections.index(section)
            target = self.sections[idx + 1] if idx + 1 < len(self.sections) else None
        return self.mark_item(target.key, ms) if target else None

    def tag(self, tag: str, ms: int, note: str | None = None) -> Marker:
        return Marker(session_id=self.session_id, ms=int(ms), tag=tag, note=note)

    def note(self, text: str, ms: int) -> Marker | None:
        text = text.strip()
        return Marker(session_id=self.session_id, ms=int(ms), note=text) if text else None

    # --- pacing ------------------------------------------------------------------------------

    def pacing(self, now_ms: int) -> list[SectionPace]:
        spent = {s.key: 0 for s in self.sections}
        marks = self._guide_marks
        for i, (start, section_key) in enumerate(marks):
            end = marks[i + 1][0] if i + 1 < len(marks) else max(start, int(now_ms))
            spent[section_key] += max(0, end - start)
        current = self.current_section.key if self.current_section else None
        return [SectionPace(key=s.key, title=s.text,
                            planned_ms=int(s.planned_minutes * 60_000) if s.planned_minutes else None,
                            spent_ms=spent[s.key], current=s.key == current)
                for s in self.sections]
