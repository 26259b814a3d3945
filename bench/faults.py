"""The long kill -9 campaign: ``python bench/faults.py --kills 200 [--seed N] [--only OP ...]``.

Each trial starts an operation as the real CLI, kills it (and its job children) with SIGKILL
at a random moment, restarts and checks the study (tests/faults/campaign.py has the operations
and the checks; tests/faults/test_fault_campaign.py runs a short campaign in CI). Prints every
trial and then the count per operation and what happened; exits 1 when data was lost.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "faults"))
sys.path.insert(0, str(ROOT))

from campaign import LOST, OPERATIONS, Campaign, table  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=200, help="trials to run (default 200)")
    p.add_argument("--seed", type=int, default=None, help="repeat a campaign (default: random)")
    p.add_argument("--only", nargs="+", choices=sorted(OPERATIONS), help="only these operations")
    p.add_argument("--keep", type=Path, help="work in this folder (kept; trials that lost data "
                   "are left there to look at)")
    args = p.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"seed {seed}", flush=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="focusdesk-faults-") as tmp:
        campaign = Campaign(args.keep or Path(tmp), seed, say=lambda s: print(s, flush=True))
        try:
            results = campaign.run(kills=args.kills, only=args.only)
        finally:
            campaign.close()
    print(f"\n{len(results)} trials in {time.monotonic() - began:.0f} s, seed {seed}")
    print(table(results))
    return 1 if any(r.outcome == LOST for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
