"""The live session console: the recorder beside the topic guide, and the tagging keys.

Keys (while the console has focus; typing in the note field is never taken over):
1-9 mark "now" with a question of the current section, N the next question, S the next section,
F1-F12 the study's quick tags, Ctrl+Enter saves the note (timed from its first keystroke),
Alt+1-Alt+9 tap a seat of the seating plan ("this is P03 speaking", see ``seats.py``),
Q marks the last caption as a key quote at its time (a click on a caption does the same).
Every marker and tap is written to the database the moment it is made.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.core.changes import Entity, session_changes
from focusdesk.core.live import CONSENT_TAG, LiveGuide, consent_script, quick_tags
from focusdesk.core.model import GuideItemKind, Marker
from focusdesk.core.timefmt import format_ms
from focusdesk.store import annotations, guide, sessions, study
from focusdesk.ui import settings as prefs
from focusdesk.ui.console.captions import CaptionPanel
from focusdesk.ui.console.live_transcript import LiveTranscriptDriver
from focusdesk.ui.console.pacing import PacingBar
from focusdesk.ui.console.recorder_panel import RecorderPanel
from focusdesk.ui.console.seats import SeatPlan
from focusdesk.ui.fit import scrolling, wrapping
from focusdesk.ui.interfaces import StartTranscription, TranscriptReady

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole
KEY_QUOTE = "key quote"


class LiveConsole(QWidget):
    """``start_transcription`` (from the window's transcription feature) enables "Transcribe
    now" and "Start transcription when I stop"; without it they are not offered."""

    def __init__(self, ws, session_id: int, window=None, parent=None,
                 start_transcription: StartTranscription | None = None,
                 transcript_ready: TranscriptReady | None = None):
        super().__init__(parent)
        self.ws, self.session_id, self.window_ = ws, session_id, window
        self.start_transcription = start_transcription
        self.session = sessions.get_session(ws.db, session_id)
        settings = (study.get_study(ws.db).settings if study.get_study(ws.db) else {})
        self.guide = guide.load_guide(ws.db)
        self.live = LiveGuide(self.guide, session_id, annotations.list_markers(ws.db, session_id))
        self.tags = quick_tags(settings)
        self._note_ms: int | None = None

        self.recorder = RecorderPanel(ws, session_id)
        self.recorder.stopped.connect(self._after_stop)
        self.recorder.state_changed.connect(lambda _s: self.refresh())
        self.captions = CaptionPanel()
        self.live_transcript = LiveTranscriptDriver(self, transcript_ready)

        # left: the guide and what has not been asked
        self.guide_tree = QTreeWidget()
        self.guide_tree.setHeaderLabels(["Topic guide", "Key"])
        self.guide_tree.setColumnWidth(0, 420)
        self.guide_tree.itemClicked.connect(self._item_clicked)
        self.guide_tree.setEditTriggers(QTreeWidget.EditTrigger.NoEditTriggers)
        self.guide_tree.setToolTip("Click an item (or press its number) to mark it now.")
        self.not_asked = QListWidget()
        self.not_asked.setToolTip("Questions not marked yet in this session.")
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._boxed("Topic guide", self.guide_tree,
                                   hint="1–9 question · N next · S next section"))
        left.addWidget(self._boxed("Not yet asked", self.not_asked))
        left.setSizes([520, 200])

        # right: consent, tags, note, pacing, the marker log
        self.consent_text = consent_script(settings)
        self.consent_box = QGroupBox("Consent script")
        consent_label = QLabel(self.consent_text)
        consent_label.setWordWrap(True)
        consent_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.consent_button = QPushButton("Consent given — mark now")
        self.consent_button.clicked.connect(self.mark_consent)
        self.consent_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        cl = QVBoxLayout(self.consent_box)
        cl.addWidget(consent_label)
        cl.addWidget(self.consent_button)
        self.consent_box.setVisible(bool(self.consent_text))

        tag_row = QHBoxLayout()
        self.tag_buttons: list[QPushButton] = []
        for i, tag in enumerate(self.tags):
            b = QPushButton(f"F{i + 1}  {tag}")
            b.clicked.connect(lambda _=False, t=tag: self.mark_tag(t))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            tag_row.addWidget(b)
            self.tag_buttons.append(b)
        tag_row.addStretch(1)

        self.seat_plan = SeatPlan(ws, session_id, self.now_ms)
        self.seat_plan.tapped.connect(self._tapped)

        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText("Note… (timed from your first keystroke; Ctrl+Enter saves)")
        self.note_edit.setMaximumHeight(70)
        self.note_edit.textChanged.connect(self._note_changed)
        note_save = QPushButton("Save note")
        note_save.clicked.connect(self.save_note)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(note_save)

        self.pacing = PacingBar()
        self.log = QListWidget()
        self.transcribe_button = QPushButton("Transcribe now")
        self.transcribe_button.clicked.connect(self._transcribe)
        self.transcribe_button.hide()
        self.transcribe_after = QCheckBox("Start transcription when I stop")
        self.transcribe_after.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if start_transcription is None:
            self.transcribe_after.setEnabled(False)
            self.transcribe_after.setToolTip("Transcription is not available in this installation.")
        else:
            self.transcribe_after.setChecked(bool(prefs.value("recording/transcribe_after", False,
                                                              type_=bool)))
            self.transcribe_after.toggled.connect(
                lambda on: prefs.set_value("recording/transcribe_after", on))

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.recorder)
        rl.addWidget(self._boxed("Captions", self.captions,
                                 hint="click a line: key quote · right-click: note at its time"))
        rl.addWidget(self.consent_box)
        rl.addWidget(self._boxed("Quick tags", None, tag_row))
        rl.addWidget(self._boxed("Seats", self.seat_plan,
                                 hint="click or Alt+1–9 while someone speaks · drag to arrange"))
        rl.addLayout(note_row)
        rl.addWidget(self._boxed("Pacing (time in section / planned)", self.pacing))
        rl.addWidget(self._boxed("Markers", self.log), 1)
        after_row = QHBoxLayout()
        after_row.addWidget(self.transcribe_after)
        after_row.addStretch(1)
        after_row.addWidget(self.transcribe_button)
        rl.addLayout(after_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(scrolling(right))  # taller and wider than a laptop's room: it scrolls
        split.setSizes([560, 640])
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{self.session.name if self.session else ''}</b> — live console")
        layout.addWidget(title)
        layout.addWidget(split, 1)

        self._install_keys()
        self._fill_guide()
        for m in annotations.list_markers(ws.db, session_id):
            self._log(m)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self.refresh_pacing)
        self.clock.start()
        self.refresh()

    @staticmethod
    def _boxed(title: str, widget: QWidget | None, layout=None, hint: str = "") -> QGroupBox:
        """A titled box; the keys it answers to go in a wrapping line (a long title would set
        the console's minimum width)."""
        box = QGroupBox(title)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(6, 6, 6, 6)
        if hint:
            note = wrapping(hint)
            note.setStyleSheet("color: #666")
            inner.addWidget(note)
        if widget is not None:
            inner.addWidget(widget)
        if layout is not None:
            inner.addLayout(layout)
        return box

    # --- keys --------------------------------------------------------------------------------

    def _shortcut(self, key: str, slot) -> QShortcut:
        sc = QShortcut(QKeySequence(key), self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(slot)
        return sc

    def _install_keys(self) -> None:
        for n in range(1, 10):
            self._shortcut(str(n), lambda n=n: self.mark_question(n))
        self._shortcut("N", self.next_item)
        self._shortcut("Q", self.quote_last_caption)
        self._shortcut("S", self.next_section)
        for i, tag in enumerate(self.tags):
            self._shortcut(f"F{i + 1}", lambda t=tag: self.mark_tag(t))
        self.seat_plan.install_keys(self)
        self._shortcut("Ctrl+Return", self.save_note)
        self._shortcut("Ctrl+Enter", self.save_note)

    # --- marking -----------------------------------------------------------------------------

    def now_ms(self) -> int:
        return self.recorder.position_ms()

    def _store(self, marker: Marker | None) -> Marker | None:
        if marker is None:
            return None
        annotations.add_marker(self.ws.db, marker)
        self._log(marker)
        self.captions.add_marker(marker.ms, self._describe(marker))
        self.refresh()
        if self.window_ is not None:
            self.window_.changes.notify(*session_changes(self.session_id, Entity.MARKERS))
        return marker

    def mark_question(self, number: int) -> Marker | None:
        return self._store(self.live.mark_question(number, self.now_ms()))

    def next_item(self) -> Marker | None:
        return self._store(self.live.next_item(self.now_ms()))

    def next_section(self) -> Marker | None:
        return self._store(self.live.next_section(self.now_ms()))

    def mark_item(self, key: str) -> Marker | None:
        return self._store(self.live.mark_item(key, self.now_ms()))

    def mark_tag(self, tag: str) -> Marker | None:
        return self._store(self.live.tag(tag, self.now_ms()))

    def mark_consent(self) -> Marker | None:
        m = self._store(self.live.tag(CONSENT_TAG, self.now_ms(), note="Consent recorded"))
        self.consent_button.setText(f"Consent marked at {format_ms(m.ms)}")
        return m

    def _tapped(self, tap) -> None:
        self.log.insertItem(0, f"{format_ms(tap.t_ms)}  {tap.person.name} speaking")
        if self.window_ is not None:
            self.window_.changes.notify(*session_changes(self.session_id, Entity.TAPS))

    def _note_changed(self) -> None:
        text = self.note_edit.toPlainText()
        if text.strip() and self._note_ms is None:
            self._note_ms = self.now_ms()
        elif not text.strip():
            self._note_ms = None

    def save_note(self) -> Marker | None:
        ms = self._note_ms if self._note_ms is not None else self.now_ms()
        m = self._store(self.live.note(self.note_edit.toPlainText(), ms))
        if m is not None:
            self.note_edit.clear()
            self._note_ms = None
        return m

    def _item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.mark_item(key)

    # --- views -------------------------------------------------------------------------------

    def _fill_guide(self) -> None:
        self.guide_tree.clear()
        self._tree_items: dict[str, QTreeWidgetItem] = {}

        def add(parent, gi):
            node = QTreeWidgetItem([gi.text, gi.key])
            node.setData(0, KEY_ROLE, gi.key)
            if gi.kind is GuideItemKind.SECTION:
                font = node.font(0)
                font.setBold(True)
                node.setFont(0, font)
                if gi.planned_minutes:
                    node.setText(0, f"{gi.text}  ({gi.planned_minutes:g} min)")
            (parent.addChild(node) if parent else self.guide_tree.addTopLevelItem(node))
            self._tree_items[gi.key] = node
            for child in gi.children:
                add(node, child)

        for section in self.guide.sections:
            add(None, section)
        self.guide_tree.expandAll()
        if not self.guide.sections:
            self.guide_tree.addTopLevelItem(QTreeWidgetItem(
                ["No topic guide yet: Study ▸ Import topic guide…", ""]))

    def refresh(self) -> None:
        current = self.live.current_item.key if self.live.current_item else None
        numbers = {q.key: i + 1 for i, q in enumerate(self.live.questions())}
        for key, node in self._tree_items.items():
            is_current = key == current
            node.setBackground(0, QBrush(QColor("#fff3b0")) if is_current else QBrush())
            node.setBackground(1, QBrush(QColor("#fff3b0")) if is_current else QBrush())
            font = QFont(node.font(0))
            item = self.guide.find(key)
            font.setBold(is_current or item.kind is GuideItemKind.SECTION)
            node.setFont(0, font)
            asked = key in self.live.asked
            node.setForeground(0, QBrush(QColor("#6e7781")) if asked and not is_current else QBrush())
            label = f"{numbers[key]} · {key}" if key in numbers else key
            node.setText(1, ("✓ " if asked else "") + label)
        if current in self._tree_items:
            self.guide_tree.scrollToItem(self._tree_items[current])
        self.not_asked.clear()
        for q in self.live.not_yet_asked():
            section = self.live.section_of(q.key)
            self.not_asked.addItem(f"{q.text}  [{section.text if section else ''}]")
        self.refresh_pacing()

    def refresh_pacing(self) -> None:
        self.pacing.set_rows(self.live.pacing(self.now_ms()))

    def _describe(self, m: Marker) -> str:
        if m.guide_item_key:
            item = self.guide.find(m.guide_item_key)
            what = item.text if item else m.guide_item_key
        elif m.tag:
            what = f"#{m.tag}"
        else:
            what = "note"
        return what + (f" — {m.note}" if m.note else "")

    def _log(self, m: Marker) -> None:
        self.log.insertItem(0, f"{format_ms(m.ms)}  {self._describe(m)}")

    def mark_quote_at(self, ms: int) -> Marker | None:
        """A caption clicked: a key quote at the time its words were said."""
        return self._store(self.live.tag(KEY_QUOTE, ms))

    def quote_last_caption(self) -> Marker | None:
        """Q: the caption just shown (the stored line, or the grey tail) is a key quote."""
        ms = self.captions.last_caption_ms()
        return self.mark_quote_at(ms) if ms is not None else None

    def note_at(self, ms: int) -> None:
        """A note anchored to a caption's time: typed in the note field, saved as usual."""
        self._note_ms = ms
        self.note_edit.setFocus()
        self.recorder.show_message(f"Your note will be placed at {format_ms(ms)}.")

    # --- after stopping ----------------------------------------------------------------------

    def _after_stop(self, takes: list) -> None:
        """The recording and its markers are on one timeline; the live transcript finishes the
        tail, or transcription is offered (or started)."""
        if self.window_ is not None:
            self.window_.changes.notify(*session_changes(self.session_id, Entity.RECORDINGS, Entity.MARKERS))
        if self.live_transcript.finish_after_stop():
            return
        self.offer_transcription(takes)

    def offer_transcription(self, takes: list) -> None:
        offer = bool(takes) and self.start_transcription is not None
        self.transcribe_button.setVisible(offer)
        failed = self.recorder.recorder is not None and self.recorder.recorder.error
        if offer and self.transcribe_after.isChecked() and not failed:
            self._transcribe()

    def _transcribe(self) -> bool:
        """Hand the session to the transcription feature (its job runner); False if it could not."""
        if self.start_transcription is None:
            return False
        try:
            started = bool(self.start_transcription(self.session_id))
        except Exception as exc:  # noqa: BLE001 (the recording is safe; say why and carry on)
            log.warning("starting transcription failed: %s", type(exc).__name__)
            self.recorder.show_message(f"Transcription could not start: {exc}", error=True)
            return False
        if started:
            self.transcribe_button.hide()
            self.recorder.show_message(self.recorder.message.text() + " Transcription started.")
        return started

    def can_close(self) -> bool:
        if not self.recorder.is_recording():
            self.live_transcript.cancel()  # what is stored stays; transcribing the session finishes it
            return True
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self, "Recording in progress",
                                      "The session is being recorded. Stop the recording and close "
                                      "the console?")
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.recorder.stop()
        self.live_transcript.cancel()
        return True
