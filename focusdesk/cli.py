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
from focusdesk.core.tempfiles import remove_stale
from focusdesk.store.workspace import (
    PassphraseNeeded,
    Workspace,
    default_workspace,
    open_workspace,
)


class Context:
    """What a command needs: the chosen workspace, opened on demand and closed afterwards
    (a protected study with the passphrase from ``--passphrase-file``, else asked)."""

    def __init__(self, workspace: Path | None, passphrase: str | None = None,
                 recovery_key: str | None = None, read_only: bool = False):
        self.workspace_path = (workspace or default_workspace()).expanduser()
        self.passphrase, self.recovery_key = passphrase, recovery_key
        self.read_only = read_only  # a command that only reads: never creates a study
        self._ws: Workspace | None = None

    def open(self, create: bool = True) -> Workspace:
        if self._ws is None:
            create = create and not self.read_only
            try:
                self._ws = open_workspace(self.workspace_path, create=create,
                                          passphrase=self.passphrase,
                                          recovery_key=self.recovery_key, read_only=self.read_only)
            except PassphraseNeeded:
                from focusdesk.commands.protect import ask

                self.passphrase = ask("Passphrase of the study: ")
                self._ws = open_workspace(self.workspace_path, create=create,
                                          passphrase=self.passphrase, read_only=self.read_only)
            if not self.read_only:
                from focusdesk.store.backups import auto_backup

                auto_backup(self._ws)  # the rolling backup: at open, when the study changed
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
    parser.add_argument("--passphrase-file", type=Path, metavar="FILE",
                        help="file holding the passphrase of a protected study (else asked on a "
                        "terminal); for 'study protect' and 'study init --protect', the new one")
    parser.add_argument("--recovery-key-file", type=Path, metavar="FILE",
                        help="file holding a protected study's recovery key (instead of its "
                        "passphrase)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import focusdesk.commands as commands_pkg

    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"focusdesk.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def _context(args) -> Context:
    from focusdesk.commands.protect import read_secret_file

    passphrase = recovery = None
    if args.passphrase_file is not None:
        passphrase = read_secret_file(args.passphrase_file, "passphrase")
    if args.recovery_key_file is not None:
        recovery = read_secret_file(args.recovery_key_file, "recovery key")
    return Context(args.workspace, passphrase, recovery, read_only=is_read_only(args))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)  # FOCUSDESK_LOG_LEVEL / FOCUSDESK_LOG_FILE (core/logsetup.py)
    if args.command is None:
        from focusdesk.ui.app import run_app

        return run_app(args.workspace)
    remove_stale()  # private temporary folders a crashed focusdesk left (core/tempfiles.py)
    ctx = None
    try:
        ctx = _context(args)
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
        if ctx is not None:
            ctx.close()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
