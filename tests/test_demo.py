"""The demo study's parts that need no pipeline: the script spoken on a timeline (distinct voices,
pauses, overlap, a two-channel narrow-band call) and the folder rule (only a demo or an empty
folder is ever replaced). The whole build runs in tests/acceptance."""

from __future__ import annotations

import pytest
import soundfile as sf

from focusdesk.core.errors import UserError
from focusdesk.demo.build import build_demo
from focusdesk.demo.script import SCRIPTS, SUMMARIES, VOICES
from focusdesk.demo.synth import synthesize
from focusdesk.store import codes
from focusdesk.store.demo import create_demo_study
from focusdesk.store.workspace import open_workspace


def test_a_focus_group_is_spoken_on_one_timeline(tmp_path):
    script = SCRIPTS[0]
    rec = synthesize(script, tmp_path)
    info = sf.info(str(rec.path))
    assert info.channels == 1 and info.samplerate == 16000
    assert 60_000 <= rec.duration_ms <= 120_000 and abs(info.duration * 1000 - rec.duration_ms) < 5
    for prev, item in zip(rec.lines, rec.lines[1:]):
        assert item.end_ms - item.start_ms > 500
        if item.line.overlap_ms:
            assert item.start_ms < prev.end_ms  # talks over the end of the previous line
        else:
            assert item.start_ms >= prev.end_ms + 300
    assert synthesize(script, tmp_path / "again").path.read_bytes() == rec.path.read_bytes()


def test_the_telephone_interview_is_two_narrow_band_channels(tmp_path):
    script = next(s for s in SCRIPTS if s.telephone)
    rec = synthesize(script, tmp_path)
    audio, rate = sf.read(str(rec.path))
    assert rate == 8000 and audio.shape[1] == 2
    first = rec.lines[0]  # the facilitator: on the left channel only
    left = audio[first.start_ms * 8:first.end_ms * 8, 0]
    right = audio[first.start_ms * 8:first.end_ms * 8, 1]
    assert abs(left).max() > 20 * abs(right).max()


def test_the_script_fits_the_study(tmp_path):
    ws = open_workspace(tmp_path / "s")
    try:
        create_demo_study(ws)
        paths = {codes.code_path(ws.db, c.id) for c in codes.list_codes(ws.db)}
    finally:
        ws.close()
    used = {p for s in SCRIPTS for line in s.lines for p in line.codes} | {p for s in SCRIPTS for _, p in s.auto_codes}
    assert used <= paths and {theme for _, theme, _ in SUMMARIES} <= paths
    assert {line.who for s in SCRIPTS for line in s.lines} == set(VOICES)
    assert len({(v.name, v.tract) for v in VOICES.values()}) == len(VOICES)  # twelve distinct voices


def test_a_folder_that_is_not_a_demo_is_never_replaced(tmp_path):
    mine = tmp_path / "my-study"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="something other than a demo"):
        build_demo(mine)
    assert (mine / "notes.txt").read_text() == "mine" and not (tmp_path / "my-study.building").exists()
    with pytest.raises(ValueError, match="no session named"):
        build_demo(tmp_path / "demo", only=["Focus group 9"])
