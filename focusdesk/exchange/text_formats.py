"""Plain text, Markdown, the MAXQDA focus-group format and ATLAS.ti-style timestamps.

- txt / md: a readable transcript, one paragraph per speaker turn, topic-guide headings where
  the facilitator marked them, timestamps per turn, every N seconds or none.
- maxqda: what MAXQDA's focus-group import expects: a title block without colons, then one
  paragraph per contribution beginning with "Name:", with timestamps ``#hh:mm:ss.mmm#`` at the
  start and end of each contribution (so it reads back to the millisecond).
- atlas: one paragraph per contribution starting with ATLAS.ti's ``#hh:mm:ss#`` anchor.
The parser reads all of these back, plus "Speaker: text" files with ``[hh:mm:ss]`` stamps.
"""

from __future__ import annotations

import re

from focusdesk.core.text import join_words
from focusdesk.core.timefmt import format_ms
from focusdesk.exchange.parsed import ParsedSegment, ParsedTranscript
from focusdesk.exchange.session_data import SessionData


def _header(data: SessionData) -> list[tuple[str, str]]:
    s = data.session
    rows = [("Study", data.study_title), ("Session", s.name), ("Kind", s.kind.label),
            ("Site", data.site_name), ("Date", s.date),
            ("Participants", ", ".join(data.participants)),
            ("Facilitators", ", ".join(data.facilitators)),
            ("Duration", format_ms(data.duration_ms) if data.duration_ms else "")]
    return [(k, v) for k, v in rows if v]


def _events(data: SessionData):
    """Turns interleaved with guide headings (by time) and live notes, in order."""
    heads = sorted(data.guide_markers(), key=lambda m: m.ms)
    notes = sorted(data.note_markers(), key=lambda m: m.ms)
    hi = ni = 0
    for turn in data.turns():
        start = turn[0].start_ms
        while hi < len(heads) and heads[hi].ms <= start:
            yield "heading", heads[hi]
            hi += 1
        while ni < len(notes) and notes[ni].ms <= start:
            yield "note", notes[ni]
            ni += 1
        yield "turn", turn
    for m in heads[hi:]:
        yield "heading", m
    for m in notes[ni:]:
        yield "note", m


def _stamp_due(data: SessionData, start: int, last: int | None) -> bool:
    mode = data.options.timestamps
    if mode == "none":
        return False
    if mode == "interval":
        return last is None or start - last >= data.options.interval_s * 1000
    return True


def to_txt(data: SessionData, markdown: bool = False) -> str:
    lines: list[str] = []
    if markdown:
        lines += [f"# {data.session.name}", ""]
        lines += [f"- **{k}:** {v}" for k, v in _header(data) if k != "Session"]
    else:
        lines += [data.session.name, "=" * len(data.session.name)]
        lines += [f"{k}: {v}" for k, v in _header(data) if k != "Session"]
    lines.append("")
    last: int | None = None
    for kind, item in _events(data):
        if kind == "heading":
            gi, depth = data.guide_items[item.guide_item_key]
            lines += [("#" * (depth + 2) + " " + gi.text) if markdown else f"--- {gi.text} ---", ""]
        elif kind == "note":
            stamp = format_ms(item.ms)
            text = data.note_text(item)
            lines += [f"> *Note [{stamp}]:* {text}" if markdown else f"(Note {stamp}: {text})", ""]
        else:
            turn = item
            name = data.speaker(turn[0]) or "Unknown"
            text = join_words(t for t in (data.text(s) for s in turn) if t)
            stamp = ""
            if _stamp_due(data, turn[0].start_ms, last):
                stamp = f"[{format_ms(turn[0].start_ms)}] "
                last = turn[0].start_ms
            if markdown:
                lines += [f"{stamp}**{name}:** {text}", ""]
            else:
                lines += [f"{stamp}{name}: {text}", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(data: SessionData) -> str:
    return to_txt(data, markdown=True)


def _title_line(data: SessionData) -> str:
    parts = [data.session.name, data.session.kind.label, data.site_name, data.session.date]
    return " - ".join(p.replace(":", " ") for p in parts if p)


def to_maxqda(data: SessionData) -> str:
    lines = [_title_line(data), ""]
    for seg in data.segments:
        name = (data.speaker(seg) or "Unknown").replace(":", " ")[:63]
        mark = f"{data.OVERLAP_MARK} " if data.overlapping(seg) else ""
        lines.append(f"{name}: #{format_ms(seg.start_ms, millis=True)}# {mark}{data.text(seg)} "
                     f"#{format_ms(seg.end_ms, millis=True)}#")
        lines.append("")
    return "\n".join(lines)


def to_atlas(data: SessionData) -> str:
    lines = [_title_line(data), ""]
    for seg in data.segments:
        name = data.speaker(seg) or "Unknown"
        lines.append(f"#{format_ms(seg.start_ms)}# {name}: {data.text(seg)}")
        lines.append("")
    return "\n".join(lines)


# --- reading ---------------------------------------------------------------------------------

_T = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3}|-\d)?"
_STAMP = re.compile(rf"#({_T})#|\[({_T})\]|\(({_T})\)|^({_T})(?=\s)")
_SPEAKER = re.compile(r"^\s*([^:\n#\[\]()]{1,63}?)\s*:\s*(.*)$", re.DOTALL)


def _ms(text: str) -> int:
    text = text.replace(",", ".")
    tenth = None
    if "-" in text:
        text, tenth = text.split("-")
    parts = text.split(":")
    sec, _, frac = parts[-1].partition(".")
    h = int(parts[0]) if len(parts) == 3 else 0
    ms = ((h * 60 + int(parts[-2])) * 60 + int(sec)) * 1000
    ms += int(frac.ljust(3, "0")[:3]) if frac else 0
    return ms + (int(tenth) * 100 if tenth else 0)


def _split_stamps(para: str) -> tuple[list[tuple[int, int]], str]:
    """Timestamps (ms, position in the paragraph) and the paragraph without them."""
    stamps: list[tuple[int, int]] = []
    out, pos = [], 0
    for m in _STAMP.finditer(para):
        value = next(g for g in m.groups() if g)
        out.append(para[pos:m.start()])
        stamps.append((_ms(value), len("".join(out))))
        pos = m.end()
    out.append(para[pos:])
    return stamps, "".join(out)


def parse_speaker_text(text: str, fmt: str = "text") -> ParsedTranscript:
    """"Speaker: text" paragraphs with optional timestamps (MAXQDA, ATLAS.ti, f4, plain)."""
    result = ParsedTranscript(format=fmt)
    rows: list[tuple[int | None, int | None, str, str]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    if len(lines) > 1 and lines[1].strip() and set(lines[1].strip()) == {"="}:
        blank = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
        lines = lines[blank:]  # our own title block: "Name / ==== / Key: value" lines
    for raw in lines:
        para = raw.replace("**", "").strip()
        if not para or para.startswith(("# ", "## ", "### ", "#### ", "--- ", "> ", "- ", "(Note ", "===")):
            continue
        stamps, plain = _split_stamps(para)
        body = plain.strip()
        m = _SPEAKER.match(body)
        speaker = ""
        if m and not re.fullmatch(r"[\d\s.]+", m.group(1)):
            speaker, body = m.group(1).strip(), m.group(2).strip()
        if not speaker and not stamps and not rows:
            continue  # the title block before the first contribution
        if not speaker and rows and not stamps:
            speaker = rows[-1][3]
        body = " ".join(body.split())
        if not body:
            continue
        start = end = None
        if len(stamps) >= 2:
            start, end = stamps[0][0], stamps[-1][0]
        elif stamps and not plain[stamps[0][1]:].strip():
            end = stamps[0][0]  # f4 style: a stamp at the end marks where the paragraph ends
        elif stamps:
            start = stamps[0][0]
        rows.append((start, end, body, speaker))
    if not rows:
        raise ValueError("No transcript found: expected paragraphs like 'P01: text' with optional "
                         "timestamps such as [00:01:23] or #00:01:23#.")
    estimated = all(r[0] is None and r[1] is None for r in rows)
    clock = 0
    for i, (start, end, body, speaker) in enumerate(rows):
        if start is None:
            start = rows[i - 1][1] if i and rows[i - 1][1] is not None else clock
        if end is None:
            nxt = next((r[0] for r in rows[i + 1:] if r[0] is not None), None)
            guess = start + max(1000, 400 * len(body.split()))
            end = nxt if nxt is not None and nxt >= start and not estimated else guess
        end = max(end, start)
        rows[i] = (start, end, body, speaker)
        clock = end
        result.segments.append(ParsedSegment(start, end, body, speaker))
    if estimated:
        result.estimated_times = True
        result.warnings.append("The file has no timestamps; times were estimated from word counts.")
    return result
