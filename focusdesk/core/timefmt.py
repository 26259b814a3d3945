"""Media-time formatting: integer milliseconds <-> HH:MM:SS[.mmm]."""

from __future__ import annotations

import re

_TIME = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*$")


def format_ms(ms: int, millis: bool = False) -> str:
    ms = max(0, int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    return f"{text}.{frac:03d}" if millis else text


def parse_time(text: str) -> int:
    """Parse ``HH:MM:SS[.mmm]``, ``MM:SS`` or plain seconds into milliseconds."""
    text = text.strip()
    try:
        return round(float(text) * 1000)
    except ValueError:
        pass
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"not a time: {text!r} (use HH:MM:SS, HH:MM:SS.mmm or seconds)")
    h, m, s, frac = match.groups()
    if int(s) >= 60 or (h is not None and int(m) >= 60):
        raise ValueError(f"not a time: {text!r} (minutes and seconds go up to 59; use HH:MM:SS, "
                         "HH:MM:SS.mmm or seconds)")
    millis = int((frac or "0").ljust(3, "0"))
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + millis
