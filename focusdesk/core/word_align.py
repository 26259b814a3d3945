"""Keep word timings when a segment's text is corrected (principle 3: time is the anchor).

Aligning the old timed words with the new text is a diff on normalised tokens: a word that is
still there (even re-cased or re-punctuated) keeps its exact start and end; a one-for-one
replacement keeps the replaced word's time; new words share the time between their unchanged
neighbours in proportion to their length. Splitting and merging segments are pure functions over
the same word lists, so the store and the editor share one set of rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from focusdesk.core.model import Word
from focusdesk.core.text import join_words

_STRIP = re.compile(r"^[^\w]+|[^\w]+$")


def tokens(text: str) -> list[str]:
    """The words of a text as a transcript stores them: whitespace-separated, punctuation kept."""
    return text.split()


def normalise(token: str) -> str:
    """What counts as "the same word": case and surrounding punctuation are ignored."""
    core = _STRIP.sub("", token.strip()).casefold()
    return core or token.strip()


def _spread(texts: list[str], start: int, end: int, probability: float | None = None) -> list[Word]:
    """Words for ``texts`` laid out between ``start`` and ``end``, in proportion to length."""
    start, end = int(start), max(int(start), int(end))
    weights = [max(1, len(t)) for t in texts]
    total = sum(weights)
    out: list[Word] = []
    acc = 0
    for text, w in zip(texts, weights):
        s = start + (end - start) * acc // total
        acc += w
        e = start + (end - start) * acc // total
        out.append(Word(start_ms=s, end_ms=e, text=text, probability=probability))
    return out


def align_words(old: list[Word], new_text: str, seg_start: int, seg_end: int) -> list[Word]:
    """Timed words for ``new_text``, reusing ``old``'s times wherever a word survived.

    Unchanged words are returned with their original start, end, probability and id. New words
    have ``probability=None`` (a person typed them) and no id.
    """
    new = tokens(new_text)
    if not new:
        return []
    if not old:
        return _spread(new, seg_start, seg_end)
    matcher = SequenceMatcher(None, [normalise(w.text) for w in old], [normalise(t) for t in new],
                              autojunk=False)
    out: list[Word] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                out.append(replace(old[i1 + k], text=new[j1 + k]))
        elif op == "delete":
            continue
        elif op == "replace" and i2 - i1 == j2 - j1:
            # Corrections of single words: "there" -> "their" keeps that word's time.
            for k in range(i2 - i1):
                w = old[i1 + k]
                out.append(Word(start_ms=w.start_ms, end_ms=w.end_ms, text=new[j1 + k]))
        elif op == "replace":
            out.extend(_spread(new[j1:j2], old[i1].start_ms, old[i2 - 1].end_ms))
        else:  # insert: between the previous word's end and the next word's start
            lo = out[-1].end_ms if out else min(seg_start, old[0].start_ms)
            hi = old[i1].start_ms if i1 < len(old) else max(seg_end, old[-1].end_ms)
            out.extend(_spread(new[j1:j2], lo, max(lo, hi)))
    return out


@dataclass
class SplitResult:
    """Two halves of a segment: texts, words and the time at which the second starts."""

    first_text: str
    first_words: list[Word]
    first_end: int
    second_text: str
    second_words: list[Word]
    second_start: int


def split_words(old: list[Word], text: str, char_pos: int, seg_start: int, seg_end: int) -> SplitResult:
    """Split ``text`` (possibly edited) at a cursor position into two timed halves.

    The whole text is aligned once against the old words, then cut after the tokens that lie
    before the cursor; a cursor inside a word cuts that word in two. Raises ValueError when one
    half would be empty.
    """
    char_pos = max(0, min(len(text), char_pos))
    left, right = text[:char_pos].strip(), text[char_pos:].strip()
    if not left or not right:
        raise ValueError("Put the cursor between two words to split a segment there.")
    n_left = len(tokens(left))
    words = align_words(old, f"{left} {right}", seg_start, seg_end)
    first, second = words[:n_left], words[n_left:]
    first_end = first[-1].end_ms
    second_start = second[0].start_ms
    if second_start < first_end:  # a word cut in two: share its time
        mid = (first[-1].start_ms + second[0].end_ms) // 2
        first[-1] = replace(first[-1], end_ms=max(first[-1].start_ms, mid))
        second[0] = replace(second[0], start_ms=min(second[0].end_ms, mid), id=None)
        first_end, second_start = first[-1].end_ms, second[0].start_ms
    return SplitResult(left, first, max(first_end, seg_start), right, second,
                       min(second_start, seg_end))


def split_index(words: list[Word], index: int, seg_start: int, seg_end: int) -> SplitResult:
    """Split before word ``index`` without changing any word (the common case in the editor)."""
    if not 0 < index < len(words):
        raise ValueError("A segment can only be split between two of its words.")
    first, second = words[:index], words[index:]
    return SplitResult(join_words(w.text for w in first), list(first), first[-1].end_ms,
                       join_words(w.text for w in second), list(second), second[0].start_ms)


def merge_words(first_text: str, first: list[Word], second_text: str, second: list[Word]) -> tuple[str, list[Word]]:
    """Text and words of two neighbouring segments joined; every word keeps its time."""
    return join_words((first_text, second_text)), list(first) + list(second)


def char_to_word_index(text: str, char_pos: int) -> int:
    """Index of the token that starts at or after ``char_pos`` (where a cursor split would cut)."""
    index = 0
    for match in re.finditer(r"\S+", text):
        if match.start() >= char_pos:
            return index
        index += 1
    return index


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the tokens of ``text``, in order."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
