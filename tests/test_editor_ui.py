"""The transcript editor as a real Qt widget (offscreen), on a real study with real audio."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QPushButton

from focusdesk.core.model import Facilitator, Marker, Recording, Segment, Word
from focusdesk.core.timefmt import format_ms
from focusdesk.store import annotations, codes, coding_ops, guide, sessions, study, transcripts
from focusdesk.ui.transcript.editor import TranscriptEditor
from focusdesk.ui.transcript.peaks import cache_path

TEXTS = [
    ("S1", "welcome everyone to the first group about the app"),
    ("S2", "thanks it has been a big part of my week"),
    ("S3", "for me it was overwhelming at first honestly"),
    ("S2", "the reminders keep me going between sessions"),
    ("S1", "what made it feel time consuming for you"),
]


@pytest.fixture
def session(seeded):
    """Focus group 1 with 5 turns (words every 400 ms) and a 30 s WAV recording."""
    db = seeded.db
    s = sessions.session_by_name(db, "Focus group 1")
    sr = 16000
    t = np.arange(sr * 30) / sr
    audio = (0.2 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)
    path = seeded.session_dir(s.id) / "fg1.wav"
    sf.write(path, audio, sr)
    transcripts.add_recording(db, Recording(session_id=s.id, path=seeded.relative(path), duration_ms=30_000,
                                            sample_rate=sr, channels=1))
    start = 1000
    for label, text in TEXTS:
        sp = transcripts.ensure_speaker(db, s.id, label)
        words = [Word(start + i * 400, start + i * 400 + 350, w, probability=0.3 if w == "honestly" else 0.9)
                 for i, w in enumerate(text.split())]
        transcripts.add_segment(db, Segment(session_id=s.id, start_ms=start, end_ms=words[-1].end_ms,
                                            text=text, speaker_id=sp.id, words=words))
        start = words[-1].end_ms + 650
    return seeded, s


@pytest.fixture
def editor(qtbot, session):
    ws, s = session
    ed = TranscriptEditor(ws, s.id)
    ed.quiet = True
    qtbot.addWidget(ed)
    ed.resize(1000, 700)
    ed.show()
    qtbot.waitExposed(ed)
    yield ed
    ed.shutdown()


def _snapshot(db, session_id):
    return ([(seg.id, seg.start_ms, seg.end_ms, seg.speaker_id, seg.text,
              [(w.start_ms, w.end_ms, w.text, w.probability) for w in seg.words])
             for seg in transcripts.list_segments(db, session_id)],
            [(sp.id, sp.label, sp.participant_id, sp.facilitator_id) for sp in transcripts.list_speakers(db, session_id)])


def _click_word(qtbot, editor, order, word, modifier=Qt.KeyboardModifier.NoModifier):
    rect = editor.view.word_rect((order, word))
    qtbot.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_shows_turns_speakers_and_anchors(editor, session):
    ws, s = session
    assert len(editor.model.segments) == 5
    assert [editor.model.speaker_name(seg.speaker_id) for seg in editor.model.segments] == ["S1", "S2", "S3", "S2", "S1"]
    section = guide.load_guide(ws.db).sections[0]
    annotations.add_marker(ws.db, Marker(session_id=s.id, ms=4000, guide_item_key=section.key))
    annotations.add_marker(ws.db, Marker(session_id=s.id, ms=9000, tag="quote", note="key moment"))
    annotations.add_marker(ws.db, Marker(session_id=s.id, ms=12000, guide_item_key="no-such-item"))
    editor.reload()
    kinds = [r.kind for r in editor.model.rows]
    assert kinds.count("segment") == 5 and kinds.count("guide") == 1 and kinds.count("marker") == 2
    heading = next(r for r in editor.model.rows if r.kind == "guide")
    assert editor.model.anchor_text(heading) == section.text
    flag = next(r for r in editor.model.rows if r.kind == "marker")
    assert editor.model.anchor_text(flag) == "quote — key moment"
    # each anchor sits before the first turn that starts at or after it
    row_of_marker = next(i for i, r in enumerate(editor.model.rows) if r.marker and r.marker.ms == 9000)
    nxt = editor.model.rows[row_of_marker + 1]
    assert editor.model.segments[nxt.seg].start_ms >= 9000
    assert editor.model.segments[editor.model.rows[row_of_marker - 1].seg].start_ms < 9000
    editor.grab()  # paints every kind of row without error


def test_click_word_seeks_player(qtbot, editor):
    seg = editor.model.segments[2]
    _click_word(qtbot, editor, 2, 4)
    target = seg.words[4].start_ms
    qtbot.waitUntil(lambda: abs(editor.player.position() - target) < 30, timeout=5000)
    qtbot.waitUntil(lambda: abs(editor.player.player.position() + editor.player.tracks[0].offset_ms - target) < 30,
                    timeout=5000)
    assert editor.selection_range() == (seg.words[4].start_ms, seg.words[4].end_ms, seg.speaker_id)


def test_follow_mode_highlights_spoken_word(qtbot, editor):
    seg = editor.model.segments[3]
    editor._on_position(seg.words[2].start_ms + 100)
    assert editor.model.current == (3, 2)
    assert editor.current_segment_id() == seg.id
    editor._on_position(seg.words[5].start_ms)
    assert editor.model.current == (3, 5)
    editor.seek(editor.model.segments[0].words[1].start_ms + 10)
    qtbot.waitUntil(lambda: editor.model.current == (0, 1), timeout=5000)
    editor.follow_box.setChecked(False)
    assert editor.model.current is None
    editor._on_position(seg.words[2].start_ms)
    assert editor.model.current is None


def test_playback_keys(qtbot, editor):
    editor.view.setFocus()
    editor.seek(10_000)
    qtbot.waitUntil(lambda: editor.player.position() == 10_000, timeout=5000)
    qtbot.keyClick(editor.view, Qt.Key.Key_F1)
    assert editor.player.position() == 10_000 - 3000
    qtbot.keyClick(editor.view, Qt.Key.Key_F2)
    qtbot.keyClick(editor.view, Qt.Key.Key_F2)
    assert editor.player.position() == 13_000
    qtbot.keyClick(editor.view, Qt.Key.Key_F3)
    assert editor.player.rate() < 1.0 and editor.player.player.playbackRate() == pytest.approx(editor.player.rate())
    assert editor.player.pitch_kept and editor.player.player.pitchCompensation()  # Qt 6.12, FFmpeg
    qtbot.keyClick(editor.view, Qt.Key.Key_F5)
    qtbot.keyClick(editor.view, Qt.Key.Key_F5)
    assert editor.player.rate() > 1.0
    qtbot.keyClick(editor.view, Qt.Key.Key_Escape)  # play, rewinding 1 s on resume
    qtbot.waitUntil(editor.player.is_playing, timeout=5000)
    qtbot.keyClick(editor.view, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: not editor.player.is_playing(), timeout=5000)
    assert 11_900 <= editor.player.position() < 16_000
    # Arrow keys move between turns; F6 plays the current turn from its start
    editor.view.setCurrentIndex(editor.model.index(editor.model.seg_row[0]))
    qtbot.keyClick(editor.view, Qt.Key.Key_Down)
    qtbot.keyClick(editor.view, Qt.Key.Key_Down)
    assert editor.current_segment_id() == editor.model.segments[2].id
    qtbot.keyClick(editor.view, Qt.Key.Key_F6)
    assert editor.player.position() == editor.model.segments[2].start_ms
    qtbot.waitUntil(editor.player.is_playing, timeout=5000)
    qtbot.keyClick(editor.view, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: not editor.player.is_playing(), timeout=5000)
    qtbot.keyClick(editor.view, Qt.Key.Key_F12)
    assert editor.overlay.isVisible()
    assert any("Play / pause" in label for _k, label in editor.overlay.lines())
    qtbot.keyClick(editor.overlay, Qt.Key.Key_Space)
    assert not editor.overlay.isVisible()


def test_ctrl_j_inserts_marker_at_position_and_undo_removes_it(qtbot, editor, session):
    ws, s = session
    editor.seek(7_500)
    qtbot.waitUntil(lambda: editor.player.position() == 7_500, timeout=5000)
    editor.view.setFocus()
    qtbot.keyClick(editor.view, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert [m.ms for m in annotations.list_markers(ws.db, s.id)] == [7_500]
    assert any(r.kind == "marker" for r in editor.model.rows)
    editor.undo_stack.undo()
    assert annotations.list_markers(ws.db, s.id) == []
    editor.undo_stack.redo()
    assert [m.ms for m in annotations.list_markers(ws.db, s.id)] == [7_500]


def test_inline_edit_keeps_word_times_and_undo_redo_exactly(qtbot, editor, session):
    ws, s = session
    original = _snapshot(ws.db, s.id)
    seg = editor.model.segments[1]
    editor.view.edit_row(editor.model.seg_row[1])
    ed = editor.view.focusWidget()
    assert ed.toPlainText() == seg.text
    ed.setPlainText("thanks, it has really been a big part of my week")
    qtbot.keyClick(ed, Qt.Key.Key_Return)
    after = transcripts.get_segment(ws.db, seg.id)
    assert after.text == "thanks, it has really been a big part of my week"
    old = {w.text: (w.start_ms, w.end_ms) for w in seg.words}
    for w in after.words:
        if w.text == "thanks,":
            assert (w.start_ms, w.end_ms) == old["thanks"]
        elif w.text != "really":
            assert (w.start_ms, w.end_ms) == old[w.text]
    assert editor.model.segments[1].text == after.text  # the view shows it at once
    editor.undo_stack.undo()
    assert _snapshot(ws.db, s.id) == original
    editor.undo_stack.redo()
    assert transcripts.get_segment(ws.db, seg.id).text == after.text


def test_escape_in_inline_editor_plays_instead_of_cancelling(qtbot, editor):
    editor.view.edit_row(editor.model.seg_row[0])
    ed = editor.view.focusWidget()
    ed.insertPlainText("typed ")
    qtbot.keyClick(ed, Qt.Key.Key_Escape)
    qtbot.waitUntil(editor.player.is_playing, timeout=5000)
    assert editor.view.is_editing() and "typed" in ed.toPlainText()
    qtbot.keyClick(ed, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: not editor.player.is_playing(), timeout=5000)


def test_split_and_merge_with_undo(qtbot, editor, session):
    ws, s = session
    original = _snapshot(ws.db, s.id)
    seg = editor.model.segments[3]  # "the reminders keep me going between sessions"
    editor.view.edit_row(editor.model.seg_row[3])
    ed = editor.view.focusWidget()
    cur = ed.textCursor()
    cur.setPosition(seg.text.index("between"))
    ed.setTextCursor(cur)
    qtbot.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    texts = [x.text for x in editor.model.segments]
    assert texts[3:5] == ["the reminders keep me going", "between sessions"]
    first, second = editor.model.segments[3], editor.model.segments[4]
    assert first.end_ms == seg.words[4].end_ms and second.start_ms == seg.words[5].start_ms
    assert second.speaker_id == seg.speaker_id
    # split by selection + Ctrl+Enter in the view, then merge back with Ctrl+M
    _click_word(qtbot, editor, 0, 3)
    qtbot.keyClick(editor.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.model.segments) == 7
    assert editor.model.segments[1].text == "the first group about the app"
    editor.view.setCurrentIndex(editor.model.index(editor.model.seg_row[0]))
    qtbot.keyClick(editor.view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert editor.model.segments[0].text == TEXTS[0][1]
    for _ in range(3):
        editor.undo_stack.undo()
    assert _snapshot(ws.db, s.id) == original
    for _ in range(3):
        editor.undo_stack.redo()
    assert [x.text for x in editor.model.segments][3:5] == ["the reminders keep me going", "between sessions"]
    assert editor.model.segments[0].text == TEXTS[0][1]


def test_speaker_change_rename_merge_assign_propagate(qtbot, editor, session):
    ws, s = session
    db = ws.db
    study.add_facilitator(db, Facilitator(name="Dr Lee"))
    original = _snapshot(db, s.id)
    s1, s2, s3 = editor.model.speaker_order
    # Ctrl+2 gives the current turn to the second speaker
    editor.view.setCurrentIndex(editor.model.index(editor.model.seg_row[2]))
    editor.view.set_selection(None)
    qtbot.keyClick(editor.view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert transcripts.list_segments(db, s.id)[2].speaker_id == s2
    # rename S1 -> Moderator everywhere
    assert editor.rename_speaker(s1, "Moderator")
    assert {editor.model.speaker_name(x.speaker_id) for x in editor.model.segments} == {"Moderator", "S2"}
    # renaming onto an existing label merges (one step)
    assert editor.rename_speaker(s3, "S2")
    assert editor.undo_stack.undoText() == "Merge speakers"
    assert s3 not in [sp.id for sp in transcripts.list_speakers(db, s.id)]
    assert [x.speaker_id for x in transcripts.list_segments(db, s.id)] == [s1, s2, s2, s2, s1]
    assert editor.merge_speakers([s2], s1)
    assert {x.speaker_id for x in transcripts.list_segments(db, s.id)} == {s1}
    p01 = study.participant_by_code(db, "P01")
    assert editor.assign_speaker(s1, participant_id=p01.id)
    assert editor.model.speaker_name(editor.model.segments[0].speaker_id) == "P01"
    # the context menu offers the speakers, participants and facilitators
    editor.view.setCurrentIndex(editor.model.index(editor.model.seg_row[0]))
    menu = editor.build_context_menu((0, 1))
    labels = [a.text() for a in menu.actions()]
    assert any(t.startswith("Rename speaker") for t in labels)
    assign = next(a.menu() for a in menu.actions() if a.menu() and a.text().endswith("is"))
    assert any("Dr Lee" in a.text() for a in assign.actions())
    while editor.undo_stack.canUndo():
        editor.undo_stack.undo()
    assert _snapshot(db, s.id) == original


def test_find_and_replace_bar(qtbot, editor, session):
    ws, s = session
    original = _snapshot(ws.db, s.id)
    qtbot.keyClick(editor.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert editor.find_bar.isVisible()
    qtbot.keyClicks(editor.find_bar.find, "me")
    assert len(editor.find_bar.matches) == 4  # welcome, for me, keep me, time
    editor.find_bar.whole.setChecked(True)
    assert len(editor.find_bar.matches) == 2  # only "me" itself
    editor.find_bar.find.setText("the")
    assert len(editor.find_bar.matches) == 3
    editor.find_bar.next()
    sel = editor.model.selected_positions()
    assert editor.model.segments[sel[0][0]].words[sel[0][1]].text == "the"
    editor.find_bar.replace.setText("THE")
    editor.find_bar.case.setChecked(True)
    qtbot.mouseClick(next(b for b in editor.find_bar.findChildren(type(editor.play_button).__mro__[1])
                          if getattr(b, "text", lambda: "")() == "Replace all"), Qt.MouseButton.LeftButton)
    texts = [x.text for x in transcripts.list_segments(ws.db, s.id)]
    assert sum(t.split().count("THE") for t in texts) == 3 and not any(" the " in f" {t} " for t in texts)
    seg = transcripts.list_segments(ws.db, s.id)[0]
    assert seg.words[3].text == "THE"
    assert seg.words[3].start_ms == original[0][0][5][3][0]  # one-for-one keeps the time
    assert editor.replace_all("no-such-words", "x") == 0
    editor.undo_stack.undo()
    assert _snapshot(ws.db, s.id) == original
    # Replace one at a time; a replacement that still matches is not found again
    editor.find_bar.case.setChecked(False)
    editor.find_bar.whole.setChecked(True)
    editor.find_bar.find.setText("me")
    editor.find_bar.replace.setText("ME")
    replace_one = next(b for b in editor.find_bar.findChildren(QPushButton) if b.text() == "Replace")
    qtbot.mouseClick(replace_one, Qt.MouseButton.LeftButton)  # selects the first match
    qtbot.mouseClick(replace_one, Qt.MouseButton.LeftButton)  # replaces it, selects the next
    qtbot.mouseClick(replace_one, Qt.MouseButton.LeftButton)
    texts = [x.text for x in transcripts.list_segments(ws.db, s.id)]
    assert "for ME it was" in texts[2] and "keep ME going" in texts[3]
    assert editor.undo_stack.count() == 2  # two replacements (the replace-all was undone)


def test_editing_in_the_editor_never_moves_markers_or_codings(qtbot, editor, session):
    ws, s = session
    db = ws.db
    seg = editor.model.segments[2]
    code = codes.list_codes(db)[0]
    coding_ops.apply_code(db, s.id, code.id, seg.words[1].start_ms, seg.words[4].end_ms, seg.speaker_id)
    coding_ops.code_turn(db, editor.model.segments[3].id, code.id)
    annotations.add_marker(db, Marker(session_id=s.id, ms=seg.words[3].start_ms, tag="quote"))
    editor.refresh_annotations()
    editor.reload()
    assert editor.model.codings_for(editor.model.seg_order[seg.id])
    anchors = ([(m.id, m.ms) for m in annotations.list_markers(db, s.id)],
               [(c.id, c.start_ms, c.end_ms, c.speaker_id) for c in annotations.list_codings(db, s.id)])
    order = editor.model.seg_order[seg.id]
    assert editor.edit_text(seg.id, "for me personally it was a bit overwhelming at the start")
    assert editor.split(seg.id, word_index=3)
    assert editor.merge(seg.id, editor.model.segments[order + 1].id)
    editor.replace_all("overwhelming", "too much")
    assert editor.split(editor.model.segments[3].id, word_index=2)  # inside the coded turn

    def current():
        return ([(m.id, m.ms) for m in annotations.list_markers(db, s.id)],
                [(c.id, c.start_ms, c.end_ms, c.speaker_id) for c in annotations.list_codings(db, s.id)])

    assert len(anchors[1]) == 2 and current() == anchors
    while editor.undo_stack.canUndo():
        editor.undo_stack.undo()
        assert current() == anchors
    while editor.undo_stack.canRedo():
        editor.undo_stack.redo()
        assert current() == anchors
    editor.grab()


def test_coding_panel_contract(qtbot, editor, session):
    ws, s = session
    seen = []
    editor.selection_changed.connect(lambda: seen.append(editor.selection_range()))
    editor.add_context_menu_provider(lambda menu, sel: menu.addAction(f"Code {sel}"))
    seg0, seg1 = editor.model.segments[0], editor.model.segments[1]
    _click_word(qtbot, editor, 0, 2)
    _click_word(qtbot, editor, 0, 5, Qt.KeyboardModifier.ShiftModifier)
    assert editor.selection_range() == (seg0.words[2].start_ms, seg0.words[5].end_ms, seg0.speaker_id)
    assert seen[-1] == editor.selection_range()
    _click_word(qtbot, editor, 1, 3, Qt.KeyboardModifier.ShiftModifier)
    assert editor.selection_range() == (seg0.words[2].start_ms, seg1.words[3].end_ms, None)
    menu = editor.build_context_menu((0, 2))
    assert isinstance(menu, QMenu)
    assert any(a.text().startswith("Code (") for a in menu.actions())
    assert editor.current_segment_id() in (seg0.id, seg1.id)
    editor.play_range(seg1.words[0].start_ms, seg1.words[2].end_ms)
    qtbot.waitUntil(editor.player.is_playing, timeout=5000)
    qtbot.waitUntil(lambda: not editor.player.is_playing(), timeout=8000)
    assert editor.player.position() >= seg1.words[2].end_ms - 10


def test_drag_selects_words(qtbot, editor):
    vp = editor.view.viewport()
    a = editor.view.word_rect((1, 1)).center()
    b = editor.view.word_rect((1, 4)).center()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    move = QMouseEvent(QMouseEvent.Type.MouseMove, QPoint(b).toPointF(), vp.mapToGlobal(b).toPointF(),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, move)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)
    assert editor.model.selected_positions() == ((1, 1), (1, 4))


def test_waveform_peaks_cached_and_click_seeks(qtbot, editor, session):
    ws, s = session
    media = ws.resolve(transcripts.list_recordings(ws.db, s.id)[0].path)
    qtbot.waitUntil(lambda: bool(editor.waveform._peaks), timeout=15000)
    peaks = editor.waveform._peaks[0][1]
    assert peaks.shape == (3000, 2) and peaks[:, 1].max() > 0.2
    assert cache_path(media).is_file()
    wf = editor.waveform
    qtbot.mouseClick(wf, Qt.MouseButton.LeftButton, pos=QPoint(wf.width() // 2, 20))
    expected = wf.window_start + wf.window_ms // 2
    qtbot.waitUntil(lambda: abs(editor.player.position() - expected) < 200, timeout=5000)
    wf.grab()


def test_reload_is_incremental_while_segments_arrive(qtbot, editor, session):
    ws, s = session
    resets = []
    editor.model.modelReset.connect(lambda: resets.append(1))
    editor.reload()
    assert resets == []  # nothing changed: no work
    seg = transcripts.list_segments(ws.db, s.id)[0]
    seg.text = "welcome everybody"
    transcripts.update_segment(ws.db, seg, words=False)
    editor.reload()
    assert resets == [] and editor.model.segments[0].text == "welcome everybody"
    sp = transcripts.ensure_speaker(ws.db, s.id, "S1")
    transcripts.add_segment(ws.db, Segment(session_id=s.id, start_ms=40_000, end_ms=41_000, text="late words",
                                           speaker_id=sp.id, words=[Word(40_000, 41_000, "late")]))
    editor.reload()
    assert len(editor.model.segments) == 6 and resets == [1]


def test_keys_are_configurable_and_listed_in_the_help(qtbot, editor):
    from focusdesk.ui import settings as prefs
    from focusdesk.ui.transcript import keys

    prefs.set_value("editor/keys/back", "Ctrl+Left")
    prefs.set_value("editor/step_ms", 5000)
    prefs.set_value("editor/rewind_ms", 0)
    editor.install_keys()
    assert keys.key_text("back") == QKeySequence("Ctrl+Left").toString(QKeySequence.SequenceFormat.NativeText)
    assert any("Jump back" in label and k == keys.key_text("back") for k, label in editor.overlay.lines())
    editor.view.setFocus()
    editor.seek(12_000)
    qtbot.waitUntil(lambda: editor.player.position() == 12_000, timeout=5000)
    qtbot.keyClick(editor.view, Qt.Key.Key_F1)  # no longer bound
    assert editor.player.position() == 12_000
    qtbot.keyClick(editor.view, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert editor.player.position() == 7_000
    editor.player.play()  # rewind on resume is now off
    assert editor.player.position() == 7_000
    editor.player.pause()
    # The settings dialog writes what the editor reads
    dialog = keys.KeysDialog()
    qtbot.addWidget(dialog)
    dialog._defaults()
    dialog.save()
    editor.install_keys()
    assert keys.step_ms() == keys.STEP_MS and keys.rewind_ms() == keys.REWIND_MS
    assert keys.key_text("back") == "F1"


def test_low_confidence_words_are_marked(editor):
    order = 2  # "for me it was overwhelming at first honestly": "honestly" has p=0.3
    assert editor.model.low_confidence(order) == [7]
    assert editor.model.low_confidence(0) == []
    tip = editor.model.word_tooltip((order, 7))
    assert "30%" in tip and "00:00:" in tip


def test_study_search_hit_opens_the_session_at_that_word_and_plays(qtbot, session):
    from focusdesk.ui.features import transcript_editor as feature
    from focusdesk.ui.main_window import MainWindow

    ws, s = session
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    panel = feature.open_search(win)
    qtbot.keyClicks(panel.query, "overwhelm")
    qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    assert panel.tree.topLevelItemCount() == 1
    item = panel.tree.topLevelItem(0)
    word = transcripts.list_segments(ws.db, s.id)[2].words[4]  # "overwhelming"
    assert [item.text(c) for c in range(3)] == ["Focus group 1", "S3", format_ms(word.start_ms)]
    panel.tree.setCurrentItem(item)
    play = next(b for b in panel.findChildren(QPushButton) if b.text() == "Play")
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    editor = win.find_view(f"transcript:{s.id}")
    assert isinstance(editor, TranscriptEditor)
    editor.quiet = True
    assert win.tabs.currentWidget() is editor and win.current_session_id() == s.id
    assert editor.model.selected_positions() == ((2, 4), (2, 4))
    qtbot.waitUntil(editor.player.is_playing, timeout=5000)
    assert editor.player.position() >= word.start_ms
    editor.player.pause()
    editor.shutdown()


def test_follow_mode_keeps_the_spoken_word_in_view(qtbot, session):
    ws, s = session
    sp = transcripts.ensure_speaker(ws.db, s.id, "S2")
    for k in range(80):
        start = 40_000 + k * 3000
        words = [Word(start + i * 500, start + i * 500 + 400, f"late{k}w{i}") for i in range(5)]
        transcripts.add_segment(ws.db, Segment(session_id=s.id, start_ms=start, end_ms=words[-1].end_ms,
                                               text=" ".join(w.text for w in words), speaker_id=sp.id, words=words))
    ed = TranscriptEditor(ws, s.id, load_audio=False)
    ed.quiet = True
    qtbot.addWidget(ed)
    ed.resize(900, 500)
    ed.show()
    qtbot.waitExposed(ed)
    order = len(ed.model.segments) - 10
    seg = ed.model.segments[order]
    assert not ed.view.viewport().rect().intersects(ed.view.word_rect((order, 3)))  # far below
    ed._on_position(seg.words[3].start_ms + 50)  # what the player reports while playing
    assert ed.model.current == (order, 3)
    assert ed.view.viewport().rect().contains(ed.view.word_rect((order, 3)))
    assert ed.current_segment_id() == seg.id
    ed.shutdown()


def test_closing_with_an_open_edit_saves_it(qtbot, editor, session):
    ws, s = session
    seg = editor.model.segments[4]
    editor.view.edit_row(editor.model.seg_row[4])
    ed = editor.view.focusWidget()
    ed.setPlainText(seg.text + " today")
    assert editor.can_close()
    qtbot.waitUntil(lambda: transcripts.get_segment(ws.db, seg.id).text.endswith("for you today"), timeout=3000)
    words = transcripts.get_segment(ws.db, seg.id).words
    assert [(w.start_ms, w.end_ms) for w in words[:-1]] == [(w.start_ms, w.end_ms) for w in seg.words]


def test_segments_arriving_during_an_edit_wait_for_it(qtbot, editor, session):
    ws, s = session
    seg = editor.model.segments[0]
    editor.view.edit_row(editor.model.seg_row[0])
    ed = editor.view.focusWidget()
    ed.setPlainText(seg.text + " tonight")
    sp = transcripts.ensure_speaker(ws.db, s.id, "S1")
    transcripts.add_segment(ws.db, Segment(session_id=s.id, start_ms=40_000, end_ms=41_000, text="late words",
                                           speaker_id=sp.id, words=[Word(40_000, 41_000, "late")]))
    editor.reload()  # what a segments change event does while a transcription job runs
    assert editor.view.is_editing() and ed.toPlainText().endswith("tonight")
    assert len(editor.model.segments) == 5
    qtbot.keyClick(ed, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(editor.model.segments) == 6, timeout=3000)
    assert transcripts.get_segment(ws.db, seg.id).text.endswith("tonight")
    assert editor.model.segments[-1].text == "late words"


def test_two_recordings_one_session_timeline(qtbot, session):
    """A session recorded in two takes: seeking past the first file plays the second at the
    right place, and the waveform covers both."""
    ws, s = session
    sr = 16000
    path = ws.session_dir(s.id) / "take2.wav"
    sf.write(path, (0.3 * np.sin(2 * np.pi * 330 * np.arange(sr * 10) / sr)).astype(np.float32), sr)
    transcripts.add_recording(ws.db, Recording(session_id=s.id, path=ws.relative(path), duration_ms=10_000,
                                               sample_rate=sr, channels=1, offset_ms=30_000))
    ed = TranscriptEditor(ws, s.id)
    ed.quiet = True
    qtbot.addWidget(ed)
    ed.show()
    assert ed.player.duration_ms == 40_000
    ed.seek(34_500)
    qtbot.waitUntil(lambda: ed.player.player.source().toLocalFile() == str(path), timeout=5000)
    qtbot.waitUntil(lambda: ed.player.player.position() == 4_500, timeout=5000)
    assert ed.player.position() == 34_500
    ed.seek(2_000)
    qtbot.waitUntil(lambda: ed.player.player.source().toLocalFile().endswith("fg1.wav"), timeout=5000)
    qtbot.waitUntil(lambda: len(ed.waveform._peaks) == 2, timeout=20_000)
    assert [o for o, _p in ed.waveform._peaks] == [0, 30_000] and ed.waveform.duration_ms == 40_000
    ed.shutdown()
