"""Study-wide full-text search and the search/speaker commands, on a real study folder."""

from __future__ import annotations

import pytest

from focusdesk.cli import main
from focusdesk.core.model import Participant, Segment, Word
from focusdesk.store import open_workspace, search, sessions, speaker_ops, study, transcript_ops, transcripts


def _add(db, session_id, speaker_id, start, text):
    words = [Word(start + i * 400, start + i * 400 + 350, w) for i, w in enumerate(text.split())]
    return transcripts.add_segment(db, Segment(session_id=session_id, start_ms=start,
                                               end_ms=words[-1].end_ms, text=text,
                                               speaker_id=speaker_id, words=words))


@pytest.fixture
def corpus(seeded):
    db = seeded.db
    fg = sessions.session_by_name(db, "Focus group 1")
    iv = sessions.session_by_name(db, "Interview 1")
    a = transcripts.ensure_speaker(db, fg.id, "S1")
    b = transcripts.ensure_speaker(db, fg.id, "S2")
    c = transcripts.ensure_speaker(db, iv.id, "S1")
    speaker_ops.assign_speaker(db, fg.id, "S2", person="P02")
    _add(db, fg.id, a.id, 1000, "What does the app add to therapy?")
    _add(db, fg.id, b.id, 61_000, "It fosters engagement between sessions, honestly.")
    _add(db, iv.id, c.id, 3_723_000, "For me it was overwhelming and time-consuming at first.")
    _add(db, iv.id, c.id, 3_730_000, "Engagement went up once I got used to it.")
    return seeded, fg, iv


def test_search_returns_session_speaker_and_word_time(corpus):
    ws, fg, iv = corpus
    hits = search.search(ws.db, "engagement")
    assert [(h.session_name, h.speaker) for h in hits] == [("Focus group 1", "P02"), ("Interview 1", "S1")]
    assert hits[0].ms == 61_000 + 2 * 400  # the word "engagement", not the segment start
    assert hits[1].ms == 3_730_000
    assert "[engagement]" in hits[0].snippet.lower()


def test_search_prefix_phrase_and_filters(corpus):
    ws, fg, iv = corpus
    assert len(search.search(ws.db, "engag")) == 2
    assert [h.session_name for h in search.search(ws.db, "engagement", session_id=iv.id)] == ["Interview 1"]
    assert len(search.search(ws.db, '"time consuming"')) == 1
    assert search.search(ws.db, '"consuming time"') == []
    assert len(search.search(ws.db, "app therapy")) == 1  # all words must occur
    assert search.search(ws.db, "app overwhelming") == []
    assert len(search.search(ws.db, 'it AND NEAR "')) == 0
    assert len(search.search(ws.db, 'it AND "')) == 1  # FTS syntax is never passed through
    with pytest.raises(ValueError, match="Type one or more words"):
        search.search(ws.db, "  ?! ")


def test_search_follows_edits(corpus):
    ws, fg, iv = corpus
    seg = search.search(ws.db, "fosters")[0]
    transcript_ops.edit_segment_text(ws.db, seg.segment_id, "It builds engagement between sessions.")
    assert search.search(ws.db, "fosters") == []
    assert search.search(ws.db, "builds")[0].segment_id == seg.segment_id


def test_cli_search_and_speakers(corpus, capsys):
    ws, fg, iv = corpus
    root = str(ws.root)
    ws.close()
    assert main(["-w", root, "search", "engagement"]) == 0
    out = capsys.readouterr().out
    assert "Focus group 1  P02" in out and "00:01:01" in out and "01:02:10" in out
    assert "2 matches" in out
    assert main(["-w", root, "search", "nothing-here"]) == 1
    assert "No matches" in capsys.readouterr().out

    assert main(["-w", root, "speaker", "rename", "--session", "Focus group 1", "S1", "Moderator"]) == 0
    assert "Renamed S1 to Moderator" in capsys.readouterr().out
    assert main(["-w", root, "speaker", "assign", "--session", "Interview 1", "S1", "P03"]) == 0
    assert "S1 is now P03" in capsys.readouterr().out
    assert main(["-w", root, "speaker", "assign", "--session", "Interview 1", "S1", "Nobody"]) == 2
    assert "No participant or facilitator 'Nobody'" in capsys.readouterr().err
    assert main(["-w", root, "speaker", "rename", "--session", "Focus group 1", "P02", "Moderator"]) == 0
    assert "Merged S2 into Moderator" in capsys.readouterr().out
    assert main(["-w", root, "speaker", "list", "--session", "Focus group 1"]) == 0
    out = capsys.readouterr().out
    assert "Moderator" in out and "S2" not in out

    ws2 = open_workspace(ws.root)
    try:
        hits = search.search(ws2.db, "engagement")
        assert [h.speaker for h in hits] == ["Moderator", "P03"]
        study.add_participant(ws2.db, Participant(code="P09"))
    finally:
        ws2.close()
