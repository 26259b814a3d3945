"""Helpers shared by subcommands."""

from __future__ import annotations

import sys


def kv_pairs(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--attr expects key=value, not {item!r}")
        out[key.strip()] = value.strip()
    return out


def print_table(rows: list[list[str]], headers: list[str], out=None) -> None:
    out = out or sys.stdout
    cells = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
