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


# The clips the job tests join into one long recording, in order, each followed by 1 s of silence,
# with the clip's length in seconds, its reference and the WER bound for its words.
def long_clip_parts(with_stereo: bool = True) -> list[tuple[str, float, str, float]]:
    parts = [("jfk.flac", 11.0, JFK, 0.1), ("librispeech-2412-153948-0000.flac", 11.66, LIBRI, 0.1),
             ("telephone-2spk.wav", 30.0, telephone(), 0.3)]
    return parts + ([("stereo-2spk.wav", 5.0, STEREO_LEFT, 0.2)] if with_stereo else [])


def assert_parts_stored(segments, parts: list[tuple[str, float, str, float]]) -> None:
    """Stored segments (word times in ms) of a recording made of ``parts`` joined with 1-s gaps:
    each part's words match its reference within its bound, so a part transcribed twice after a
    resume, or lost, fails while a word decoded differently on another CPU does not."""
    start = 0.0
    for _name, length, reference, bound in parts:
        end = start + length
        said = " ".join(w.text for s in segments for w in s.words
                        if start - 0.3 <= (w.start_ms + w.end_ms) / 2000 < end + 0.3)
        assert_close(said, reference, bound)
        start = end + 1.0
