"""The layering rule, as ARCHITECTURE.md writes it: imports go one way,

    ui (with cli.py, __main__.py) → commands → {exchange, analysis, transcribe, diarize, audio, jobs}
    → store → core → focusdesk/__init__.py (the version only)

A module may import its own package and anything to its right, never to its left. The middle
layer's packages may import one another (exchange uses analysis and audio, transcribe and diarize
use audio and jobs) as long as the graph of those package-to-package imports has no cycle, so
each of them can still be read, tested and replaced without the ones that use it. Every import
counts: module level or inside a function, absolute or relative. Only focusdesk/ui imports Qt.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "focusdesk"

# Left to right; a lower number may import a higher one.
LAYERS: dict[str, int] = {
    "ui": 0, "cli": 0, "__main__": 0,
    "commands": 1,
    "exchange": 2, "analysis": 2, "transcribe": 2, "diarize": 2, "audio": 2, "jobs": 2, "demo": 2,
    "store": 3,
    "core": 4,
    "": 5,  # focusdesk/__init__.py: __version__, importable by all, imports nothing of focusdesk
}
MIDDLE = 2


def module_name(path: Path, package: Path) -> tuple[list[str], bool]:
    """Dotted parts of the module at ``path`` and whether it is a package's ``__init__``."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    if parts[-1] == "__init__":
        return parts[:-1], True
    return parts, False


def imports_of(path: Path, package: Path | None = None):
    """(line, imported module) for every import in the file, nested ones and relative ones too
    (resolved against the file's package)."""
    tree = ast.parse(path.read_text(), str(path))
    here, is_pkg = module_name(path, package) if package else ([], False)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module or ""
                continue
            base = here if is_pkg else here[:-1]
            base = base[:len(base) - (node.level - 1)]
            if node.module:
                yield node.lineno, ".".join([*base, node.module])
            else:  # from . import a, b: each name may be a module
                yield from ((node.lineno, ".".join([*base, alias.name])) for alias in node.names)


def layer_of(dotted: list[str]) -> str:
    return dotted[1] if len(dotted) > 1 else ""


def layer_violations(package: Path) -> list[str]:
    """Every import that runs against the layer order, plus any cycle among the middle layer's
    packages, as readable lines."""
    name = package.name
    out: list[str] = []
    middle_edges: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        here, _ = module_name(path, package)
        src = layer_of(here)
        for line, target in imports_of(path, package):
            parts = target.split(".")
            if parts[0] != name:
                continue
            dst = layer_of(parts)
            if dst == src:
                continue
            where = f"{path.relative_to(package.parent)}:{line}: imports {target}"
            if src not in LAYERS or dst not in LAYERS:
                out.append(f"{where} (a top-level module the layer rule does not place)")
            elif LAYERS[dst] < LAYERS[src]:
                out.append(f"{where} ({src} may not import {dst}: it is to its left)")
            elif LAYERS[dst] == LAYERS[src] == MIDDLE:
                middle_edges.setdefault(src, set()).add(dst)
            elif LAYERS[dst] == LAYERS[src] and LAYERS[src] != 0:
                out.append(f"{where} ({src} and {dst} are one layer)")
    out += [f"cycle among middle-layer packages: {' -> '.join(c)}" for c in _cycles(middle_edges)]
    return out


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*trail[trail.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_imports_follow_the_layer_order():
    assert layer_violations(PACKAGE) == []


def test_every_package_has_a_place_in_the_order():
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
            if (p.suffix == ".py" or (p / "__init__.py").is_file()) and p.name != "__init__.py"}
    assert tops <= set(LAYERS)


def _plant(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "focusdesk"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in [path.parent, *path.parent.parents]:
            if parent == root:
                break
            (parent / "__init__.py").touch()
        path.write_text(text)
    return pkg


def test_the_rule_catches_planted_violations(tmp_path):
    """The checker itself: upward imports written every way, a middle-layer cycle, and the
    allowed directions."""
    pkg = _plant(tmp_path, {
        "core/model.py": "",
        "store/up_absolute.py": "from focusdesk.audio import probe\n",
        "store/up_nested.py": "def f():\n    import focusdesk.diarize.voices\n",
        "store/up_relative.py": "from ..commands import study\n",
        "core/up_from_dot.py": "from .. import store\n",
        "audio/probe.py": "from focusdesk.store import media\nfrom focusdesk.core import model\n",
        "transcribe/job.py": "from focusdesk.audio import probe\n",
        "audio/back.py": "def f():\n    from focusdesk.transcribe import job\n",
        "jobs/runner.py": "from focusdesk.diarize import engine\n",
        "diarize/engine.py": "from focusdesk import __version__\n",
        "ui/app.py": "from focusdesk.cli import main\n",
        "cli.py": "from focusdesk.ui import app\n",
    })
    found = layer_violations(pkg)
    assert [v.split(":")[0] for v in found if "cycle" not in v] == [
        "focusdesk/core/up_from_dot.py", "focusdesk/store/up_absolute.py",
        "focusdesk/store/up_nested.py", "focusdesk/store/up_relative.py"]
    assert [v for v in found if "cycle" in v] == [
        "cycle among middle-layer packages: audio -> transcribe -> audio"]


def test_only_ui_imports_pyside6():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {m}" for _, m in imports_of(path)
                      if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6")]
    assert offenders == []


def test_core_and_store_do_not_import_numpy_or_sql_above_them():
    """core is plain Python (no SQL, no numpy); store keeps vectors as bytes (diarize compares them)."""
    offenders = []
    for layer, banned in (("core", ("sqlite_utils", "sqlite3", "numpy", "scipy")), ("store", ("numpy", "scipy"))):
        for path in (PACKAGE / layer).rglob("*.py"):
            offenders += [f"{path.name}: {m}" for _, m in imports_of(path) if m.split(".")[0] in banned]
    assert offenders == []


def test_no_python_qt_message_handler():
    """A Python Qt message handler needs the GIL on whatever thread logs: Qt's FFmpeg audio thread
    warning while the window thread waits for it (QMediaPlayer.stop) then deadlocks the app."""
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if "qInstallMessageHandler" in p.read_text()]
    assert offenders == []
