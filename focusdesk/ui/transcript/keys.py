"""Transcriber keys (oTranscribe/MAXQDA conventions), their settings, and the help overlay.

Keys are configurable: ``editor/keys/<action>`` in QSettings holds a comma-separated list such
as ``"Esc, F4"``; the step and the rewind-on-resume amounts are ``editor/step_ms`` and
``editor/rewind_ms``. Keys handled inside the view (Enter, Ctrl+Enter, Ctrl+1…9) are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeySequenceEdit,
    QSpinBox,
    QWidget,
)

from focusdesk.ui import settings as prefs


@dataclass(frozen=True)
class KeyAction:
    name: str
    label: str
    default: tuple[str, ...]


ACTIONS: list[KeyAction] = [
    KeyAction("play_pause", "Play / pause (resume rewinds a little)", ("Esc", "F4")),
    KeyAction("back", "Jump back one step", ("F1",)),
    KeyAction("forward", "Jump forward one step", ("F2",)),
    KeyAction("slower", "Slower playback", ("F3",)),
    KeyAction("faster", "Faster playback", ("F5",)),
    KeyAction("play_turn", "Play from the start of the current turn", ("F6",)),
    KeyAction("marker", "Insert a marker at the playback position", ("Ctrl+J",)),
    KeyAction("next_unsure", "Next word to check (Whisper was unsure)", ("F7",)),
    KeyAction("prev_unsure", "Previous word to check", ("Shift+F7",)),
    KeyAction("next_gap", "Next stretch of speech without words", ("F8",)),
    KeyAction("prev_gap", "Previous stretch of speech without words", ("Shift+F8",)),
    KeyAction("fill_gap", "Transcribe the selected stretch again, more sensitively", ("Ctrl+F8",)),
    KeyAction("play_selection", "Play the selected words", ("Ctrl+P",)),
    KeyAction("merge_next", "Merge the turn with the next one", ("Ctrl+M",)),
    KeyAction("follow", "Follow the playback on/off", ("Ctrl+Shift+L",)),
    KeyAction("find", "Find and replace in this session", ("Ctrl+F",)),
    KeyAction("undo", "Undo", ("Ctrl+Z",)),
    KeyAction("redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
    KeyAction("help", "Show or hide this list of keys", ("F12", "Ctrl+/")),
]

FIXED_KEYS = [
    ("Click a word", "Play from that word (selects it)"),
    ("Drag / Shift+click", "Select words (for coding, playing a range)"),
    ("Enter or double-click", "Edit the turn; Enter again saves it"),
    ("Ctrl+Enter", "Split the turn at the cursor (or before the selected word)"),
    ("Ctrl+1 … Ctrl+9", "Give the turn to speaker 1 … 9"),
    ("Right-click", "Speakers: rename, merge, assign to a participant"),
]

STEP_MS = 3000
REWIND_MS = 1000


def keys_for(name: str) -> list[QKeySequence]:
    action = next(a for a in ACTIONS if a.name == name)
    stored = prefs.value(f"editor/keys/{name}")
    texts = [t.strip() for t in str(stored).split(",")] if stored else list(action.default)
    return [QKeySequence(t) for t in texts if t]


def key_text(name: str) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys_for(name))


def step_ms() -> int:
    return int(prefs.value("editor/step_ms", STEP_MS, int))


def rewind_ms() -> int:
    return int(prefs.value("editor/rewind_ms", REWIND_MS, int))


class HelpOverlay(QWidget):
    """A translucent sheet over the editor listing every key; any click or key hides it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.hide()

    def lines(self) -> list[tuple[str, str]]:
        return [(key_text(a.name), a.label) for a in ACTIONS] + FIXED_KEYS + [
            ("", f"Step: {step_ms() / 1000:g} s; rewind on resume: {rewind_ms() / 1000:g} s "
                 "(Transcript ▸ Transcriber keys and playback…)")]

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
            return
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.setFocus()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 24, 30, 215))
        p.setPen(QColor("white"))
        font = p.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        p.setFont(font)
        fm = p.fontMetrics()
        y = 40
        p.drawText(40, y, "Transcriber keys")
        y += fm.height() * 2
        for keys, label in self.lines():
            p.setPen(QColor("#ffe082"))
            p.drawText(40, y, keys)
            p.setPen(QColor("white"))
            p.drawText(260, y, label)
            y += fm.height() + 6
        p.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.hide()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        self.hide()


class KeysDialog(QDialog):
    """Change the transcriber keys, the jump step and the rewind on resume."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Transcriber keys and playback")
        form = QFormLayout(self)
        self.step = QSpinBox(suffix=" ms", minimum=500, maximum=60_000, singleStep=500, value=step_ms())
        self.rewind = QSpinBox(suffix=" ms", minimum=0, maximum=10_000, singleStep=250, value=rewind_ms())
        form.addRow("Jump back/forward by", self.step)
        form.addRow("Rewind on resume by", self.rewind)
        self.edits: dict[str, list[QKeySequenceEdit]] = {}
        for action in ACTIONS:
            seqs = keys_for(action.name)
            edit = QKeySequenceEdit(seqs[0] if seqs else QKeySequence())
            extra = QKeySequenceEdit(seqs[1] if len(seqs) > 1 else QKeySequence())
            row = QWidget()
            from PySide6.QtWidgets import QHBoxLayout

            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(edit)
            lay.addWidget(extra)
            self.edits[action.name] = [edit, extra]
            form.addRow(action.label, row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self._defaults)
        form.addRow(buttons)

    def _defaults(self) -> None:
        for action in ACTIONS:
            e1, e2 = self.edits[action.name]
            e1.setKeySequence(QKeySequence(action.default[0]))
            e2.setKeySequence(QKeySequence(action.default[1] if len(action.default) > 1 else ""))
        self.step.setValue(STEP_MS)
        self.rewind.setValue(REWIND_MS)

    def save(self) -> None:
        prefs.set_value("editor/step_ms", self.step.value())
        prefs.set_value("editor/rewind_ms", self.rewind.value())
        for name, edits in self.edits.items():
            texts = [e.keySequence().toString() for e in edits if not e.keySequence().isEmpty()]
            prefs.set_value(f"editor/keys/{name}", ", ".join(texts))
