"""Consensus decisions: every settled disagreement (keep A, keep B, keep both, keep one of three or
more coders, keep all, or neither) is a row, so that "neither" — which writes no coding — is
remembered too: the Agreement view shows the disagreement as settled and does not offer it again,
and anyone can see later who decided what, when, between which coders.

``coders`` and ``kept`` are the coder ids compared and kept, comma separated (``store/consensus.py``
is the one writer). A decision goes with its session or code; a code's trash keeps its decisions
with its codings, and merging codes moves them with the codings (``store/frame_ops.py``).
"""

NUMBER = 21

SQL = """
CREATE TABLE consensus_decisions (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    choice TEXT NOT NULL,
    coders TEXT NOT NULL,
    kept TEXT NOT NULL DEFAULT '',
    decided_by INTEGER,
    decided_at TEXT NOT NULL
);
CREATE INDEX consensus_decisions_session ON consensus_decisions(session_id, code_id, start_ms);
"""
