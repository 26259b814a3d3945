"""A topic guide from a Word document: headings are sections, numbered or bulleted paragraphs
are questions, and list items indented one level further are probes. "(10 min)" and "{#id}"
work as in the Markdown format, because the document is turned into that Markdown first."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from focusdesk.core.model import TopicGuide
from focusdesk.core.outline import parse_guide_markdown
from focusdesk.exchange.safe_zip import open_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _list_level(paragraph) -> int | None:
    """0 for a top-level list item, 1 for nested, None for a plain paragraph."""
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        ilvl = ppr.numPr.find(f"{W}ilvl")
        return int(ilvl.get(f"{W}val")) if ilvl is not None else 0
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if style.startswith(("list number", "list bullet", "list paragraph")):
        digits = "".join(ch for ch in style if ch.isdigit())
        return max(int(digits) - 1, 0) if digits else 0
    return None


def guide_markdown_from_docx(path: Path | str) -> str:
    path = Path(path)
    open_zip(path, "Word document (.docx)").close()  # refuse unsafe archives before parsing
    doc = Document(str(path))
    lines: list[str] = []
    title = None
    levels = [int("".join(ch for ch in p.style.name if ch.isdigit()) or 1) for p in doc.paragraphs
              if p.style is not None and p.style.name.lower().startswith("heading") and p.text.strip()]
    h1_is_title = levels.count(1) == 1 and any(lv > 1 for lv in levels)
    for p in doc.paragraphs:
        text = " ".join(p.text.split())
        if not text:
            continue
        style = (p.style.name if p.style is not None else "").lower()
        if style == "title":
            title = text
            continue
        if style.startswith("heading"):
            level = int("".join(ch for ch in style if ch.isdigit()) or 1)
            if level == 1 and h1_is_title:
                title = title or text
                continue
            lines += ["", f"## {text}", ""]
            continue
        level = _list_level(p)
        if level is not None:
            lines.append(("  " * min(level, 1)) + f"- {text}")
    if not any(line.startswith("## ") for line in lines):
        raise ValueError(f"{path.name} has no headings: use Heading styles for sections and numbered "
                         "or bulleted lists for questions.")
    return f"# {title or path.stem}\n" + "\n".join(lines) + "\n"


def load_guide_docx(path: Path | str) -> TopicGuide:
    return parse_guide_markdown(guide_markdown_from_docx(path), str(path))
