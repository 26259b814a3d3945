"""No SQL in the window: every read and write goes through a focusdesk/store function.

The window is the one layer tests exercise least directly; SQL there bypasses the store's
transactions and checks (an undo once deleted a speaker outside a transaction).
"""

from __future__ import annotations

import ast
import re

from conftest import ROOT

UI = ROOT / "focusdesk" / "ui"
DB_NAMES = {"db", "conn", "connection", "database", "cursor"}
SQL_CALLS = {"execute", "executemany", "executescript", "query", "table"}
SQL_TEXT = re.compile(r"\bSELECT\b.+\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bDELETE\s+FROM\b"
                      r"|\bUPDATE\s+\w+\s+SET\b|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|VIEW)\b|\bPRAGMA\s+\w+",
                      re.DOTALL)
OPENERS = {("sqlite3", "connect"), ("sqlite_utils", "Database")}  # catching sqlite3.Error is fine


def _name(node: ast.AST) -> str | None:
    """The last name in ``db``, ``self.db`` or ``window.workspace.db``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def sql_sites(source: str, filename: str = "<source>") -> list[str]:
    """Where a module runs SQL itself: line and what was found."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, _name(node.func.value)
            if method in {"execute", "executemany", "executescript"} or (
                    method in SQL_CALLS and receiver in DB_NAMES):
                found.append(f"{line}: .{method}(")
            elif (receiver, method) in OPENERS:
                found.append(f"{line}: {receiver}.{method}(")
        elif isinstance(node, ast.Subscript) and _name(node.value) in DB_NAMES:
            found.append(f"{line}: {_name(node.value)}[...]")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            found.append(f"{line}: SQL text {node.value[:40]!r}")
    return found


def test_no_module_under_ui_runs_sql():
    offenders = [f"{path.relative_to(ROOT)}:{site}" for path in sorted(UI.rglob("*.py"))
                 for site in sql_sites(path.read_text(), str(path))]
    assert offenders == [], "move these into focusdesk/store functions:\n" + "\n".join(offenders)


def test_the_check_finds_each_kind_of_sql():
    source = '''
import sqlite3
def f(self, window, sid):
    conn = sqlite3.connect("study.sqlite")
    self.db.execute("SELECT id FROM segments WHERE session_id = ?", [sid])
    window.workspace.db.executemany("x", [])
    rows = self.db["codes"].rows
    t = db.table("codes")
    sql = "DELETE FROM speakers WHERE id = ?"
'''
    sites = sql_sites(source)
    assert any("sqlite3.connect(" in s for s in sites)
    assert any(".execute(" in s for s in sites)
    assert any(".executemany(" in s for s in sites)
    assert any("db[...]" in s for s in sites)
    assert any(".table(" in s for s in sites)
    assert any("DELETE FROM" in s for s in sites)
    # Interface text is not SQL: a label that says "Select" or a meter's peak_db[i] must pass.
    assert sql_sites('label = "Select words to code them."\nx = self.peak_db[0]\n') == []
