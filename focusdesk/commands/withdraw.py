"""``focusdesk participant withdraw CODE [--keep-anonymised] [--yes]`` (added to the participant
command by ``people.py``): prints what withdrawing does, and does it with ``--yes``."""

from __future__ import annotations

import argparse


def add_withdraw_parser(s: argparse._SubParsersAction) -> None:
    w = s.add_parser("withdraw", help="withdraw a participant: their words become '[withdrawn]' in the "
                     "study and every export (prints what happens; needs --yes)")
    w.add_argument("code")
    w.add_argument("--keep-anonymised", action="store_true",
                   help="keep their turns and coded passages, with no code or name")
    w.add_argument("--yes", action="store_true", help="do it (without: only say what would happen)")
    w.set_defaults(func=participant_withdraw)


def participant_withdraw(args, ctx) -> int:
    from focusdesk.store import withdrawal

    ws = ctx.open(create=False)
    impact = withdrawal.withdrawal_impact(ws, args.code)
    print(impact.text(args.keep_anonymised))
    if not args.yes:
        raise ValueError("Nothing changed. Run the command again with --yes to withdraw.")
    withdrawal.withdraw(ws, args.code, keep_anonymised=args.keep_anonymised)
    how = "kept anonymised" if args.keep_anonymised else f"replaced by {withdrawal.WITHDRAWN_TEXT}"
    print(f"Withdrew {impact.code}: their turns are {how}.")
    return 0
