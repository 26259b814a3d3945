"""Command hints in messages, worded for the window.

Messages raised below the window (a session without audio, an empty coding frame, a model not
downloaded) tell a command-line user which command to run, always as ``'focusdesk <command> …'``
in single quotes. The CLI prints them as they are; the window passes every message it shows
through :func:`for_window`, which puts the menu entry that does the same in place of the command,
so a window user is never told to type one.
"""

from __future__ import annotations

import re

# Command -> where the window does it (longest command first when one is a prefix of another).
WINDOW_WORDS = {
    "import-audio": "File ▸ Import ▸ Audio into this session…",
    "models download": "the Transcribe dialog (Session ▸ Transcribe session…), which downloads a "
                       "model it does not have",
    "models list": "the Transcribe dialog's Model list",
    "devices": "the live console's Input list",
    "frame import": "Study ▸ Import coding frame…",
    "frame show": "Code ▸ Coding frame…",
    "session add": "Study ▸ Add session…",
    "session edit": "Session ▸ Session details…",
    "site add": "Study ▸ Add site…",
    "participant add": "Study ▸ Add participant…",
    "facilitator add": "Session ▸ Session details…",
    "study show": "the sidebar's Participants",
    "study init": "File ▸ New study…",
    "codings": "Code ▸ Retrieve coded passages",
    "taps": "the transcript's “This is … speaking”",
    "transcribe": "Session ▸ Transcribe session…",
    "diarize": "Session ▸ Find speakers…",
}
_HINT = re.compile(r"'focusdesk ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?[^']*'")


def for_window(text: str) -> str:
    """``text`` with each quoted ``'focusdesk …'`` command replaced by its menu entry."""
    def menu(match: re.Match) -> str:
        first, second = match.group(1), match.group(2)
        if second and f"{first} {second}" in WINDOW_WORDS:
            return WINDOW_WORDS[f"{first} {second}"]
        return WINDOW_WORDS.get(first, "the window's menus")
    return _HINT.sub(menu, text)
