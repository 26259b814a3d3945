"""The ``focusdesk`` command: no subcommand opens the window; subcommands do headless work.

Subcommands live in ``focusdesk/commands/``: each module there has ``register(subparsers)`` and is
found automatically, so features add commands without touching this file.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from focusdesk import __version__
from focusdesk.core.errors import translate
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
                 recovery_key: str | None = None):
        self.workspace_path = (workspace or default_workspace()).expanduser()
        self.passphrase, self.recovery_key = passphrase, recovery_key
        self._ws: Workspace | None = None

    def open(self, create: bool = True) -> Workspace:
        if self._ws is None:
            try:
                self._ws = open_workspace(self.workspace_path, create=create,
                                          passphrase=self.passphrase,
                                          recovery_key=self.recovery_key)
            except PassphraseNeeded:
                from focusdesk.commands.protect import ask

                self.passphrase = ask("Passphrase of the study: ")
                self._ws = open_workspace(self.workspace_path, create=create,
                                          passphrase=self.passphrase)
            from focusdesk.store.backups import auto_backup

            auto_backup(self._ws)  # the rolling backup: at open, when the study changed
        return self._ws

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None


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
    return Context(args.workspace, passphrase, recovery)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        from focusdesk.ui.app import run_app

        return run_app(args.workspace)
    ctx = None
    try:
        ctx = _context(args)
        result = args.func(args, ctx)
    except Exception as exc:
        known = translate(exc)  # the window shows the same words (focusdesk/core/errors.py)
        if known is not None:
            message = known.text
        elif isinstance(exc, (LookupError, ValueError, OSError)):  # commands say "no session named X" so
            message = exc.args[0] if isinstance(exc, LookupError) and exc.args else str(exc)
        else:
            raise
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
