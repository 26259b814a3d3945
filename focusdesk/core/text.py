"""Text assembled from words or turns: one normaliser for every view, export and command.

Whisper's words carry their leading space (" The", " therapy,"), typed and imported words do
not; joining either kind with a plain ``" ".join`` doubled the spaces ("The  therapy"). Every
place that builds text from words, from stored turns or from pieces of turns calls these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}])")


def normalise_spaces(text: str) -> str:
    """Runs of whitespace (spaces, tabs, line breaks) as one space, none at either end."""
    return _SPACES.sub(" ", text).strip()


def join_words(parts: Iterable[str]) -> str:
    """Words or pieces of text joined by single spaces, whether or not they carry a leading
    space, with no space before closing punctuation that came as a token of its own."""
    return _NO_SPACE_BEFORE.sub(r"\1", normalise_spaces(" ".join(parts)))
