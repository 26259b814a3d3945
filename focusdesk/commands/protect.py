"""``study protect``, ``study unprotect``, ``study change-passphrase`` and ``study init --protect``
(registered by ``commands/study.py`` under ``study``), and how a passphrase is asked for.

A passphrase comes from the global ``--passphrase-file`` (the new one for ``protect``/``init``),
else from a prompt on a terminal (twice for a new one); with no terminal the command stops and
says which option to use. A recovery key comes from ``--recovery-key-file``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from focusdesk.core.errors import UserError
from focusdesk.store.protect import keyfile
from focusdesk.store.protect.convert import create_protected, protect_study, unprotect_study
from focusdesk.store.workspace import DB_NAME

NO_TERMINAL = ("This study is protected: give its passphrase with --passphrase-file FILE before "
               "the command (or its recovery key with --recovery-key-file FILE), or run the "
               "command in a terminal to be asked.")


def read_secret_file(path: Path, what: str) -> str:
    """A passphrase or recovery key from a file: its text without the line end after it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Cannot read the {what} file {path} ({exc.strerror or exc}).") from exc
    text = text.rstrip("\r\n")
    if not text:
        raise UserError(f"The {what} file {path} is empty.")
    return text


def ask(prompt: str, *, missing: str = NO_TERMINAL) -> str:
    if not sys.stdin.isatty():
        raise UserError(missing)
    return getpass.getpass(prompt)


def new_passphrase(ctx, option: str = "--passphrase-file") -> str:
    """The new passphrase: the option's file, else asked twice on a terminal."""
    if ctx.passphrase is not None:
        keyfile.check_new_passphrase(ctx.passphrase)
        return ctx.passphrase
    missing = f"Give the new passphrase with {option} FILE, or run the command in a terminal."
    first = ask("New passphrase for the study: ", missing=missing)
    keyfile.check_new_passphrase(first)
    if ask("The same passphrase again: ", missing=missing) != first:
        raise UserError("The two passphrases differ; nothing was changed. Try again.")
    return first


def current_key(ctx) -> keyfile.StudyKey:
    root = ctx.workspace_path
    path = keyfile.key_path(root)
    if not path.is_file():
        raise UserError(f"The study in {root} is not protected.")
    if ctx.recovery_key is not None:
        return keyfile.unlock(path, recovery_key=ctx.recovery_key)
    passphrase = ctx.passphrase if ctx.passphrase is not None else ask("Passphrase of the study: ")
    return keyfile.unlock(path, passphrase=passphrase)


def print_recovery_key(recovery: str) -> None:
    print("Recovery key (shown this once; store it somewhere safe, away from this computer):")
    print(f"    {recovery}")
    print("With it the study opens even if the passphrase is forgotten (--recovery-key-file).")


def register_actions(s: argparse._SubParsersAction) -> None:
    """The protection actions under ``focusdesk study``."""
    s.add_parser("protect", help="encrypt the study (database and media) with a passphrase "
                 "(from --passphrase-file or asked); prints a recovery key once"
                 ).set_defaults(func=study_protect)
    s.add_parser("unprotect", help="remove the study's protection (decrypt it)"
                 ).set_defaults(func=study_unprotect)
    change = s.add_parser("change-passphrase", help="set a new passphrase (the current one from "
                          "--passphrase-file or --recovery-key-file, or asked)")
    change.add_argument("--new-passphrase-file", type=Path, metavar="FILE",
                        help="file holding the new passphrase (else asked twice)")
    change.set_defaults(func=study_change_passphrase)


def init_protected(ctx) -> keyfile.StudyKey:
    """``study init --protect``: make the folder protected before its database is written."""
    passphrase = new_passphrase(ctx)
    key, recovery = create_protected(ctx.workspace_path, passphrase)
    print_recovery_key(recovery)
    return key


def study_protect(args, ctx) -> int:
    root = ctx.workspace_path
    if keyfile.is_protected(root):
        print(f"The study in {root} is already protected.")
        return 1
    if not (root / DB_NAME).is_file():
        raise UserError(f"There is no study in {root} to protect. Create one with: "
                        "focusdesk study init --protect --title TITLE")
    passphrase = new_passphrase(ctx)
    _, recovery = protect_study(root, passphrase)
    print(f"Protected the study in {root}: its database and every media file are encrypted.")
    print_recovery_key(recovery)
    return 0


def study_unprotect(args, ctx) -> int:
    key = current_key(ctx)
    unprotect_study(ctx.workspace_path, key)
    print(f"Removed the protection of the study in {ctx.workspace_path}: its files are no longer "
          "encrypted.")
    return 0


def study_change_passphrase(args, ctx) -> int:
    key = current_key(ctx)
    if args.new_passphrase_file is not None:
        new = read_secret_file(args.new_passphrase_file, "new passphrase")
        keyfile.check_new_passphrase(new)
    else:
        missing = "Give the new passphrase with --new-passphrase-file FILE, or run in a terminal."
        new = ask("New passphrase: ", missing=missing)
        keyfile.check_new_passphrase(new)
        if ask("The same passphrase again: ", missing=missing) != new:
            raise UserError("The two passphrases differ; nothing was changed. Try again.")
    keyfile.change_passphrase(keyfile.key_path(ctx.workspace_path), key, new)
    print("Changed the passphrase. The old one no longer opens the study; the recovery key still "
          "does.")
    return 0
