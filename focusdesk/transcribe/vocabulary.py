"""Make the study's names and jargon come out as the study spells them, after decoding.

Why after decoding and not as a prompt: with any prompt, tiny.en lost the timing of conversational
speech and the words with it (telephone-2spk.wav: WER 16 % without a prompt, 100 % with
"Dianne, Sheilagh."; the benchmark's 3 minutes: 10.8 % → 40.5 %), with both engines. So the
vocabulary corrects the spelling of what was heard instead: a word or run of words that matches a
term once case, punctuation and spacing are ignored takes the term's spelling ("cbt" → "CBT",
"St. Mungos" → "St Mungo's"), and a capitalised word (Whisper's guess at a name) that is close to
a term of five letters or more takes it too ("Sheila" → "Sheilagh"), flagged for review like
a low-confidence word. Word times never move. The
prompt stays available (``Settings.vocabulary_prompt``) for larger models.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from focusdesk.transcribe.guards import norm
from focusdesk.transcribe.types import LOW_CONFIDENCE, SegmentResult, WordResult

FUZZY_MIN_LETTERS = 5  # shorter terms ("CBT", "GP") are only corrected when they match exactly
FUZZY_MIN_RATIO = 0.8
_TRAILING = ".,;:!?\"')]"
REVIEW_PROBABILITY = LOW_CONFIDENCE - 0.01  # a near-miss correction is shown for review


@dataclass(frozen=True)
class Term:
    text: str  # as the study spells it
    words: int  # how many words it has
    letters: str  # lower-case letters and digits only, for matching


def _letters(text: str) -> str:
    return "".join(ch for ch in norm(text) if ch.isalnum())


def build_terms(vocabulary: list[str]) -> list[Term]:
    """Terms longest first, so of two exact matches "St Mungo's Hospital" wins over "St Mungo's"."""
    terms = {}
    for raw in vocabulary:
        text = " ".join(raw.split())
        letters = _letters(text)
        if letters and letters not in terms:
            terms[letters] = Term(text, len(text.split()), letters)
    return sorted(terms.values(), key=lambda t: (-t.words, -len(t.letters)))


def _similarity(term: Term, run: list[WordResult], run_letters: list[str]) -> float:
    """1.0 for the same letters (any spacing); for a capitalised word-for-word near miss of a long
    term, how close it is; otherwise 0. ``run_letters``: each word's letters (see _letters)."""
    letters = "".join(run_letters)
    if not letters:
        return 0.0
    if letters == term.letters:
        return 1.0
    first = run[0].text.strip().lstrip("\"'(")
    if len(run) != term.words or len(term.letters) < FUZZY_MIN_LETTERS or not first[:1].isupper():
        return 0.0
    ratio = SequenceMatcher(None, letters, term.letters).ratio()
    return ratio if ratio >= FUZZY_MIN_RATIO else 0.0


def _best_match(terms: list[Term], words: list[WordResult], letters: list[str],
                i: int) -> tuple[Term, int, bool] | None:
    """The term that fits best at word ``i``, how many words it replaces, and whether it matched
    exactly (exact beats near)."""
    best: tuple[float, Term, int] | None = None
    for term in terms:
        for n in {term.words, term.words + 1, max(1, term.words - 1)}:
            if i + n > len(words):
                continue
            score = _similarity(term, words[i:i + n], letters[i:i + n])
            if score and (best is None or score > best[0]):
                best = (score, term, n)
    return (best[1], best[2], best[0] == 1.0) if best else None


def _replace(term: Term, run: list[WordResult], exact: bool) -> WordResult:
    """The term in place of ``run``. A near miss is a guess: its probability is kept below the
    review threshold so the editor marks it for checking ("Site D" may really be Site D)."""
    first, last = run[0].text, run[-1].text.rstrip()
    lead = first[: len(first) - len(first.lstrip())]
    trail = last[len(last.rstrip(_TRAILING)):]
    probability = min(w.probability for w in run)
    if not exact:
        probability = min(probability, REVIEW_PROBABILITY)
    return WordResult(run[0].start, run[-1].end, lead + term.text + trail, probability)


def apply_vocabulary(seg: SegmentResult, terms: list[Term]) -> SegmentResult:
    """The segment with study terms spelled the study's way (times and other words unchanged)."""
    if not terms or not seg.words:
        return seg
    words = seg.words
    letters = [_letters(w.text) for w in words]
    out: list[WordResult] = []
    changed = False
    i = 0
    while i < len(words):
        match = _best_match(terms, words, letters, i)
        if match is None:
            out.append(words[i])
            i += 1
            continue
        term, n, exact = match
        new = _replace(term, words[i:i + n], exact)
        changed = changed or [w.text for w in words[i:i + n]] != [new.text]
        out.append(new)
        i += n
    if not changed:
        return seg
    return SegmentResult(seg.start, seg.end, "".join(w.text for w in out).strip(), out,
                         seg.avg_logprob, seg.no_speech_prob, seg.compression_ratio)
