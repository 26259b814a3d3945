"""The kill -9 campaign, short: every operation at least once, as many trials as fit in about
two and a half minutes, seeded (the seed is printed; FOCUSDESK_FAULT_SEED repeats a run). The
long run is ``bench/faults.py --kills 200``; both use ``campaign.py``."""

from __future__ import annotations

import os
import random
import shutil

from campaign import LOST, OK, Campaign, Trial, table
from protect_ops import CLIP, check_conversion, prepare_protect, prepare_unprotect

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


def test_the_protect_check_sees_plaintext_and_a_half_conversion(tmp_path):
    """The protect/unprotect check fails a protected study with the clip's samples in a backup
    folder, and one whose conversion left a new file behind, so its "ok" means something."""
    campaign = Campaign(tmp_path, 1)
    leaky = Trial(campaign, "unprotect", tmp_path / "leaky", random.Random(1))
    prepare_unprotect(leaky)
    shutil.copy(CLIP, leaky.study / "backups" / "clip.wav")
    (leaky.study / "backups" / "clip.wav").chmod(0o600)  # private, but in the clear
    verdict = check_conversion(leaky)
    assert verdict.outcome == LOST and "plaintext in a protected study" in verdict.detail, verdict
    (leaky.study / "backups" / "clip.wav").unlink()
    assert check_conversion(leaky).outcome == OK
    half = Trial(campaign, "protect", tmp_path / "half", random.Random(2))
    prepare_protect(half)
    (half.study / "focusdesk.key.new").write_bytes(b"{}")  # no state file: not a conversion
    verdict = check_conversion(half)
    assert verdict.outcome == LOST and "left" in verdict.detail, verdict
