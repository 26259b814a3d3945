"""Pseudonyms and the study-wide redaction list, applied to every exported text.

The redaction list lives in the study settings (``redaction``): each entry is a term, optionally
with its own placeholder as ``"term => [PLACE]"`` or ``{"term": ..., "placeholder": ...}``. The
default placeholder is ``[NAME]`` (setting ``redaction_placeholder``). Unless real names are asked
for, a participant's (or facilitator's) real name in the text is replaced by their pseudonym (their code), and so is
their first name or surname on its own when capitalised (study setting ``redact_name_parts``,
default on): a facilitator says "thanks, Sheila", not "thanks, Sheila Brown". Matching respects
word boundaries and ignores case (name parts: exact capitalised form); longer terms win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlite_utils

from focusdesk.store import study as study_store

DEFAULT_PLACEHOLDER = "[NAME]"


@dataclass
class Redactor:
    replacements: dict[str, str] = field(default_factory=dict)  # casefolded term -> replacement
    proper: dict[str, str] = field(default_factory=dict)  # capitalised word, matched exactly -> replacement
    _pattern: re.Pattern | None = None

    def __post_init__(self) -> None:
        terms = [(t, True) for t in self.replacements if t] + [(t, False) for t in self.proper if t]
        terms.sort(key=lambda tc: len(tc[0]), reverse=True)
        if terms:
            parts = []
            for t, any_case in terms:
                body = re.escape(t).replace(r"\ ", r"\s+")
                left = r"(?<!\w)" if t[0].isalnum() or t[0] == "_" else ""
                right = r"(?!\w)" if t[-1].isalnum() or t[-1] == "_" else ""
                parts.append(left + (f"(?i:{body})" if any_case else body) + right)
            self._pattern = re.compile("|".join(parts))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _replacement(self, match: re.Match) -> str:
        key = " ".join(match.group(0).split()).casefold()
        if key in self.replacements:
            return self.replacements[key]
        return self.proper.get(match.group(0), DEFAULT_PLACEHOLDER)

    def apply(self, text: str) -> str:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(self._replacement, text)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where terms occur, so that callers can avoid cutting a term in two."""
        if not text or self._pattern is None:
            return []
        return [m.span() for m in self._pattern.finditer(text)]


def parse_entry(entry, default: str = DEFAULT_PLACEHOLDER) -> tuple[str, str]:
    if isinstance(entry, dict):
        return str(entry.get("term", "")).strip(), str(entry.get("placeholder") or default)
    text = str(entry)
    term, sep, placeholder = text.partition("=>")
    return term.strip(), (placeholder.strip() if sep and placeholder.strip() else default)


def redaction_list(db: sqlite_utils.Database) -> list:
    st = study_store.get_study(db)
    return list(st.settings.get("redaction", [])) if st else []


def set_redaction_list(db: sqlite_utils.Database, entries: list) -> list:
    """Store the list (entries as above); blank entries are dropped."""
    clean = [e for e in entries if parse_entry(e)[0]]
    study_store.update_settings(db, redaction=clean)
    return clean


def build_redactor(db: sqlite_utils.Database, names: bool = False, redact: bool = True) -> Redactor:
    """The text filter for one export: pseudonyms unless ``names``, the list unless not ``redact``."""
    replacements: dict[str, str] = {}
    st = study_store.get_study(db)
    if redact and st is not None:
        default = st.settings.get("redaction_placeholder") or DEFAULT_PLACEHOLDER
        for entry in st.settings.get("redaction", []):
            term, placeholder = parse_entry(entry, default)
            if term:
                replacements[" ".join(term.split()).casefold()] = placeholder
    proper: dict[str, str] = {}
    if not names:
        people = [p for p in study_store.list_participants(db) if p.real_name.strip()]
        # a facilitator's name is theirs to keep out of a pseudonymised export too ("thanks, Anna")
        people += [_Named(f.name, f.code) for f in study_store.list_facilitators(db) if f.name.strip() and f.code]
        for p in people:
            replacements[" ".join(p.real_name.split()).casefold()] = p.code
        if st is None or st.settings.get("redact_name_parts", True):
            proper = name_parts(people, st.settings.get("redaction_placeholder") if st else None)
    return Redactor(replacements, proper)


@dataclass(frozen=True)
class _Named:
    """A facilitator seen as a participant is: a real name and the code that replaces it."""

    real_name: str
    code: str


def name_parts(people, placeholder: str | None = None) -> dict[str, str]:
    """First names and surnames on their own ("thanks, Sheila"), capitalised as names are, so
    "brown bread" keeps its colour. A part two participants share becomes the placeholder."""
    owners: dict[str, set[str]] = {}
    for p in people:
        words = p.real_name.split()
        if len(words) < 2:
            continue  # a single name is already matched whole
        for word in words:
            word = word.strip(".,")
            if len(word) >= 2 and word[0].isupper() and word.isalpha():
                owners.setdefault(word, set()).add(p.code)
    shared = placeholder or DEFAULT_PLACEHOLDER
    return {w: (next(iter(c)) if len(c) == 1 else shared) for w, c in owners.items()}
