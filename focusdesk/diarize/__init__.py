"""Who spoke when: speaker turns for a session's recordings, merged into the transcript word by
word, and mapped to participants (by pseudonym) or the facilitator.

Layout: ``engine`` (the front door: settings, the automatic choice by measured speed),
``overlap`` + ``segmentation`` (the default: segmentation-3.0 + CAM++, overlapping turns),
``windowed`` (the one-voice-per-window engine of before), ``channels`` (one speaker per channel, no
model), ``voices`` (centroid matching: re-runs, several recordings, facilitator enrolment),
``results`` (stores a result with its voices linked, recognises enrolled voices),
``service`` (runs a session end to end and stores it), ``job`` (the child-process worker),
``metrics`` (DER and word attribution for tests and the bench). The Turn type, talk time and
the pure word-level merge are in ``focusdesk/core/turns.py`` and ``core/turn_merge.py``, since
the store uses them too.
"""
