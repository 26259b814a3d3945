"""A turn split in two, with Whisper's words (each carrying its leading space), exports with
single spaces: the DOCX, the export preview, quotes and the codings command."""

from __future__ import annotations

from docx import Document

from focusdesk.cli import main
from focusdesk.core.model import Coding, Segment, Word
from focusdesk.core.text import join_words, normalise_spaces
from focusdesk.core.turn_merge import join_words as join_word_objects
from focusdesk.exchange import exports
from focusdesk.store import annotations, codes, sessions, transcript_ops, transcripts

SENTENCE = "The therapy did not help me at all, honestly."


def _whisper_words(text: str, start: int) -> list[Word]:
    return [Word(start_ms=start + i * 400, end_ms=start + i * 400 + 350, text=" " + tok, probability=0.9)
            for i, tok in enumerate(text.split())]


def _split_turn(db) -> tuple[int, list[int]]:
    """A session whose one Whisper turn was split before "not", coded across the split."""
    s = sessions.session_by_name(db, "Focus group 1")
    words = _whisper_words(SENTENCE, 1000)
    seg = transcripts.add_segment(db, Segment(session_id=s.id, start_ms=1000, end_ms=words[-1].end_ms,
                                              text=SENTENCE, words=words))
    _before, first, second = transcript_ops.split_segment(db, seg.id, word_index=3)
    code = codes.code_by_path(db, "Added burden/Overwhelming")
    annotations.add_coding(db, Coding(session_id=s.id, code_id=code.id, start_ms=words[0].start_ms,
                                      end_ms=words[5].end_ms))
    return s.id, [first.id, second.id]


def test_normaliser_joins_words_with_and_without_leading_spaces():
    assert join_words([" The", " therapy,", " did"]) == "The therapy, did"
    assert join_words(["The", "therapy", ",", "did"]) == "The therapy, did"
    assert join_words(["The  therapy ", " did\nnot"]) == "The therapy did not"
    assert normalise_spaces("  The  therapy\t did ") == "The therapy did"
    assert join_word_objects(_whisper_words("Hello, world.", 0)) == "Hello, world."


def test_split_turn_is_stored_and_read_with_single_spaces(seeded):
    db = seeded.db
    sid, (first, second) = _split_turn(db)
    assert transcripts.get_segment(db, first).text == "The therapy did"
    assert transcripts.get_segment(db, second).text == "not help me at all, honestly."
    merged = transcript_ops.merge_segments(db, first, second)[1]
    assert merged.text == SENTENCE
    # A study split before the fix holds doubled spaces; reading it gives single ones.
    db.execute("UPDATE segments SET text = 'The  therapy  did  not' WHERE id = ?", [first])
    assert transcripts.get_segment(db, first).text == "The therapy did not"
    assert [s.text for s in transcripts.list_segments(db, sid)][0] == "The therapy did not"


def test_docx_preview_and_codings_of_a_split_turn_have_single_spaces(seeded, tmp_path, capsys):
    db = seeded.db
    sid, (first, _second) = _split_turn(db)
    target = tmp_path / "fg1.docx"
    exports.export_session(seeded, sid, "docx", target)
    paragraphs = [p.text for p in Document(str(target)).paragraphs]
    body = "\n".join(paragraphs)
    assert "Unknown: The therapy did\n" in body and "Unknown: not help me at all, honestly." in body
    assert "  " not in body
    for fmt in ("docx", "txt", "csv", "vtt"):
        text = exports.preview(seeded, sid, fmt)
        assert "The therapy" in text and "  " not in text, fmt
    assert "“The therapy did not help me”" in exports.preview(seeded, sid, "docx")

    rc = main(["--workspace", str(seeded.root), "codings", "--code", "Added burden/Overwhelming",
               "--format", "quotes"])
    out = capsys.readouterr().out
    assert rc == 0 and "“The therapy did not help me”" in out and "  " not in out
