"""The annotated transcript for the write-up: a Word document with codings as comments.

Title block (study, session, kind, site, date, participants by pseudonym, facilitators), topic
guide headings where the facilitator marked them, one paragraph per speaker turn with
timestamps, codings as Word comments anchored to the coded words (code path and memo),
optionally shaded in the code's colour, and live notes as comments. Runs are split only where a
coding starts or ends, so a two-hour session stays a few thousand runs.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from focusdesk.core.model import Segment
from focusdesk.core.timefmt import format_ms
from focusdesk.exchange.safe_write import write_with
from focusdesk.exchange.session_data import CodingView, SessionData, ms_to_char

AUTHOR = "focusdesk"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _x(text: str) -> str:
    """Word (and python-docx) refuse XML-illegal control characters; drop them."""
    return _CONTROL.sub("", text)


def _snap(pos: int, spans: list[tuple[int, int]], to_end: bool) -> int:
    for a, b in spans:
        if a < pos < b:
            return b if to_end else a
    return pos


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split()[:3]).upper() or "FD"


def _coding_range(seg: Segment, cv: CodingView) -> tuple[int, int] | None:
    c = cv.coding
    text = seg.text.strip()
    if not text:
        return None
    if c.end_ms > c.start_ms and not (seg.end_ms > c.start_ms and seg.start_ms < c.end_ms):
        return None
    if c.end_ms == c.start_ms and not (seg.start_ms <= c.start_ms <= seg.end_ms):
        return None
    a = ms_to_char(seg, c.start_ms) if c.start_ms > seg.start_ms else 0
    b = ms_to_char(seg, c.end_ms, end=True) if c.end_ms < seg.end_ms else len(text)
    if b <= a:
        b = a + 1
        while b < len(text) and not text[b].isspace():
            b += 1
    return a, min(b, len(text))


def _light(hex_colour: str, amount: float = 0.55) -> str:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    try:
        rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        rgb = [200, 200, 200]
    return "".join(f"{round(v + (255 - v) * amount):02X}" for v in rgb)


def _shade(run, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    run._r.get_or_add_rPr().append(shd)


def _line_numbers(doc) -> None:
    sect = doc.sections[0]._sectPr
    ln = OxmlElement("w:lnNumType")
    ln.set(qn("w:countBy"), "1")
    ln.set(qn("w:restart"), "continuous")
    ln.set(qn("w:distance"), "283")
    # lnNumType must come before pgNumType/cols/docGrid in CT_SectPr's sequence.
    anchor = None
    for tag in ("w:pgNumType", "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg",
                "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid"):
        anchor = sect.find(qn(tag))
        if anchor is not None:
            break
    if anchor is not None:
        anchor.addprevious(ln)
    else:
        sect.append(ln)


def build_document(data: SessionData):
    opts = data.options
    doc = Document()
    doc.core_properties.author = AUTHOR
    doc.core_properties.title = data.session.name
    doc.add_heading(_x(data.session.name), 0)
    s = data.session
    meta = [("Study", data.study_title), ("Kind", s.kind.label), ("Site", data.site_name),
            ("Date", s.date), ("Participants", ", ".join(data.participants)),
            ("Facilitators", ", ".join(data.facilitators)),
            ("Duration", format_ms(data.duration_ms) if data.duration_ms else ""),
            ("Names", "real names" if opts.names else "pseudonyms")]
    for key, value in meta:
        if value:
            p = doc.add_paragraph()
            p.add_run(f"{key}: ").bold = True
            p.add_run(_x(value))
    if opts.line_numbers:
        _line_numbers(doc)

    segs = data.segments
    seg_index = {id(seg): i for i, seg in enumerate(segs)}
    # Where each coding starts and ends, in characters of each segment it touches.
    ranges: dict[int, list[tuple[CodingView, int, int]]] = {}
    for cv in data.codings:
        lo = max(0, bisect.bisect_right([x.start_ms for x in segs], cv.coding.start_ms) - 2)
        for i in range(lo, len(segs)):
            seg = segs[i]
            if seg.start_ms > max(cv.coding.end_ms, cv.coding.start_ms):
                break
            r = _coding_range(seg, cv)
            if r:
                ranges.setdefault(i, []).append((cv, r[0], r[1]))
    first_run: dict[int, object] = {}
    last_run: dict[int, object] = {}

    heads = sorted(data.guide_markers(), key=lambda m: m.ms)
    notes = sorted(data.note_markers(), key=lambda m: m.ms)
    hi = 0
    last_stamp: int | None = None
    turn_runs: list[tuple[int, object]] = []  # (start ms, speaker run) for anchoring notes
    grey = RGBColor(0x70, 0x70, 0x70)
    for turn in data.turns():
        start = turn[0].start_ms
        while hi < len(heads) and heads[hi].ms <= start:
            gi, depth = data.guide_items[heads[hi].guide_item_key]
            doc.add_heading(_x(gi.text), min(depth + 1, 3))
            hi += 1
        p = doc.add_paragraph()
        mode = opts.timestamps
        if mode == "turn" or (mode == "interval" and (last_stamp is None or
                                                      start - last_stamp >= opts.interval_s * 1000)):
            r = p.add_run(f"[{format_ms(start)}] ")
            r.font.color.rgb = grey
            r.font.size = Pt(9)
            last_stamp = start
        name_run = p.add_run(_x(f"{data.speaker(turn[0]) or 'Unknown'}: "))
        name_run.bold = True
        if data.overlapping(*turn):  # another speaker talks at the same time
            mark = p.add_run(f"{data.OVERLAP_MARK} ")
            mark.italic = True
            mark.font.color.rgb = grey
        turn_runs.append((start, name_run))
        for k, seg in enumerate(turn):
            i = seg_index[id(seg)]
            text = seg.text.strip()
            if k:
                p.add_run(" ")
            if not text:
                continue
            spans = data.redactor.spans(text)
            here = ranges.get(i, [])
            snapped = [(cv, _snap(a, spans, False), _snap(b, spans, True)) for cv, a, b in here]
            cuts = sorted({0, len(text)} | {a for _, a, _ in snapped} | {b for _, _, b in snapped})
            runs_at: dict[int, object] = {}
            ends_at: dict[int, object] = {}
            for a, b in zip(cuts, cuts[1:]):
                if b <= a:
                    continue
                run = p.add_run(_x(data.redactor.apply(text[a:b])))
                runs_at[a] = run
                ends_at[b] = run
                if opts.highlight:
                    cover = next((cv for cv, ca, cb in snapped if ca <= a and b <= cb), None)
                    if cover is not None:
                        _shade(run, _light(cover.colour))
            for cv, a, b in snapped:
                key = id(cv)
                if key not in first_run and a in runs_at:
                    first_run[key] = runs_at[a]
                if b in ends_at:
                    last_run[key] = ends_at[b]
    while hi < len(heads):
        gi, depth = data.guide_items[heads[hi].guide_item_key]
        doc.add_heading(_x(gi.text), min(depth + 1, 3))
        hi += 1
    if not segs:
        doc.add_paragraph("(This session has no transcript yet.)")

    starts = [t for t, _ in turn_runs]
    for cv in data.codings:
        key = id(cv)
        body = cv.path + (f"\nMemo: {cv.memo}" if cv.memo else "")
        body += f"\n[{format_ms(cv.coding.start_ms)}–{format_ms(cv.coding.end_ms)}]"
        if key in first_run:
            anchor = [first_run[key], last_run.get(key, first_run[key])]
        elif turn_runs:  # a coding between turns (no words under it): on the nearest speaker name
            anchor = turn_runs[max(0, bisect.bisect_right(starts, cv.coding.start_ms) - 1)][1]
        else:
            continue
        # Word shows each comment's author (and colours them apart): the coder, when a team codes
        doc.add_comment(anchor, text=_x(body), author=_x(cv.coder) or AUTHOR, initials=_initials(cv.coder))
    for m in notes:
        if not turn_runs:
            doc.add_paragraph(_x(f"Note [{format_ms(m.ms)}]: {data.note_text(m)}"))
            continue
        idx = max(0, bisect.bisect_right(starts, m.ms) - 1)
        doc.add_comment(turn_runs[idx][1], text=_x(f"Live note [{format_ms(m.ms)}]: {data.note_text(m)}"),
                        author="Live note", initials="LN")
    return doc


def write_docx(data: SessionData, target: Path | str) -> Path:
    doc = build_document(data)
    return write_with(target, lambda tmp: doc.save(str(tmp)))
