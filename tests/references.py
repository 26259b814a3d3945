"""Reference transcripts of the shared clips, and checks with a word-error tolerance.

Why: decoding can differ by CPU and compute type (a word here or there), so tests of model output
compare against the clip's reference with a WER bound instead of exact strings. The bounds sit
just above what tiny.en scores on these clips, so a word crossing a window seam (three words in a
22-word sentence is 14 %) or a dropped sentence still fails.
"""

from __future__ import annotations

import jiwer
from conftest import AUDIO

from focusdesk.transcribe.guards import norm

JFK = ("And so my fellow Americans, ask not what your country can do for you, ask what you can do "
       "for your country.")
LIBRI = ("IF THE READER WILL EXCUSE ME I WILL SAY NOTHING OF MY ANTECEDENTS NOR OF THE CIRCUMSTANCES "
         "WHICH LED ME TO LEAVE MY NATIVE COUNTRY THE NARRATIVE WOULD BE TEDIOUS TO HIM AND PAINFUL "
         "TO MYSELF")
STEREO_LEFT = "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
STEREO_RIGHT = "The horizon seems extremely distant."


def telephone() -> str:
    """The call's words (telephone-2spk.stm), in time order."""
    lines = (AUDIO / "telephone-2spk.stm").read_text(encoding="utf-8").splitlines()
    rows = sorted((float(ln.split()[3]), ln.split(maxsplit=5)[5]) for ln in lines if ln.strip())
    return " ".join(text for _, text in rows)


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(norm(reference), norm(hypothesis) or "<nothing>")


def assert_close(hypothesis: str, reference: str, max_wer: float) -> None:
    got = wer(reference, hypothesis)
    assert got <= max_wer, f"WER {got:.1%} > {max_wer:.0%}: {norm(hypothesis)!r}"


def text_between(segments, start_s: float, end_s: float) -> str:
    """The words whose middle lies in [start_s, end_s) (seconds), from segments with words."""
    return " ".join(w.text for s in segments for w in s.words
                    if start_s <= (w.start + w.end) / 2 < end_s)
