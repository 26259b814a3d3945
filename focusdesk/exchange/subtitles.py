"""SRT and WebVTT: one cue per transcript segment, written and read back to the millisecond.

WebVTT names the speaker with a voice tag (``<v P01>text``); SRT has no such tag, so the name
goes in front of the text (``P01: text``), which is also what players show.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from focusdesk.exchange.parsed import ParsedSegment, ParsedTranscript
from focusdesk.exchange.session_data import SessionData


def _stamp(ms: int, sep: str) -> str:
    ms = max(0, int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{frac:03d}"


def _cue_text(text: str) -> str:
    # A blank line would end the cue and "-->" would start a new one.
    return re.sub(r"\n\s*\n", "\n", text).replace("-->", "->").strip() or "…"


def _cues(data: SessionData) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, speaker name, cue text) per segment: what both formats write."""
    for seg in data.segments:
        yield seg.start_ms, max(seg.end_ms, seg.start_ms), data.speaker(seg), _cue_text(data.text(seg))


def to_srt(data: SessionData) -> str:
    return "\n".join(f"{n}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{name + ': ' if name else ''}{text}\n"
                     for n, (start, end, name, text) in enumerate(_cues(data), 1))


def to_vtt(data: SessionData) -> str:
    out = ["WEBVTT", "", f"NOTE {_note(data.session.name)}", ""]
    for start, end, name, text in _cues(data):
        voice = f"<v {_note(name).replace('>', '')}>" if name else ""
        out += [f"{_stamp(start, '.')} --> {_stamp(end, '.')}", f"{voice}{html.escape(text, quote=False)}", ""]
    return "\n".join(out)


def _note(text: str) -> str:
    return " ".join(text.replace("-->", "->").split())


_TIMING = re.compile(
    r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>]+>")
_SPEAKER = re.compile(r"^\s*([^:\n]{1,63}?)\s*:\s+(.*)$", re.DOTALL)


def _ms(text: str) -> int:
    text = text.replace(",", ".")
    parts = text.split(":")
    sec, _, frac = parts[-1].partition(".")
    h = int(parts[0]) if len(parts) == 3 else 0
    m = int(parts[-2])
    if m >= 60 or int(sec) >= 60:
        raise ValueError(f"{text} is not a time: minutes and seconds go up to 59 "
                         "(write HH:MM:SS.mmm); nothing was imported.")
    return ((h * 60 + m) * 60 + int(sec)) * 1000 + int(frac.ljust(3, "0")[:3])


def _blocks(text: str) -> list[list[str]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [b.split("\n") for b in re.split(r"\n\s*\n", text) if b.strip()]


def _read_cues(blocks: list[list[str]]) -> Iterator[tuple[int, int, str]]:
    """(start, end, raw body) of every block with a timing line; other blocks are skipped."""
    for block in blocks:
        idx = next((i for i, line in enumerate(block) if _TIMING.match(line)), None)
        if idx is not None:
            m = _TIMING.match(block[idx])
            yield _ms(m.group(1)), _ms(m.group(2)), "\n".join(block[idx + 1:]).strip()


def _name_prefix(body: str) -> tuple[str, str]:
    """``P01: text`` -> ("P01", "text"); a time such as ``10:30`` is not a name."""
    sm = _SPEAKER.match(body)
    if sm and not re.search(r"\d:\d", sm.group(1)):
        return sm.group(1).strip(), sm.group(2)
    return "", body


def parse_srt(text: str) -> ParsedTranscript:
    out = ParsedTranscript(format="srt")
    for start, end, body in _read_cues(_blocks(text)):
        speaker, body = _name_prefix(html.unescape(_TAG.sub("", body)))
        out.segments.append(ParsedSegment(start, end, " ".join(body.split()), speaker))
    if not out.segments:
        raise ValueError("No subtitle cues found (expected lines like '00:00:01,000 --> 00:00:04,000').")
    return out


def parse_vtt(text: str) -> ParsedTranscript:
    stripped = text.lstrip("\ufeff").lstrip()
    if not stripped.startswith("WEBVTT"):
        raise ValueError("Not a WebVTT file: it must start with 'WEBVTT'.")
    out = ParsedTranscript(format="vtt")
    blocks = [b for b in _blocks(stripped)[1:] if not b[0].startswith(("NOTE", "STYLE", "REGION"))]
    for start, end, body in _read_cues(blocks):
        vm = _VOICE.search(body)
        speaker = vm.group(1).strip() if vm else ""
        body = html.unescape(_TAG.sub("", body))
        if not speaker:
            speaker, body = _name_prefix(body)
        out.segments.append(ParsedSegment(start, end, " ".join(body.split()), speaker))
    if not out.segments:
        raise ValueError("No WebVTT cues found (expected lines like '00:00:01.000 --> 00:00:04.000').")
    return out
