"""The kill -9 campaign, short: every operation at least once, as many trials as fit in about
two and a half minutes, seeded (the seed is printed; FOCUSDESK_FAULT_SEED repeats a run). The
long run is ``bench/faults.py --kills 200``; both use ``campaign.py``."""

from __future__ import annotations

import os
import random

from campaign import LOST, Campaign, table

BUDGET_S = float(os.environ.get("FOCUSDESK_FAULT_BUDGET", "120"))


def test_kill_9_at_random_moments_loses_nothing(tmp_path):
    seed = int(os.environ.get("FOCUSDESK_FAULT_SEED") or random.randrange(1 << 30))
    print(f"fault campaign seed: {seed} (FOCUSDESK_FAULT_SEED={seed} repeats it)")
    campaign = Campaign(tmp_path, seed)
    try:
        results = campaign.run(budget_s=BUDGET_S)
    finally:
        campaign.close()
    report = table(results)
    print(report)
    assert {r.op for r in results} == set(campaign.operations), report
    assert any(r.killed_after_s for r in results), report
    assert not [r for r in results if r.outcome == LOST], f"seed {seed}\n{report}"
