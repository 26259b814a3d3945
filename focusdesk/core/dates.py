"""Calendar dates as the study stores them: ISO ``YYYY-MM-DD`` text, or empty for "not known".

A date typed as 01/10/2026 is ambiguous (1 October or 10 January); it is refused with the form
to use rather than guessed, so consent dates and session dates sort and compare correctly.
"""

from __future__ import annotations

import datetime as dt

from focusdesk.core.errors import UserError


class DateError(UserError, ValueError):
    """A date that is not a real calendar date in the form YYYY-MM-DD."""

    title = "Date not understood"


def check_date(text: str | None, what: str = "date") -> str:
    """``text`` stripped when it is empty or a real ``YYYY-MM-DD`` date; otherwise DateError."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or len(text) != 10:
        raise DateError(f"The {what} {text!r} is not a date in the form YYYY-MM-DD "
                        f"(for example {dt.date.today().isoformat()}).")
    return parsed.isoformat()
