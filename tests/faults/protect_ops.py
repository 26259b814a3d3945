"""The fault campaign's ``protect`` and ``unprotect`` operations: the real ``study protect`` /
``study unprotect`` (with ``--passphrase-file``) on a study with an imported WAV clip, a
transcript and a backup, killed at a random moment.

After each kill the check reopens the study in the form the conversion's own state says it must
be in (no state file: the key file decides; *prepare*: the old form; *switch*: the new one),
plainly or with the passphrase, and then asks: ``focusdesk check`` is clean (database integrity,
every media file against its recorded checksum); a protected study is refused without its
passphrase; every recording decodes to the same samples as before; the transcript is whole;
nothing of the conversion is left (``*.fdconv``, the new key, the state file); and for a
protected outcome no file of the study folder, backups included, holds a transcript word or a
64-byte run of the clip's PCM (tests/plaintext_scan.py). A plain outcome must show them to the
same scan, which proves the scan looks where the plaintext would be.

Imported by campaign.py after its helpers are defined (it registers these rows).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

from campaign import AUDIO, LOST, OK, RECOVERED, Operation, Trial, Verdict, cli, db_check

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plaintext_scan import leaks, pcm_runs, word_needles  # noqa: E402

CLIP = AUDIO / "stereo-2spk.wav"  # a WAV: its samples are in a plain study's file as they are
WORDS = ["Chicago", "Jersey", "Texas", "Yankee", "originally"]
VTT = ("WEBVTT\n\n00:00:00.300 --> 00:00:02.400\nP01: I grew up in Chicago, then Jersey\n\n"
       "00:00:02.500 --> 00:00:04.900\noriginally from Texas, Yankee fans all of them\n")
PASSPHRASE = "correct horse battery staple"
STATE = "focusdesk.convert.json"
KEY = "focusdesk.key"


def _templates(trial: Trial) -> dict:
    """Made once per campaign: the plain study, the same study protected, the passphrase file,
    what the recordings decode to and the transcript."""

    def make() -> dict:
        folder = trial.campaign.workdir / "template-protect"
        plain, protected = folder / "plain", folder / "protected"
        folder.mkdir(parents=True)
        (folder / "a.vtt").write_text(VTT)
        pw = folder / "pw"
        pw.write_text(PASSPHRASE + "\n")
        for step in (["study", "init", "--title", "Protect campaign"],
                     ["session", "add", "S", "--kind", "interview"],
                     ["import-audio", CLIP, "--session", "S"],
                     ["import-transcript", folder / "a.vtt", "--session", "S"],
                     ["backup", "create"]):
            r = cli(plain, *step)
            if r.returncode != 0:
                raise RuntimeError(f"template step {step} failed: {r.stderr}")
        shutil.copytree(plain, protected)
        began = time.monotonic()
        r = cli(protected, "--passphrase-file", pw, "study", "protect")
        if r.returncode != 0:
            raise RuntimeError(f"protecting the template failed: {r.stderr}")
        took = time.monotonic() - began  # the kill window scales with it (a loaded machine)
        decoded, texts = _contents(plain, None)
        return {"plain": plain, "protected": protected, "pw": pw, "decoded": decoded, "took": took,
                "texts": texts, "needles": word_needles(WORDS) + pcm_runs(CLIP)}

    return trial.campaign.cached("protect-templates", make)


def _contents(study: Path, passphrase: str | None) -> tuple[dict[str, str], list[str]]:
    """Each recording's decoded samples' checksum and the transcript's texts, read through
    focusdesk itself (sealed media are decrypted in memory)."""
    from focusdesk.audio.decode import decode_audio
    from focusdesk.store.workspace import open_workspace

    with open_workspace(study, create=False, passphrase=passphrase) as ws:
        decoded = {path: hashlib.sha256(decode_audio(ws.resolve(path)).tobytes()).hexdigest()
                   for (path,) in ws.db.execute("SELECT path FROM recordings ORDER BY id")}
        texts = [t for (t,) in ws.db.execute("SELECT text FROM segments ORDER BY start_ms")]
    return decoded, texts


AT_SWITCH = 0.35  # share of trials killed the moment the switch is decided, not at random


def _prepare(trial: Trial, template: str) -> None:
    t = _templates(trial)
    shutil.copytree(t[template], trial.study)
    trial.context["at_switch"] = trial.rng.random() < AT_SWITCH
    # at random within an uninterrupted conversion's time (measured on this machine, now); its
    # first half is mostly Python starting and scrypt, where a kill finds nothing begun
    trial.context["kill_at"] = trial.rng.uniform(0.4 * t["took"], 1.15 * t["took"])


def prepare_protect(trial: Trial) -> None:
    _prepare(trial, "plain")


def prepare_unprotect(trial: Trial) -> None:
    _prepare(trial, "protected")


def _kill_now(trial: Trial) -> bool:
    """The renames take milliseconds of a conversion's seconds: some trials wait for the state
    file to say *switch* and kill then, so a kill in the middle of them is tried too; the others
    are killed at their random moment."""
    if not trial.context["at_switch"]:
        return time.monotonic() - trial.child.started >= trial.context["kill_at"]
    try:
        return '"switch"' in (trial.study / STATE).read_text("utf-8")
    except OSError:
        return False


def _argv(action: str):
    return lambda t: ["--passphrase-file", _templates(t)["pw"], "study", action]


def _form_due(study: Path) -> tuple[str, str]:
    """The form the study must open in, by the conversion's decision rule, and why."""
    try:
        state = json.loads((study / STATE).read_text("utf-8"))
    except (OSError, ValueError):
        state = None  # none, or a rewrite of it cut short (the .tmp): no switch was decided
    if not state:
        return ("protected" if (study / KEY).is_file() else "plain"), "no conversion under way"
    new = "protected" if state["direction"] == "protect" else "plain"
    old = "plain" if new == "protected" else "protected"
    if state["phase"] == "switch":
        return new, "killed after the switch was decided"
    return old, f"killed while preparing ({len(list(study.rglob('*.fdconv')))} new file(s))"


def check_conversion(trial: Trial) -> Verdict:
    t = _templates(trial)
    form, why = _form_due(trial.study)
    pw_args = ["--passphrase-file", t["pw"]] if form == "protected" else []
    if form == "protected":
        r = cli(trial.study, "session", "list", timeout=120)
        if r.returncode != 2 or "passphrase" not in r.stderr:
            return Verdict(LOST, f"protected, yet opened without its passphrase: rc {r.returncode}")
    r = cli(trial.study, *pw_args, "check", timeout=120)
    if r.returncode != 0:
        return Verdict(LOST, f"{form}: check failed: {(r.stderr or r.stdout).strip()[-300:]}")
    now = "protected" if (trial.study / KEY).is_file() else "plain"
    if now != form:
        return Verdict(LOST, f"due {form} ({why}), opened {now}")
    left = [p.name for p in trial.study.rglob("*") if ".fdconv" in p.name
            or p.name.endswith(".key.new") or p.name.startswith(STATE)]
    if left:
        return Verdict(LOST, f"the conversion left {left}")
    shared = [p.relative_to(trial.study).as_posix() for p in [trial.study / KEY,
              *(trial.study / "backups").iterdir()] if p.exists() and p.stat().st_mode & 0o077]
    if shared:
        return Verdict(LOST, f"readable by others after the conversion: {shared}")
    if form == "plain" and (problem := "; ".join(db_check(trial.study))):
        return Verdict(LOST, f"integrity: {problem}")
    decoded, texts = _contents(trial.study, PASSPHRASE if form == "protected" else None)
    if decoded != t["decoded"]:
        return Verdict(LOST, f"recordings decode differently: {sorted(decoded)}")
    if texts != t["texts"]:
        return Verdict(LOST, f"transcript changed: {len(texts)} of {len(t['texts'])} segments")
    found = leaks(trial.study, t["needles"])
    if form == "protected" and found:
        return Verdict(LOST, f"plaintext in a protected study: {found[:3]}")
    if form == "plain" and not any(hit.startswith("focusdesk.sqlite") for hit in found):
        return Verdict(LOST, "the scan finds no transcript word in a plain study: it is blind")
    if not trial.killed:
        if trial.child is not None and trial.child.lines:  # a conversion that finished: later kill windows fit that length
            t["took"] = min(t["took"], trial.child.lines[-1][0] - trial.child.started)
        waited = " (waiting for the switch)" if trial.context["at_switch"] else ""
        return Verdict(OK, f"{form}: finished before the kill{waited}")
    if why == "no conversion under way":
        done = form == ("protected" if trial.op == "protect" else "plain")
        return Verdict(OK, f"{form}: killed " + ("after it had finished" if done else
                                                  "before it began"))
    return Verdict(RECOVERED, f"{form}: {why}; reopening finished it" if "switch" in why
                   else f"{form}: {why}; reopening rolled it back")


OPERATIONS = [
    # the window's end is only a backstop: _kill_now picks the moment
    Operation("protect", prepare_protect, _argv("protect"), (60.0, 60.0), check_conversion,
              kill_when=_kill_now),
    Operation("unprotect", prepare_unprotect, _argv("unprotect"), (60.0, 60.0), check_conversion,
              kill_when=_kill_now),
]
