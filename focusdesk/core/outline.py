"""Hand-written topic guides and coding frames, in YAML or Markdown, both ways.

Researchers write these in an editor, so every error names the file and line.

Markdown guide: ``#`` is the title when ``##`` headings exist (then ``##`` are sections), list
items are questions, nested list items are probes. ``{#key}`` sets a stable id, ``(5 min)`` the
planned minutes. Markdown frame: nested list items, ``- Name (#2e7d32): description``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from focusdesk.core.errors import UserError
from focusdesk.core.inputs import check_input_file
from focusdesk.core.model import GuideItem, GuideItemKind, TopicGuide

# The template topic guide and example coding frame, shipped inside the package (and the wheel).
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class OutlineError(UserError, ValueError):
    """A topic guide or coding frame file that cannot be read as one; the message says where."""

    title = "Cannot read the file"

    def __init__(self, source: str, line: int | None, message: str):
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source, self.line = source, line


@dataclass
class FrameNode:
    name: str
    colour: str = ""
    description: str = ""
    children: list[FrameNode] = field(default_factory=list)
    line: int | None = None

    def walk(self, prefix: str = ""):
        path = f"{prefix}/{self.name}" if prefix else self.name
        yield path, self
        for child in self.children:
            yield from child.walk(path)


_KEY = re.compile(r"\s*\{#([A-Za-z0-9_.\-]+)\}")
_MINUTES = re.compile(r"\s*[\(\[](\d+(?:\.\d+)?)\s*(?:min|mins|minutes)[\)\]]\s*$", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_FRAME_ITEM = re.compile(r"^(?P<name>.*?)(?:\s*\((?P<colour>#[0-9A-Fa-f]{6})\))?\s*(?::\s*(?P<desc>.*))?$")


def _split_text(text: str) -> tuple[str, str | None, float | None]:
    minutes = None
    m = _MINUTES.search(text)
    if m:
        minutes = float(m.group(1))
        text = text[: m.start()]
    key = None
    k = _KEY.search(text)
    if k:
        key = k.group(1)
        text = text[: k.start()] + text[k.end():]
        m = _MINUTES.search(text)
        if m and minutes is None:
            minutes = float(m.group(1))
            text = text[: m.start()]
    return text.strip(), key, minutes


def _assign_keys(guide: TopicGuide, source: str) -> TopicGuide:
    seen: dict[str, int | None] = {}
    for si, section in enumerate(guide.sections, 1):
        section.key = section.key or f"s{si}"
        for qi, question in enumerate(section.children, 1):
            question.key = question.key or f"{section.key}.q{qi}"
            for pi, probe in enumerate(question.children, 1):
                probe.key = probe.key or f"{question.key}.p{pi}"
    for item in guide.walk():
        if item.key in seen:
            raise OutlineError(source, item.line,
                               f"duplicate id {item.key!r} (first used on line {seen[item.key]})")
        seen[item.key] = item.line
        if not item.text:
            raise OutlineError(source, item.line, f"the {item.kind.value} has no text")
    if not guide.sections:
        raise OutlineError(source, None, "no sections found; a topic guide needs at least one")
    return guide


# --- topic guide: markdown -------------------------------------------------------------------

def parse_guide_markdown(text: str, source: str = "<guide>") -> TopicGuide:
    lines = text.splitlines()
    has_h2 = any(re.match(r"^##\s", ln) for ln in lines)
    guide = TopicGuide()
    section: GuideItem | None = None
    question: GuideItem | None = None
    question_indent = 0
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("<!--"):
            continue
        heading = _HEADING.match(line)
        if heading:
            level, body = len(heading.group(1)), heading.group(2)
            if has_h2 and level == 1:
                guide.title = _split_text(body)[0]
                continue
            body, key, minutes = _split_text(body)
            section = GuideItem(key=key or "", kind=GuideItemKind.SECTION, text=body,
                                planned_minutes=minutes, line=number)
            guide.sections.append(section)
            question = None
            continue
        item = _ITEM.match(line.expandtabs(4))
        if item:
            indent = len(item.group(1))
            body, key, minutes = _split_text(item.group(2))
            if section is None:
                raise OutlineError(source, number, "a question comes before any section heading; "
                                   "start the guide with a '## Section' heading")
            if question is not None and indent > question_indent:
                question.children.append(GuideItem(key=key or "", kind=GuideItemKind.PROBE,
                                                   text=body, planned_minutes=minutes, line=number))
            else:
                question = GuideItem(key=key or "", kind=GuideItemKind.QUESTION, text=body,
                                     planned_minutes=minutes, line=number)
                question_indent = indent
                section.children.append(question)
            continue
        if section is None and not guide.sections:
            continue  # free text before the first heading is an introduction; ignore it
        raise OutlineError(source, number, "expected a heading ('## Section') or a list item "
                           "('- question', indented '- probe')")
    return _assign_keys(guide, source)


def guide_to_markdown(guide: TopicGuide) -> str:
    out = [f"# {guide.title}", ""]

    def suffix(item: GuideItem) -> str:
        text = f" {{#{item.key}}}"
        if item.planned_minutes is not None:
            text += f" ({item.planned_minutes:g} min)"
        return text

    for section in guide.sections:
        out.append(f"## {section.text}{suffix(section)}")
        out.append("")
        for q in section.children:
            out.append(f"- {q.text}{suffix(q)}")
            for p in q.children:
                out.append(f"  - {p.text}{suffix(p)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- YAML with line numbers ------------------------------------------------------------------

MAX_YAML_DEPTH = 64  # a guide or frame is a few levels deep; thousands would exhaust the stack


def _compose(text: str, source: str):
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise OutlineError(source, line, f"not valid YAML: {exc.problem}") from exc
    except RecursionError:
        raise OutlineError(source, None, _TOO_DEEP) from None
    _check_depth(node, source)
    return node


_TOO_DEEP = (f"nested more than {MAX_YAML_DEPTH} levels deep; a topic guide or coding frame "
             "has a few levels (sections, questions, prompts). Check the file.")


def _check_depth(root, source: str) -> None:
    """Refuse absurd nesting before anything walks the tree recursively."""
    stack = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise OutlineError(source, _line(node), _TOO_DEEP)
        if isinstance(node, yaml.SequenceNode):
            stack += [(child, depth + 1) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            stack += [(v, depth + 1) for _, v in node.value]


def _line(node) -> int:
    return node.start_mark.line + 1


def _mapping(node, source: str, what: str) -> dict:
    if not isinstance(node, yaml.MappingNode):
        raise OutlineError(source, _line(node), f"{what} must be a mapping (key: value)")
    return {k.value: v for k, v in node.value}


def _scalar(node, source: str, what: str, kind=str):
    if not isinstance(node, yaml.ScalarNode):
        raise OutlineError(source, _line(node), f"{what} must be a single value")
    value = yaml.safe_load(yaml.serialize(node))
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OutlineError(source, _line(node), f"{what} must be a number, not {node.value!r}")
        return float(value)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise OutlineError(source, _line(node), f"{what} must be text")
    return str(value)


def _sequence(node, source: str, what: str) -> list:
    if node is None:
        return []
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise OutlineError(source, _line(node), f"{what} must be a list ('- ...' items)")
    return node.value


def _guide_item(node, kind: GuideItemKind, source: str) -> GuideItem:
    child_kind = {GuideItemKind.SECTION: GuideItemKind.QUESTION,
                  GuideItemKind.QUESTION: GuideItemKind.PROBE}.get(kind)
    child_field = {GuideItemKind.SECTION: "questions", GuideItemKind.QUESTION: "probes"}.get(kind)
    if isinstance(node, yaml.ScalarNode):
        return GuideItem(key="", kind=kind, text=_scalar(node, source, kind.value), line=_line(node))
    fields = _mapping(node, source, f"a {kind.value}")
    allowed = {"id", "text", "title", "minutes"} | ({child_field} if child_field else set())
    for name, value in fields.items():
        if name not in allowed:
            raise OutlineError(source, _line(value), f"unknown field {name!r} in a {kind.value} "
                               f"(allowed: {', '.join(sorted(allowed))})")
    text_node = fields.get("text") or fields.get("title")
    item = GuideItem(
        key=_scalar(fields["id"], source, "id") if "id" in fields else "",
        kind=kind,
        text=_scalar(text_node, source, "text") if text_node is not None else "",
        planned_minutes=_scalar(fields["minutes"], source, "minutes", float) if "minutes" in fields else None,
        line=_line(node),
    )
    if child_field:
        item.children = [_guide_item(n, child_kind, source)
                         for n in _sequence(fields.get(child_field), source, child_field)]
    return item


def parse_guide_yaml(text: str, source: str = "<guide>") -> TopicGuide:
    root = _compose(text, source)
    if root is None:
        raise OutlineError(source, None, "the file is empty")
    fields = _mapping(root, source, "the guide")
    if "sections" not in fields:
        raise OutlineError(source, _line(root), "missing 'sections:' list")
    guide = TopicGuide()
    if "title" in fields:
        guide.title = _scalar(fields["title"], source, "title")
    guide.sections = [_guide_item(n, GuideItemKind.SECTION, source)
                      for n in _sequence(fields["sections"], source, "sections")]
    return _assign_keys(guide, source)


def guide_to_yaml(guide: TopicGuide) -> str:
    def item(i: GuideItem) -> dict:
        d: dict = {"id": i.key, "text": i.text}
        if i.planned_minutes is not None:
            d["minutes"] = i.planned_minutes
        if i.children:
            d["questions" if i.kind is GuideItemKind.SECTION else "probes"] = [item(c) for c in i.children]
        return d

    return yaml.safe_dump({"title": guide.title, "sections": [item(s) for s in guide.sections]},
                          sort_keys=False, allow_unicode=True)


# --- coding frame ----------------------------------------------------------------------------

def _frame_node(node, source: str) -> FrameNode:
    if isinstance(node, yaml.ScalarNode):
        return FrameNode(name=_scalar(node, source, "code"), line=_line(node))
    fields = _mapping(node, source, "a code")
    allowed = {"name", "colour", "color", "description", "children", "codes"}
    for name, value in fields.items():
        if name not in allowed:
            raise OutlineError(source, _line(value), f"unknown field {name!r} in a code "
                               f"(allowed: name, colour, description, children)")
    if "name" not in fields:
        raise OutlineError(source, _line(node), "a code needs a 'name:'")
    colour_node = fields.get("colour") or fields.get("color")
    colour = _scalar(colour_node, source, "colour") if colour_node is not None else ""
    if colour and not _COLOUR.match(colour):
        raise OutlineError(source, _line(colour_node), f"colour {colour!r} is not like '#2e7d32'")
    return FrameNode(
        name=_scalar(fields["name"], source, "name"), colour=colour,
        description=_scalar(fields["description"], source, "description") if "description" in fields else "",
        children=[_frame_node(n, source) for n in
                  _sequence(fields.get("children") or fields.get("codes"), source, "children")],
        line=_line(node),
    )


def _check_frame(nodes: list[FrameNode], source: str) -> list[FrameNode]:
    def check(siblings: list[FrameNode]) -> None:
        seen: dict[str, int | None] = {}
        for n in siblings:
            if not n.name.strip():
                raise OutlineError(source, n.line, "a code has no name")
            if "/" in n.name:
                raise OutlineError(source, n.line, f"code name {n.name!r} may not contain '/'")
            if n.name.casefold() in seen:
                raise OutlineError(source, n.line, f"duplicate code {n.name!r} (first on line "
                                   f"{seen[n.name.casefold()]})")
            seen[n.name.casefold()] = n.line
            check(n.children)

    if not nodes:
        raise OutlineError(source, None, "no codes found")
    check(nodes)
    return nodes


def parse_frame_yaml(text: str, source: str = "<frame>") -> list[FrameNode]:
    root = _compose(text, source)
    if root is None:
        raise OutlineError(source, None, "the file is empty")
    if isinstance(root, yaml.MappingNode):
        fields = _mapping(root, source, "the frame")
        if "codes" not in fields:
            raise OutlineError(source, _line(root), "missing 'codes:' list")
        root = fields["codes"]
    return _check_frame([_frame_node(n, source) for n in _sequence(root, source, "codes")], source)


def parse_frame_markdown(text: str, source: str = "<frame>") -> list[FrameNode]:
    roots: list[FrameNode] = []
    stack: list[tuple[int, FrameNode]] = []
    heading_level: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            if len(heading.group(1)) == 1 and not roots and heading_level is None:
                heading_level = 0  # a '# Title' line names the frame
                continue
            node = _frame_from_text(heading.group(2), number)
            roots.append(node)
            stack = [(-1, node)]
            continue
        item = _ITEM.match(line.expandtabs(4))
        if not item:
            raise OutlineError(source, number, "expected '- Code name' (indent for sub-codes)")
        indent = len(item.group(1))
        node = _frame_from_text(item.group(2), number)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(node)
        stack.append((indent, node))
    return _check_frame(roots, source)


def _frame_from_text(text: str, line: int) -> FrameNode:
    m = _FRAME_ITEM.match(text.strip())
    return FrameNode(name=m.group("name").strip(), colour=m.group("colour") or "",
                     description=(m.group("desc") or "").strip(), line=line)


def frame_to_yaml(nodes: list[FrameNode]) -> str:
    def node(n: FrameNode) -> dict:
        d: dict = {"name": n.name}
        if n.colour:
            d["colour"] = n.colour
        if n.description:
            d["description"] = n.description
        if n.children:
            d["children"] = [node(c) for c in n.children]
        return d

    return yaml.safe_dump({"codes": [node(n) for n in nodes]}, sort_keys=False, allow_unicode=True)


def frame_to_markdown(nodes: list[FrameNode]) -> str:
    out = ["# Coding frame", ""]

    def visit(n: FrameNode, depth: int) -> None:
        text = n.name + (f" ({n.colour})" if n.colour else "") + (f": {n.description}" if n.description else "")
        out.append("  " * depth + f"- {text}")
        for c in n.children:
            visit(c, depth + 1)

    for n in nodes:
        visit(n, 0)
    return "\n".join(out) + "\n"


# --- files -----------------------------------------------------------------------------------

def read_text_file(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OutlineError(str(path), None, "is not UTF-8 text; save it as UTF-8 and try again") from exc


def load_guide_file(path: Path | str) -> TopicGuide:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".md", ".markdown", ".txt"):
        raise OutlineError(str(path), None, "unknown guide format; use .yaml, .yml or .md")
    check_input_file(path, "topic guide file")
    text = read_text_file(path)
    if suffix in (".yaml", ".yml"):
        return parse_guide_yaml(text, str(path))
    return parse_guide_markdown(text, str(path))


def load_frame_file(path: Path | str) -> list[FrameNode]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".md", ".markdown", ".txt"):
        raise OutlineError(str(path), None, "unknown coding frame format; use .yaml, .yml or .md")
    check_input_file(path, "coding frame file")
    text = read_text_file(path)
    if suffix in (".yaml", ".yml"):
        return parse_frame_yaml(text, str(path))
    return parse_frame_markdown(text, str(path))
