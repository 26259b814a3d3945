"""The transcript editor for one session: waveform, playback, follow mode, edits, find.

Public API (used by the window's features, e.g. the coding side panel):

- ``selection_range() -> tuple[int, int, int | None] | None``: start and end (ms) of the
  selected words, plus the speaker id when every selected word lies in one speaker's turns.
- ``selection_changed``: Qt signal, emitted when the word selection changes.
- ``current_segment_id() -> int | None``: the turn under the cursor (or being spoken).
- ``refresh_annotations()``: re-read codings (and code colours and names) and redraw the margin
  bars and tints; call it after adding or removing a coding.
- ``add_context_menu_provider(fn)``: ``fn(menu: QMenu, selection)`` may add actions to the
  context menu; ``selection`` is what ``selection_range()`` returns.
- ``seek(ms)``, ``play_range(start_ms, end_ms)``: move the playhead / play a stretch.
- ``reload()``: re-read the session (incrementally: unchanged turns keep their layout).
- ``on_changes(changes)``: what the window's change hub delivers; the editor re-reads only what
  concerns its session (or the frame), and ignores the echo of its own edits.
- ``changed``: Qt signal after every edit this editor saved, carrying the list of
  :class:`~focusdesk.core.changes.Change` it made (the feature hands them to the window's hub).

Every edit is a QUndoCommand that writes to the database at once; there is no "save".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.changes import Change, Changes, Entity, session_changes
from focusdesk.core.model import Marker
from focusdesk.core.timefmt import format_ms
from focusdesk.core.word_align import word_spans
from focusdesk.store import transcripts
from focusdesk.store.sessions import get_session
from focusdesk.ui.transcript import commands as cmd
from focusdesk.ui.transcript import gaps, keys, menus
from focusdesk.ui.transcript.drafts_bar import DraftsBar, draft_callbacks
from focusdesk.ui.transcript.find_replace import EditorFind
from focusdesk.ui.transcript.findbar import FindBar
from focusdesk.ui.transcript.model import TranscriptModel
from focusdesk.ui.transcript.peaks import PeaksLoader
from focusdesk.ui.transcript.player import NO_AUDIO, SessionPlayer, Track
from focusdesk.ui.transcript.view import TranscriptView
from focusdesk.ui.transcript.waveform import WaveformStrip

log = logging.getLogger(__name__)


class TranscriptEditor(EditorFind, QWidget):
    selection_changed = Signal()
    changed = Signal(object)  # list[Change]

    def __init__(self, workspace, session_id: int, parent=None, load_audio: bool = True):
        super().__init__(parent)
        self.workspace = workspace
        self.db = workspace.db
        self.session_id = session_id
        self.session = get_session(self.db, session_id)
        self.undo_stack = QUndoStack(self)
        self.follow = True
        self.context_providers: list[Callable] = []
        self.peaks_loader = PeaksLoader(self)
        self.destroyed.connect(lambda *_a, ev=self.peaks_loader.cancel: ev.set())
        self._last_label_s = -1
        self._shut_down = False
        self._reload_pending = False

        self.model = TranscriptModel(self.db, session_id, self)
        self.view = TranscriptView(self.model, self)
        self.view.delegate.on_commit = self.edit_text
        self.view.delegate.on_split = lambda sid, text, pos: self.split(sid, char_pos=pos, text=text)
        self.view.delegate.on_draft, self.view.delegate.on_draft_done = draft_callbacks(self.db)
        # Direct, then a timer without arguments: a queued signal would carry a pointer to the
        # inline editor, which is deleted by the time it is delivered.
        self.view.delegate.closeEditor.connect(lambda *_a: QTimer.singleShot(0, self._after_edit_closed))
        self.waveform = WaveformStrip(self)
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.overlay = keys.HelpOverlay(self)

        tracks = self._session_tracks()
        self.player = SessionPlayer(tracks, self)
        self.peaks_loader.ready.connect(self.waveform.set_peaks)
        self.player.rewind_ms = keys.rewind_ms()

        # --- layout ---
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        self.play_button = QToolButton(text="▶ Play")
        self.play_button.setToolTip(f"Play / pause ({keys.key_text('play_pause')})")
        self.play_button.clicked.connect(self.toggle_play)
        self.time_label = QLabel("00:00:00")
        self.time_label.setToolTip("Playback position (F1/F2 jump back/forward)")
        self.rate_label = QLabel("speed 1×")
        self.rate_label.setToolTip(f"Playback speed ({keys.key_text('slower')} slower, "
                                   f"{keys.key_text('faster')} faster"
                                   + ("; pitch kept)" if self.player.pitch_kept else ")"))
        self.follow_box = QCheckBox("Follow")
        self.follow_box.setChecked(True)
        self.follow_box.toggled.connect(self.set_follow)
        help_button = QToolButton(text="Keys…")
        help_button.clicked.connect(self.overlay.toggle)
        self.info_label = QLabel()
        self.info_label.setStyleSheet("color: #777")
        bar.setSpacing(12)
        for w in (self.play_button, self.time_label, self.rate_label, self.follow_box):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.info_label)
        bar.addWidget(help_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.waveform)
        lay.addWidget(self.find_bar)
        self.drafts_bar = DraftsBar(self)
        lay.addWidget(self.drafts_bar)
        lay.addWidget(self.view, 1)

        # --- wiring ---
        self.player.position_changed.connect(self._on_position)
        self.player.playing_changed.connect(self._on_playing)
        self.player.rate_changed.connect(lambda r: self.rate_label.setText(f"speed {r:g}×"))
        self.player.error.connect(lambda msg: self.info_label.setText(msg))
        self.waveform.seek_requested.connect(self.seek)
        self.view.word_clicked.connect(self._on_word_clicked)
        self.view.selection_moved.connect(self.selection_changed)
        self.view.split_requested.connect(self._split_at_selection)
        self.view.speaker_key.connect(self._speaker_key)
        self.view.context_requested.connect(self._context_menu)
        self.find_bar.find_changed.connect(self._refind)
        self.find_bar.go_to.connect(self._go_to_match)
        self.find_bar.replace_one.connect(self._replace_one)
        self.find_bar.replace_all.connect(self.replace_all)
        self.find_bar.closed.connect(self.view.setFocus)
        self._shortcuts: list[QShortcut] = []
        self.install_keys()

        self.reload(force=True)
        self.waveform.set_duration(max(self.player.duration_ms,
                                       self.model.segments[-1].end_ms if self.model.segments else 0))
        self._load_audio = load_audio
        if not tracks:
            self.waveform.message = NO_AUDIO
        elif load_audio:
            self._load_peaks(tracks)
            self.player.set_position(0)

    # --- public API ------------------------------------------------------------------------

    def selection_range(self) -> tuple[int, int, int | None] | None:
        return self.model.selection_range()

    def current_segment_id(self) -> int | None:
        seg = self.model.segment_at_row(self.view.currentIndex().row())
        return seg.id if seg else None

    def refresh_annotations(self) -> None:
        self.model.reload_codings()
        self.view.viewport().update()

    def add_context_menu_provider(self, fn: Callable) -> None:
        self.context_providers.append(fn)

    def seek(self, ms: int) -> None:
        self.player.set_position(int(ms))
        if not self.player.has_media:
            self._on_position(int(ms))

    def play_range(self, start_ms: int, end_ms: int) -> None:
        self.player.play_range(int(start_ms), int(end_ms))

    def position(self) -> int:
        return self.player.position()

    def go_to_time(self, ms: int, segment_id: int | None = None) -> None:
        """Seek to ``ms`` and show the word there selected (a search hit, a coding)."""
        self.seek(ms)
        order = self.model.seg_order.get(segment_id) if segment_id is not None else None
        if order is not None:
            seg = self.model.segments[order]
            k = max(0, sum(1 for w in seg.words if w.start_ms <= ms) - 1)
            pos = (order, k)
        else:
            pos = self.model.word_at_time(ms)
        if pos is None:
            return
        self._show_word(pos)

    def _show_word(self, pos: tuple[int, int]) -> None:
        self.view.set_selection(pos, pos)
        index = self.model.index(self.model.seg_row[pos[0]])
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index, TranscriptView.ScrollHint.PositionAtCenter)

    def go_to_unsure(self, backwards: bool = False) -> tuple[int, int] | None:
        """Select the next (previous) word Whisper was unsure of and move playback to it, so
        play/pause (which rewinds a little) lets the user hear it before fixing it."""
        sel = self.model.selected_positions()
        here = sel[0] if sel is not None else self.model.current
        left = self.model.unsure_words()
        pos = self.model.next_unsure(here, backwards, left)
        if pos is None:
            self.info_label.setText("No more words to check " + ("before" if backwards else "after")
                                    + " this point" if left else "No words to check")
            return None
        self.seek(self.model.word_time(pos)[0])
        self._show_word(pos)
        self.info_label.setText(f"Word to check {left.index(pos) + 1} of {len(left)}")
        return pos

    def can_close(self) -> bool:
        self.view.setFocus()  # commits an open inline edit
        return True

    # --- loading ---------------------------------------------------------------------------

    # What the editor shows, by what a change must concern to re-read it.
    SESSION_CONTENT = (Entity.SEGMENTS, Entity.SPEAKERS, Entity.MARKERS, Entity.RECORDINGS)
    SPEAKER_NAMES = (Entity.PARTICIPANTS, Entity.FACILITATORS, Entity.GUIDE)  # names, guide headings

    def on_changes(self, changes: Changes) -> None:
        """Re-read what a batch of changes touched: the session's turns, speakers and markers
        (incrementally), or only the codings and code colours and names."""
        if self._shut_down:
            return
        mine = [c for c in changes.concerning(*self.SESSION_CONTENT, *self.SPEAKER_NAMES, Entity.CODINGS,
                                              Entity.CODES, session_id=self.session_id)
                if c.origin != id(self)]  # this editor already shows its own edits
        if any(c.entity is Entity.RECORDINGS for c in mine) or (
                not self.player.tracks and any(c.entity is Entity.SEGMENTS for c in mine)):
            self.reload_audio()  # audio that came after the tab opened
        if any(c.entity in self.SESSION_CONTENT or c.entity in self.SPEAKER_NAMES for c in mine):
            self.reload()
        elif mine:
            self.refresh_annotations()

    def reload(self, force: bool = False) -> None:
        """Re-read the session (a running transcription adds segments).

        While a turn is being edited an outside change waits until the edit is closed (unless
        ``force``): a model reset would drop the inline editor and the words being typed."""
        if not force and self.view.is_editing():
            self._reload_pending = True
            return
        self._reload_pending = False
        current = self.current_segment_id()
        scroll = self.view.verticalScrollBar().value()
        editing = self.view.is_editing()
        self.view.delegate.set_width(self.view.viewport().width())
        changed = self.model.load()
        if len(changed) == len(self.model.rows) or not changed:
            self.view.viewport().update()
        if changed:
            self.view.delegate.forget([self.model.segments[self.model.rows[r].seg].id for r in changed
                                       if self.model.rows[r].kind == "segment"])
            self.view.scheduleDelayedItemsLayout()
        if current is not None and current in self.model.seg_order and not editing:
            row = self.model.seg_row[self.model.seg_order[current]]
            self.view.selectionModel().setCurrentIndex(self.model.index(row),
                                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.verticalScrollBar().setValue(scroll)
        self.waveform.set_boundaries([s.start_ms for s in self.model.segments])
        self.waveform.set_markers([(m.ms, m.tag or m.guide_item_key or "") for m in self.model.markers])
        n_words = sum(len(s.words) for s in self.model.segments)
        self.info_label.setText(f"{len(self.model.segments)} turns, {n_words} words")
        if self.find_bar.isVisible():
            self._refind()

    def _after_edit_closed(self) -> None:
        if self._reload_pending and not self.view.is_editing():
            self.reload()

    def after_change(self, touched: tuple[Entity, ...] = (Entity.SEGMENTS,)) -> None:
        """Called by every undo command after it wrote to the database."""
        self.reload(force=True)
        changes: list[Change] = session_changes(self.session_id, *touched, origin=id(self))
        self.changed.emit(changes)

    def _session_tracks(self) -> list[Track]:
        tracks = []
        for rec in transcripts.list_recordings(self.db, self.session_id):
            path = self.workspace.resolve(rec.path)
            if path.is_file():
                tracks.append(Track(path, rec.offset_ms, rec.duration_ms))
        return tracks

    def reload_audio(self) -> None:
        """Re-read the session's recordings: audio imported or recorded after the editor opened
        plays, and its waveform shows, without closing the tab."""
        tracks = self._session_tracks()
        if [(t.path, t.offset_ms) for t in tracks] == [(t.path, t.offset_ms) for t in self.player.tracks]:
            return
        self.player.set_tracks(tracks)
        self.waveform.set_duration(max(self.player.duration_ms,
                                       self.model.segments[-1].end_ms if self.model.segments else 0))
        self.waveform.message = "Reading the waveform…" if tracks else NO_AUDIO
        self.waveform.update()
        if tracks and self._load_audio:
            self._load_peaks(tracks)

    def _load_peaks(self, tracks: list[Track]) -> None:
        self.peaks_loader.start([(t.path, t.offset_ms) for t in tracks])

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop playback and the waveform worker; safe to call more than once."""
        self.peaks_loader.stop()
        if not self._shut_down:
            self._shut_down = True
            self.player.stop()

    # --- keys ------------------------------------------------------------------------------

    def install_keys(self) -> None:
        for sc in self._shortcuts:
            sc.setEnabled(False)
            sc.deleteLater()
        self._shortcuts = []
        handlers = {
            "play_pause": self.toggle_play,
            "back": lambda: self.player.step(-keys.step_ms()),
            "forward": lambda: self.player.step(keys.step_ms()),
            "slower": self.player.slower,
            "faster": self.player.faster,
            "play_turn": self.play_current_turn,
            "marker": self.insert_marker,
            "next_unsure": lambda: self.go_to_unsure(),
            "prev_unsure": lambda: self.go_to_unsure(backwards=True),
            "next_gap": lambda: gaps.go_to_gap(self),
            "prev_gap": lambda: gaps.go_to_gap(self, backwards=True),
            "fill_gap": lambda: gaps.fill_gap(self),
            "play_selection": self.play_selection,
            "merge_next": self.merge_with_next,
            "follow": lambda: self.follow_box.setChecked(not self.follow_box.isChecked()),
            "find": self.open_find,
            "undo": self.undo_stack.undo,
            "redo": self.undo_stack.redo,
            "help": self.overlay.toggle,
        }
        for action in keys.ACTIONS:
            for seq in keys.keys_for(action.name):
                sc = QShortcut(seq, self)
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                sc.activated.connect(handlers[action.name])
                self._shortcuts.append(sc)
        self.player.rewind_ms = keys.rewind_ms()

    # --- playback and follow mode ----------------------------------------------------------

    def toggle_play(self) -> None:
        if self.overlay.isVisible():
            self.overlay.hide()
        self.player.toggle()

    def play_current_turn(self) -> None:
        """Play from the start of the turn under the cursor (reached with the arrow keys)."""
        seg_id = self.current_segment_id()
        if seg_id is not None:
            self.seek(self.model.segments[self.model.seg_order[seg_id]].start_ms)
            self.player.play(rewind=False)

    def play_selection(self) -> None:
        rng = self.selection_range()
        if rng is not None:
            self.play_range(rng[0], rng[1])

    def set_follow(self, on: bool) -> None:
        self.follow = on
        if not on and self.model.current is not None:
            old, self.model.current = self.model.current, None
            self.view.update_segment(old[0])

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    def _on_word_clicked(self, order: int, word: int) -> None:
        self.seek(self.model.word_time((order, word))[0])

    def _on_position(self, ms: int) -> None:
        self.waveform.set_position(ms)
        second = ms // 1000
        if second != self._last_label_s:
            self._last_label_s = second
            self.time_label.setText(format_ms(ms))
        if not self.follow or not self.model.segments:
            return
        pos = self.model.word_at_time(ms)
        old = self.model.current
        if pos == old:
            return
        self.model.current = pos
        if old is not None:
            self.view.update_segment(old[0])
        if pos is None:
            return
        self.view.update_segment(pos[0])
        if old is None or old[0] != pos[0]:
            self._keep_in_view(pos[0])

    def _keep_in_view(self, order: int) -> None:
        if self.view.is_editing():
            return
        index = self.model.index(self.model.seg_row[order])
        if self.view.currentIndex() != index:
            self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        rect = self.view.visualRect(index)
        if not self.view.viewport().rect().contains(rect):
            self.view.scrollTo(index, TranscriptView.ScrollHint.PositionAtCenter)

    # --- edits -----------------------------------------------------------------------------

    def push(self, command: cmd._Command) -> bool:
        """Run an edit (saved at once) and put it on the undo stack; errors are shown, not raised."""
        try:
            command.apply()
        except (ValueError, LookupError) as exc:
            self._warn(str(exc))
            return False
        self.undo_stack.push(command)
        return True

    def _warn(self, text: str) -> None:
        self.info_label.setText(text)
        if self.isVisible() and not getattr(self, "quiet", False):
            QMessageBox.warning(self, "Transcript", text)

    def edit_text(self, segment_id: int, text: str) -> bool:
        return self.push(cmd.EditTextCommand(self, segment_id, text))

    def split(self, segment_id: int, char_pos: int | None = None, text: str | None = None,
              word_index: int | None = None) -> bool:
        return self.push(cmd.SplitCommand(self, segment_id, char_pos=char_pos, text=text, word_index=word_index))

    def merge(self, first_id: int, second_id: int) -> bool:
        return self.push(cmd.MergeCommand(self, first_id, second_id))

    def merge_with_next(self) -> None:
        seg_id = self.current_segment_id()
        if seg_id is None:
            return
        order = self.model.seg_order[seg_id]
        if order + 1 < len(self.model.segments):
            self.merge(seg_id, self.model.segments[order + 1].id)

    def _split_at_selection(self) -> None:
        sel = self.model.selected_positions()
        if sel is None:
            return
        seg = self.model.segments[sel[0][0]]
        if seg.words:
            self.split(seg.id, word_index=sel[0][1])
        else:
            spans = word_spans(seg.text)
            if sel[0][1] < len(spans):
                self.split(seg.id, char_pos=spans[sel[0][1]][0])

    def set_speaker(self, segment_ids: list[int], speaker_id: int | None) -> bool:
        return self.push(cmd.SetSpeakerCommand(self, segment_ids, speaker_id))

    def new_speaker(self, segment_ids: list[int], label: str | None = None) -> bool:
        return self.push(cmd.NewSpeakerCommand(self, self.session_id, segment_ids, label))

    def rename_speaker(self, speaker_id: int, label: str) -> bool:
        if not label.strip():
            self._warn("A speaker label cannot be empty.")
            return False
        return self.push(cmd.RenameSpeakerCommand(self, self.session_id, speaker_id, label.strip()))

    def merge_speakers(self, source_ids: list[int], target_id: int) -> bool:
        return self.push(cmd.MergeSpeakersCommand(self, self.session_id, source_ids, target_id))

    def assign_speaker(self, speaker_id: int, participant_id: int | None = None,
                       facilitator_id: int | None = None) -> bool:
        return self.push(cmd.AssignSpeakerCommand(self, self.session_id, speaker_id, participant_id, facilitator_id))

    def insert_marker(self, ms: int | None = None, tag: str = "marker", note: str | None = None) -> bool:
        ms = self.player.position() if ms is None else int(ms)
        ok = self.push(cmd.AddMarkerCommand(self, Marker(session_id=self.session_id, ms=ms, tag=tag, note=note)))
        if ok:
            self.info_label.setText(f"Marker at {format_ms(ms)}")
        return ok

    def _speaker_key(self, n: int) -> None:
        seg_id = self.current_segment_id()
        if seg_id is not None and n < len(self.model.speaker_order):
            self.set_speaker(self._selected_segment_ids() or [seg_id], self.model.speaker_order[n])

    def _selected_segment_ids(self) -> list[int]:
        sel = self.model.selected_positions()
        if sel is None:
            return []
        return [self.model.segments[o].id for o in range(sel[0][0], sel[1][0] + 1)]

    # --- context menu ----------------------------------------------------------------------

    def _context_menu(self, global_pos, word_pos) -> None:
        menu = self.build_context_menu(word_pos)
        menu.exec(global_pos)

    def build_context_menu(self, word_pos=None) -> QMenu:
        return menus.build_context_menu(self, word_pos)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        QTimer.singleShot(0, self.view.setFocus)
