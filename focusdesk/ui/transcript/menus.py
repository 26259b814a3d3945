"""The transcript editor's context menu: play, edit, split/merge, and the speaker actions
(change, new, rename across the session, merge, say who a voice is). Every action goes through
the editor's undoable commands; other features add actions via ``add_context_menu_provider``."""

from __future__ import annotations

import logging

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu

from focusdesk.core.timefmt import format_ms
from focusdesk.store import study, transcripts
from focusdesk.ui.transcript import gaps

log = logging.getLogger(__name__)


def build_context_menu(editor, word_pos=None) -> QMenu:
    menu = QMenu(editor)
    gap = gaps.current_gap(editor)
    if gap is not None:
        menu.addAction(f"Transcribe {format_ms(gap.start_ms)}–{format_ms(gap.end_ms)} again, "
                       "more sensitively\tCtrl+F8",
                       lambda: gaps.fill_gap(editor, gap))
        menu.addAction("Play this stretch", lambda: editor.play_range(gap.start_ms, gap.end_ms))
    seg_id = editor.current_segment_id()
    seg = transcripts.get_segment(editor.db, seg_id) if seg_id is not None else None
    rng = editor.selection_range()
    if rng is not None:
        menu.addAction(f"Play selection ({format_ms(rng[0])}–{format_ms(rng[1])})",
                       lambda: editor.play_range(rng[0], rng[1]))
    if seg is not None:
        menu.addAction("Play from this turn", lambda: (editor.seek(seg.start_ms), editor.player.play(rewind=False)))
        menu.addAction("Edit text\tEnter", lambda: editor.view.edit_row(editor.view.currentIndex().row()))
        if word_pos is not None and word_pos[1] > 0 and seg.words:
            menu.addAction("Split before this word\tCtrl+Enter",
                           lambda: editor.split(seg.id, word_index=word_pos[1]))
        order = editor.model.seg_order[seg.id]
        if order > 0:
            prev_id = editor.model.segments[order - 1].id
            menu.addAction("Merge with previous turn", lambda: editor.merge(prev_id, seg.id))
        if order + 1 < len(editor.model.segments):
            menu.addAction("Merge with next turn\tCtrl+M", lambda: editor.merge(seg.id, editor.model.segments[order + 1].id))
        _speaker_menu(editor, menu, seg)
    menu.addSeparator()
    menu.addAction(f"Insert marker at {format_ms(editor.player.position())}\tCtrl+J", editor.insert_marker)
    for fn in editor.context_providers:
        try:
            fn(menu, rng)
        except Exception:  # a broken provider must not break the editor's menu
            log.exception("context menu provider failed")
    return menu

def _speaker_menu(editor, menu: QMenu, seg) -> None:
    ids = editor._selected_segment_ids() or [seg.id]
    sp_menu = menu.addMenu("Speaker of this turn")
    for n, sp_id in enumerate(editor.model.speaker_order):
        act = QAction(editor.model.speaker_name(sp_id), sp_menu)
        if n < 9:
            act.setShortcut(f"Ctrl+{n + 1}")
        act.setCheckable(True)
        act.setChecked(sp_id == seg.speaker_id)
        act.triggered.connect(lambda _c=False, s=sp_id: editor.set_speaker(ids, s))
        sp_menu.addAction(act)
    sp_menu.addSeparator()
    sp_menu.addAction("New speaker…", lambda: _ask_new_speaker(editor, ids))
    if seg.speaker_id is None:
        return
    name = editor.model.speaker_name(seg.speaker_id)
    menu.addAction(f"Rename speaker “{name}”…", lambda: _ask_rename(editor, seg.speaker_id))
    merge_menu = menu.addMenu(f"Merge “{name}” into")
    for sp_id in editor.model.speaker_order:
        if sp_id != seg.speaker_id:
            merge_menu.addAction(editor.model.speaker_name(sp_id),
                                 lambda s=sp_id: editor.merge_speakers([seg.speaker_id], s))
    assign = menu.addMenu(f"“{name}” is")
    members = set(editor.session.participant_ids) if editor.session else set()
    parts = study.list_participants(editor.db)
    for p in sorted(parts, key=lambda p: (p.id not in members, p.code)):
        assign.addAction(p.code + ("" if p.id in members else " (not in this session)"),
                         lambda pid=p.id: editor.assign_speaker(seg.speaker_id, participant_id=pid))
    runs = set(editor.session.facilitator_ids) if editor.session else set()
    facs = sorted(study.list_facilitators(editor.db), key=lambda f: f.id not in runs)
    if facs:
        assign.addSeparator()
        for f in facs:
            assign.addAction(facilitator_text(f),
                             lambda fid=f.id: editor.assign_speaker(seg.speaker_id, facilitator_id=fid))
    assign.addSeparator()
    assign.addAction("Nobody (show the label)", lambda: editor.assign_speaker(seg.speaker_id))

def facilitator_text(f) -> str:
    """A facilitator in a picker: the code transcripts show, and the name to recognise them by."""
    return f"{f.code} — {f.name} (facilitator)" if f.code else f"{f.name} (facilitator)"


def _ask_rename(editor, speaker_id: int) -> None:
    sp = transcripts.get_speaker(editor.db, speaker_id)
    label, ok = QInputDialog.getText(editor, "Rename speaker",
                                     "New label (an existing label merges the two speakers):", text=sp.label)
    if ok:
        editor.rename_speaker(speaker_id, label)

def _ask_new_speaker(editor, segment_ids: list[int]) -> None:
    label, ok = QInputDialog.getText(editor, "New speaker", "Label (leave empty for the next S<n>):")
    if ok:
        editor.new_speaker(segment_ids, label.strip() or None)
