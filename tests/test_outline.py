"""Hand-written topic guides and coding frames: parsing, errors with line numbers, round trips."""

from __future__ import annotations

import pytest
from conftest import ROOT

from focusdesk.core.model import GuideItemKind
from focusdesk.core.outline import (
    OutlineError,
    frame_to_markdown,
    frame_to_yaml,
    guide_to_markdown,
    guide_to_yaml,
    load_frame_file,
    load_guide_file,
    parse_frame_markdown,
    parse_frame_yaml,
    parse_guide_markdown,
    parse_guide_yaml,
)

MD = """# Guide for site visits

Some introduction for the facilitator.

## Opening {#open} (5 min)
- Tell us about your role {#open.role}
  - How long have you worked here?
- What brought you here? (2 min)

## Closing
1. Anything else?
"""


def test_markdown_guide_structure_ids_and_minutes():
    g = parse_guide_markdown(MD, "guide.md")
    assert g.title == "Guide for site visits"
    assert [s.key for s in g.sections] == ["open", "s2"]
    opening = g.sections[0]
    assert opening.planned_minutes == 5 and opening.text == "Opening"
    assert [(q.key, q.text, q.planned_minutes) for q in opening.children] == [
        ("open.role", "Tell us about your role", None), ("open.q2", "What brought you here?", 2.0)]
    probe = opening.children[0].children[0]
    assert probe.kind is GuideItemKind.PROBE and probe.key == "open.role.p1"
    assert g.sections[1].children[0].text == "Anything else?"


def test_markdown_guide_round_trip():
    g = parse_guide_markdown(MD)
    again = parse_guide_markdown(guide_to_markdown(g))
    assert [(i.key, i.kind, i.text, i.planned_minutes) for i in again.walk()] == \
        [(i.key, i.kind, i.text, i.planned_minutes) for i in g.walk()]
    from_yaml = parse_guide_yaml(guide_to_yaml(g))
    assert [(i.key, i.text) for i in from_yaml.walk()] == [(i.key, i.text) for i in g.walk()]


@pytest.mark.parametrize("text, line, message", [
    ("## A {#x}\n- q1 {#x}\n", 2, "duplicate id 'x'"),
    ("- orphan question\n", 1, "before any section"),
    ("## A\n- q\nloose text here\n", 3, "expected a heading"),
    ("", None, "no sections"),
])
def test_markdown_guide_errors_name_file_and_line(text, line, message):
    with pytest.raises(OutlineError) as info:
        parse_guide_markdown(text, "g.md")
    assert message in str(info.value)
    assert info.value.line == line
    assert str(info.value).startswith(f"g.md:{line}" if line else "g.md")


YAML = """title: Interview guide
sections:
  - id: intro
    text: Introductions
    minutes: 5
    questions:
      - id: intro.q1
        text: Who are you?
        probes:
          - And your role?
      - Plain question
"""


def test_yaml_guide():
    g = parse_guide_yaml(YAML, "g.yaml")
    assert g.title == "Interview guide"
    assert [(i.key, i.kind.value) for i in g.walk()] == [
        ("intro", "section"), ("intro.q1", "question"), ("intro.q1.p1", "probe"), ("intro.q2", "question")]


@pytest.mark.parametrize("text, line, message", [
    ("sections:\n  - id: a\n    text: A\n    minutes: five\n", 4, "must be a number"),
    ("sections:\n  - id: a\n    text: A\n  - id: a\n    text: B\n", 4, "duplicate id 'a'"),
    ("sections:\n  - id: a\n    text: A\n    questons: []\n", 4, "unknown field 'questons'"),
    ("sections: [\n", 2, "not valid YAML"),
    ("title: x\n", 1, "missing 'sections:'"),
    ("sections:\n  - id: a\n    text: A\n    questions: 3\n", 4, "must be a list"),
    ("sections:\n  - id: a\n    text: [1, 2]\n", 3, "single value"),
])
def test_yaml_guide_errors(text, line, message):
    with pytest.raises(OutlineError) as info:
        parse_guide_yaml(text, "g.yaml")
    assert message in str(info.value)
    assert info.value.line == line


def test_frame_yaml_and_markdown_agree():
    nodes = load_frame_file(ROOT / "resources/templates/coding-frame.yaml")
    paths = [p for n in nodes for p, _ in n.walk()]
    assert "Added burden/Time-consuming" in paths and len(paths) == 8
    md = frame_to_markdown(nodes)
    again = parse_frame_markdown(md)
    assert [(p, n.colour) for x in again for p, n in x.walk()] == [(p, n.colour) for x in nodes for p, n in x.walk()]
    assert parse_frame_yaml(frame_to_yaml(nodes))[1].children[2].description.startswith("Extra time")


@pytest.mark.parametrize("text, line, message", [
    ("codes:\n  - name: A\n  - name: a\n", 3, "duplicate code"),
    ("codes:\n  - name: A\n    colour: green\n", 3, "is not like"),
    ("codes:\n  - colour: '#ffffff'\n", 2, "needs a 'name:'"),
    ("codes:\n  - name: A/B\n", 2, "may not contain '/'"),
])
def test_frame_yaml_errors(text, line, message):
    with pytest.raises(OutlineError) as info:
        parse_frame_yaml(text, "f.yaml")
    assert message in str(info.value) and info.value.line == line


def test_frame_markdown_nesting_and_error():
    nodes = parse_frame_markdown("- Value (#00ff00): good things\n  - Engagement\n    - Deep\n- Burden\n")
    assert nodes[0].colour == "#00ff00" and nodes[0].description == "good things"
    assert nodes[0].children[0].children[0].name == "Deep"
    with pytest.raises(OutlineError, match=":2:"):
        parse_frame_markdown("- A\nnot an item\n", "f.md")


def test_template_files_load(tmp_path):
    assert len(load_guide_file(ROOT / "resources/templates/topic-guide.md").sections) == 4
    assert load_guide_file(ROOT / "resources/templates/topic-guide.yaml").sections[0].key == "consent"
    bad = tmp_path / "guide.docx.txt"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(OutlineError, match="UTF-8"):
        load_guide_file(bad)
    with pytest.raises(OutlineError, match="unknown guide format"):
        load_guide_file(tmp_path / "guide.pdf")
