"""focusdesk must open a study on Windows too: no module may import a POSIX-only module when it
is imported, and POSIX-only calls stay behind a guard."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap

from conftest import ROOT

POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource", "posix", "tty", "pty", "syslog",
              "crypt", "nis", "spwd", "readline", "_posixsubprocess")

# Names that exist on POSIX only. A use must sit behind a hasattr/getattr guard; each allowed use
# is listed with its file.
POSIX_ONLY_CALLS = {"os.statvfs", "os.pwrite", "os.pread", "os.killpg", "os.setsid", "os.setpgrp",
                    "os.getpgid", "os.nice", "os.fork", "os.getuid", "os.geteuid", "os.chown",
                    "os.mkfifo", "os.sync", "signal.SIGKILL", "signal.SIGHUP", "signal.SIGUSR1",
                    "signal.SIGALRM", "signal.alarm", "signal.pause"}
GUARDED = {("focusdesk/audio/wavjournal.py", "os.pwrite"),  # _pwrite: hasattr(os, "pwrite")
           ("focusdesk/transcribe/live.py", "os.nice"),  # lower_priority: hasattr(os, "nice")
           ("focusdesk/core/tempfiles.py", "os.getuid")}  # remove_stale: hasattr(os, "getuid")

IMPORT_ALL = textwrap.dedent("""
    import builtins, importlib, pkgutil, sys

    BLOCKED = set(sys.argv[1].split(","))
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        # Every import statement comes through here, even for a module already in sys.modules
        # (a meta_path finder would miss those); only focusdesk's own imports are refused, so a
        # dependency that picks its platform code itself still loads.
        importer = (globals or {}).get("__name__") or ""
        if level == 0 and name.split(".")[0] in BLOCKED and importer.split(".")[0] == "focusdesk":
            raise ImportError(f"{importer} imports the POSIX-only module {name} at import time")
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    import focusdesk

    names = [m.name for m in pkgutil.walk_packages(focusdesk.__path__, "focusdesk.")
             if not m.name.endswith(".__main__")]  # that one runs the CLI
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{name}: {exc}")
    print(len(names), "modules")
    print("\\n".join(failed))
    sys.exit(1 if failed else 0)
""")


def test_every_module_imports_without_posix_only_modules():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL, ",".join(POSIX_ONLY)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert int(proc.stdout.split()[0]) > 100  # it did walk the whole package


def test_the_import_guard_catches_a_posix_import(tmp_path):
    pkg = tmp_path / "focusdesk"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "lockish.py").write_text("import fcntl\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL, "fcntl"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "focusdesk.lockish imports the POSIX-only module fcntl" in proc.stdout


def test_posix_only_calls_are_guarded():
    found = set()
    for path in (ROOT / "focusdesk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                name = f"{node.value.id}.{node.attr}"
                if name in POSIX_ONLY_CALLS:
                    found.add((path.relative_to(ROOT).as_posix(), name))
    assert found == GUARDED
