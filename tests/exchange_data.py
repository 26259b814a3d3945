"""A coded session for the exchange tests: speakers mapped to P01/P02 and a facilitator, words
with timings, codings with memos, guide markers and a live note. The text mentions a real name
and a place on the redaction list, so every format can be checked for pseudonyms/redaction."""

from __future__ import annotations

from focusdesk.core.model import Coding, Marker, Memo, Segment, Word
from focusdesk.exchange.redact import set_redaction_list
from focusdesk.store import annotations, codes, sessions, study, transcripts

LINES = [
    ("S3", "Welcome everyone, thanks for coming to the group today."),
    ("S1", "I am Real Name 1 and I work in Springfield as an occupational therapist."),
    ("S2", "The app keeps my clients engaged between sessions, they actually use it."),
    ("S2", "It really fosters engagement, more than paper homework ever did."),
    ("S1", "For me it was overwhelming at first, too many notifications every day."),
    ("S3", "What did it cost you in time?"),
    ("S1", "Honestly it was time-consuming, the setup took me an hour per client."),
    ("S2", "But therapy becomes part of their daily life, that is the added value."),
]


def words_for(text: str, start: int, end: int) -> list[Word]:
    tokens = text.split()
    step = (end - start) // len(tokens)
    return [Word(start_ms=start + i * step, end_ms=start + (i + 1) * step - 10,
                 text=(" " if i else "") + tok, probability=0.9) for i, tok in enumerate(tokens)]


def fill_session(db, session_name: str = "Focus group 1", offset_ms: int = 0,
                 with_codings: bool = True) -> int:
    s = sessions.session_by_name(db, session_name)
    fac = study.facilitator_by_name(db, "Dana Moderator", create=True)
    if fac.id not in s.facilitator_ids:
        s.facilitator_ids.append(fac.id)
        sessions.update_session(db, s)
    spk = {}
    for label in ("S1", "S2", "S3"):
        spk[label] = transcripts.ensure_speaker(db, s.id, label)
    parts = {p.code: p for p in study.list_participants(db)}
    spk["S1"].participant_id = parts["P01"].id
    spk["S2"].participant_id = parts["P02"].id
    spk["S3"].facilitator_id = fac.id
    for sp in spk.values():
        transcripts.update_speaker(db, sp)
    t = offset_ms + 1000
    segs = []
    for label, text in LINES:
        dur = 400 * len(text.split())
        segs.append(Segment(session_id=s.id, start_ms=t, end_ms=t + dur, text=text,
                            speaker_id=spk[label].id, words=words_for(text, t, t + dur)))
        t += dur + 700
    transcripts.add_segments(db, segs)
    annotations.add_marker(db, Marker(session_id=s.id, ms=offset_ms, guide_item_key="intro"))
    annotations.add_marker(db, Marker(session_id=s.id, ms=segs[2].start_ms, guide_item_key="value-burden"))
    annotations.add_marker(db, Marker(session_id=s.id, ms=segs[4].start_ms + 300,
                                      note="P01 sounded tired; ask about Springfield later"))
    if with_codings:
        eng = codes.code_by_path(db, "Added value/Fosters engagement")
        over = codes.code_by_path(db, "Added burden/Overwhelming")
        tc = codes.code_by_path(db, "Added burden/Time-consuming")
        w = segs[3].words  # "It really fosters engagement, ..."
        annotations.add_coding(db, Coding(session_id=s.id, code_id=eng.id, start_ms=w[2].start_ms,
                                          end_ms=w[3].end_ms, speaker_id=spk["S2"].id,
                                          memo="Clear statement of engagement"))
        annotations.add_coding(db, Coding(session_id=s.id, code_id=over.id, start_ms=segs[4].start_ms,
                                          end_ms=segs[4].end_ms, speaker_id=spk["S1"].id))
        annotations.add_coding(db, Coding(session_id=s.id, code_id=tc.id, start_ms=segs[6].start_ms,
                                          end_ms=segs[7].end_ms, speaker_id=spk["S1"].id,
                                          memo="Spans two turns"))
        annotations.add_coding(db, Coding(session_id=s.id, code_id=eng.id, start_ms=segs[1].start_ms,
                                          end_ms=segs[1].end_ms, speaker_id=spk["S1"].id,
                                          memo="Mentions Springfield"))
        annotations.add_memo(db, Memo(title="Engagement theme", body="Strong in site A", code_id=eng.id))
        annotations.add_memo(db, Memo(title="Session reflections", body="Lively group", session_id=s.id))
    set_redaction_list(db, ["Springfield => [PLACE]"])
    return s.id
