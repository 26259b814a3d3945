"""A small constructed study for the coding and analysis tests, with hand-computable numbers.

Focus group 1 (Site A): S1 = P01, S2 = P02. Interview 1 (Site B): S1 = P03.
Turns (words spread evenly over each turn):
  FG1  S1  0–10 s   "We used the app every day. It kept clients engaged between sessions."
  FG1  S2 10–20 s   "It took a lot of time to set up. Notifications were overwhelming."
  FG1  S1 20–30 s   "Clients practised at home. That prevents drift between sessions."
  INT  S1  0–15 s   "Setting it up took time every week. But engagement went up."
"""

from __future__ import annotations

from focusdesk.core.model import Segment, Word
from focusdesk.store import codes, sessions, transcripts

TURNS = {
    "Focus group 1": [
        ("S1", 0, 10_000, "We used the app every day. It kept clients engaged between sessions."),
        ("S2", 10_000, 20_000, "It took a lot of time to set up. Notifications were overwhelming."),
        ("S1", 20_000, 30_000, "Clients practised at home. That prevents drift between sessions."),
    ],
    "Interview 1": [
        ("S1", 0, 15_000, "Setting it up took time every week. But engagement went up."),
    ],
}
SPEAKERS = {"Focus group 1": {"S1": "P01", "S2": "P02"}, "Interview 1": {"S1": "P03"}}


def words_for(start: int, end: int, text: str) -> list[Word]:
    tokens = text.split()
    step = (end - start) // len(tokens)
    return [Word(start + i * step, start + (i + 1) * step, " " + t) for i, t in enumerate(tokens)]


def build_transcripts(db) -> dict:
    """Add speakers and turns to the seeded sessions; returns ids for the tests."""
    ids: dict = {"seg": {}, "spk": {}, "sess": {}, "code": {}}
    pids = {r[1]: r[0] for r in db.execute("SELECT id, code FROM participants")}
    for name, turns in TURNS.items():
        s = sessions.session_by_name(db, name)
        ids["sess"][name] = s.id
        for label, pcode in SPEAKERS[name].items():
            sp = transcripts.ensure_speaker(db, s.id, label)
            sp.participant_id = pids[pcode]
            transcripts.update_speaker(db, sp)
            ids["spk"][(name, label)] = sp.id
        for n, (label, start, end, text) in enumerate(turns):
            seg = transcripts.add_segment(db, Segment(
                session_id=s.id, start_ms=start, end_ms=end, text=text,
                speaker_id=ids["spk"][(name, label)], words=words_for(start, end, text)))
            ids["seg"][(name, n)] = seg.id
    for path in ("Added value/Fosters engagement", "Added value/Prevents drift between sessions",
                 "Added burden/Time-consuming", "Added burden/Overwhelming", "Added value",
                 "Added burden"):
        ids["code"][path.rsplit("/", 1)[-1]] = codes.code_by_path(db, path).id
    ids["pid"] = pids
    return ids


def add_study_codings(db, ids) -> None:
    """The codings whose matrix values the tests compute by hand (see test_analysis.py)."""
    from focusdesk.store.coding_ops import apply_code

    fg, it = ids["sess"]["Focus group 1"], ids["sess"]["Interview 1"]
    c = ids["code"]
    apply_code(db, fg, c["Fosters engagement"], 0, 10_000, ids["spk"][("Focus group 1", "S1")])
    apply_code(db, fg, c["Time-consuming"], 10_000, 15_000)
    apply_code(db, fg, c["Overwhelming"], 15_000, 20_000, ids["spk"][("Focus group 1", "S2")])
    apply_code(db, fg, c["Prevents drift between sessions"], 5_000, 25_000)
    apply_code(db, it, c["Time-consuming"], 0, 7_500, ids["spk"][("Interview 1", "S1")])
