"""The ``focusdesk`` command: no subcommand opens the window; subcommands do headless work.

Subcommands live in ``focusdesk/commands/``: each module there has ``register(subparsers)`` and is
found automatically, so features add commands without touching this file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from focusdesk import __version__
from focusdesk.core.errors import translate
from focusdesk.core.logsetup import configure_logging
from focusdesk.store.workspace import Workspace, default_workspace, open_workspace


class Context:
    """What a command needs: the chosen workspace, opened on demand and closed afterwards."""

    def __init__(self, workspace: Path | None, read_only: bool = False):
        self.workspace_path = workspace or default_workspace()
        self.read_only = read_only  # a command that only reads: never creates a study
        self._ws: Workspace | None = None

    def open(self, create: bool = True) -> Workspace:
        if self._ws is None:
            self._ws = open_workspace(self.workspace_path, create=create and not self.read_only,
                                      read_only=self.read_only)
        return self._ws

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None


READ_ONLY_COMMANDS = frozenset({
    "codings", "matrix", "framework", "sections", "coverage", "talk-time", "speakers", "search",
    "export", "export-study", "markers", "speech-coverage"})
READ_ONLY_ACTIONS = frozenset({"show", "list", "export"})


def is_read_only(args: argparse.Namespace) -> bool:
    """Commands that only read the study: they must not create one at a mistyped path, and they
    work on a study in a read-only folder."""
    return args.command in READ_ONLY_COMMANDS or getattr(args, "action", None) in READ_ONLY_ACTIONS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="focusdesk",
        description="Record, transcribe, code and export focus groups and interviews, offline. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"focusdesk {__version__}")
    parser.add_argument("--workspace", "-w", type=Path, metavar="DIR",
                        help="study folder (default: $FOCUSDESK_WORKSPACE, the checkout's "
                        "sessions/ folder, or the user data folder)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import focusdesk.commands as commands_pkg

    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"focusdesk.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)  # FOCUSDESK_LOG_LEVEL / FOCUSDESK_LOG_FILE (core/logsetup.py)
    if args.command is None:
        from focusdesk.ui.app import run_app

        return run_app(args.workspace)
    ctx = Context(args.workspace, read_only=is_read_only(args))
    try:
        result = args.func(args, ctx)
    except BrokenPipeError:  # '-o - | head': the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 0
    except Exception as exc:
        known = translate(exc)  # the window shows the same words (focusdesk/core/errors.py)
        if known is not None:
            message = known.text
        elif isinstance(exc, (LookupError, ValueError, OSError)):  # commands say "no session named X" so
            message = exc.args[0] if isinstance(exc, LookupError) and exc.args else str(exc)
        else:
            raise
        message = re.sub(r"\[Errno -?\d+\] ", "", message)  # an OSError's text quoted in a message
        print(f"focusdesk: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("focusdesk: interrupted", file=sys.stderr)
        return 130
    finally:
        ctx.close()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
