"""Intercoder agreement (Analysis menu): the per-code table with heat colours for a chosen set of
coders, and their disagreements, each with its passage, every coder's codings, a Play button, and
the consensus choices (``store/consensus.py``): keep A / keep B / keep both / neither for two
coders; keep one coder's / keep all / neither for three or more. Settled disagreements stay listed,
greyed with the choice (or hidden), and the view recomputes by itself when codings change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.analysis.agreement_study import AgreementTable, agreement_table
from focusdesk.core.timefmt import format_ms
from focusdesk.store import coders as coder_store
from focusdesk.store import consensus, transcripts
from focusdesk.store.consensus import Choice, Decision
from focusdesk.ui.errors import guarded

COLUMNS = ["Session", "Code", "Units", "Agreement %", "Kappa", "Alpha", "Overlap %"]
KEY = Qt.ItemDataRole.UserRole  # (session, code, start, end) of a disagreement
DECISION = Qt.ItemDataRole.UserRole + 1  # the Decision that settled it, or None
REFRESH_MS = 300
PLAY_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)


def heat(value: float | None) -> QColor | None:
    """Red (0 or below) through yellow to green (1) for a kappa or alpha."""
    if value is None:
        return None
    v = max(0.0, min(1.0, value))
    return QColor.fromHsvF(v / 3, 0.45, 1.0)


class AgreementView(QWidget):
    settled = Signal(int)  # session id whose consensus a decision changed

    def __init__(self, db_fn: Callable, parent: QWidget | None = None,
                 resolve: Callable[[str], Path] | None = None):
        super().__init__(parent)
        self._db = db_fn
        self._resolve = resolve or Path
        self.table_data: AgreementTable | None = None
        self.coder_ids: list[int] = []  # the coders compared by the last reload
        self._names: dict[int, str] = {}
        self._decisions: list[Decision] = []
        self._player = None
        self._player_session: int | None = None
        self.refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self.refresh_timer.timeout.connect(guarded(self.reload, self))

        self.coder_list = QListWidget()
        self.coder_list.setMaximumHeight(90)
        self.coder_list.setToolTip("Tick two coders to compare them, or three or more for Krippendorff's alpha.")
        self.coder_list.itemChanged.connect(lambda *_: self.schedule_reload())
        self.unit = QComboBox()
        self.unit.addItem("Seconds", "second")
        self.unit.addItem("Transcript segments", "segment")
        self.overlap = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, value=0.9)
        self.hide_settled = QCheckBox("&Hide settled")
        self.hide_settled.toggled.connect(lambda *_: self._apply_hidden())
        compute = QPushButton("&Compare")
        compute.clicked.connect(guarded(self.reload, self))
        top = QHBoxLayout()
        top.addWidget(QLabel("Coders"))
        top.addWidget(self.coder_list)
        for label, w in (("Unit", self.unit), ("Overlap", self.overlap)):
            top.addWidget(QLabel(label))
            top.addWidget(w)
        top.addWidget(compute)
        top.addStretch(1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.disagreements = QListWidget()
        self.disagreements.currentItemChanged.connect(lambda *_: self._show_current())
        self.disagreements.installEventFilter(self)
        self.detail = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message = QLabel()
        self.play_button = QPushButton("&Play")
        self.play_button.setToolTip("Play the passage (Space or Enter in the list)")
        self.play_button.clicked.connect(guarded(lambda _=False: self.play_current(), self))
        self.reopen_button = QPushButton("&Reopen")
        self.reopen_button.setToolTip("Forget this decision and offer the disagreement again "
                                      "(codings already kept by the consensus coder stay)")
        self.reopen_button.clicked.connect(guarded(lambda _=False: self.reopen_current(), self))
        self.buttons: dict[Choice, QPushButton] = {}
        self.keep_buttons: dict[int, QPushButton] = {}  # three or more coders: keep one coder's
        self.button_row = QHBoxLayout()
        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel("Disagreements"))
        head.addStretch(1)
        head.addWidget(self.hide_settled)
        lv.addLayout(head)
        lv.addWidget(self.disagreements, 1)
        lv.addWidget(self.detail)
        lv.addWidget(self.message)
        lv.addLayout(self.button_row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._fill_coders()
        self._build_buttons()
        self._enable_buttons()

    @property
    def db(self):
        return self._db()

    # --- coders ------------------------------------------------------------------------------

    def _fill_coders(self) -> None:
        """Every coder but the consensus, ticks kept; at first the first two who have coded."""
        coders = [c for c in coder_store.list_coders(self.db) if c.name != coder_store.CONSENSUS]
        names = [c.name for c in coders]
        ticked = set(self.checked_names())
        first = self.coder_list.count() == 0
        if first:
            counts = coder_store.coding_counts(self.db)
            ticked = set(([c.name for c in coders if counts.get(c.id)] + names)[:2]) if len(names) > 1 else set()
        self.coder_list.blockSignals(True)
        self.coder_list.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = name in ticked
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.coder_list.addItem(item)
        self.coder_list.blockSignals(False)

    def checked_names(self) -> list[str]:
        return [it.text() for it in map(self.coder_list.item, range(self.coder_list.count()))
                if it.checkState() == Qt.CheckState.Checked]

    def set_coders(self, names: list[str]) -> None:
        """Tick exactly ``names`` (any case) and recompute now."""
        wanted = {n.casefold() for n in names}
        self.coder_list.blockSignals(True)
        for it in map(self.coder_list.item, range(self.coder_list.count())):
            it.setCheckState(Qt.CheckState.Checked if it.text().casefold() in wanted else Qt.CheckState.Unchecked)
        self.coder_list.blockSignals(False)
        self.reload()

    def _build_buttons(self) -> None:
        """Two coders: keep A / B / both / neither. Three or more: keep each coder's / all / neither."""
        while self.button_row.count():
            w = self.button_row.takeAt(0).widget()
            if w is not None and w not in (self.play_button, self.reopen_button):
                w.deleteLater()
        self.buttons, self.keep_buttons = {}, {}
        self.button_row.addWidget(self.play_button)
        if len(self.coder_ids) > 2:
            for cid in self.coder_ids:
                b = QPushButton(f"Keep {self._names.get(cid, cid)}")
                b.clicked.connect(guarded(lambda _=False, c=cid: self.choose(Choice.KEEP_ONE, c), self))
                self.button_row.addWidget(b)
                self.keep_buttons[cid] = b
            choices = ((Choice.KEEP_ALL, "Keep a&ll"), (Choice.NEITHER, "&Neither"))
        else:
            choices = ((Choice.KEEP_A, "Keep &A"), (Choice.KEEP_B, "Keep &B"), (Choice.KEEP_BOTH, "Keep b&oth"),
                       (Choice.NEITHER, "&Neither"))
        for choice, text in choices:
            b = QPushButton(text)
            b.clicked.connect(guarded(lambda _=False, c=choice: self.choose(c), self))
            self.button_row.addWidget(b)
            self.buttons[choice] = b
        self.button_row.addWidget(self.reopen_button)
        self.button_row.addStretch(1)
        for b in list(self.buttons.values()) + list(self.keep_buttons.values()):
            b.show()  # added to a shown view: Qt would show them only after the event loop runs

    # --- computing ---------------------------------------------------------------------------

    def schedule_reload(self) -> None:
        """Recompute a moment later (codings changed, a coder ticked): many changes, one reload."""
        self.refresh_timer.start()

    def reload(self) -> None:
        self.refresh_timer.stop()
        self._fill_coders()
        names = self.checked_names()
        keep = self._current_key()
        self.table.setRowCount(0)
        self.disagreements.clear()
        if len(names) < 2:
            self.detail.setText("Tick two or more coders to compare.")
            self.table_data, self.coder_ids = None, []
            self._build_buttons()
            self._enable_buttons()
            return
        self.table_data = agreement_table(self.db, names, self.unit.currentData(), self.overlap.value())
        ids = list(self.table_data.result.coders)
        self._names = {c.id: c.name for c in coder_store.list_coders(self.db)}
        if ids != self.coder_ids or not self.buttons:
            self.coder_ids = ids
            self._build_buttons()
        self._fill_table()
        self._decisions = consensus.decisions(self.db)
        by_code: dict[tuple[int, int], list[Decision]] = {}
        for d in self._decisions:
            by_code.setdefault((d.session_id, d.code_id), []).append(d)
        names_of = self.table_data.session_names
        for sa in self.table_data.result.sessions:
            for code_id, start, end in sa.disagreements:
                who = ", ".join(self._names.get(c, "?") for c in sa.coded_by.get((code_id, start, end), ()))
                item = QListWidgetItem(f"{names_of.get(sa.session_id, '')}  {format_ms(start)}–{format_ms(end)}  "
                                       f"{self.table_data.code_paths.get(code_id, '')}  (coded by {who})")
                item.setData(KEY, (sa.session_id, code_id, start, end))
                self.disagreements.addItem(item)
                found = by_code.get((sa.session_id, code_id), [])
                self._mark(item, consensus.settled_by(found, sa.session_id, code_id, start, end, ids))
        self._apply_hidden()
        self._select(keep)
        self._enable_buttons()

    def _fill_table(self) -> None:
        rows = self.table_data.rows()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [row["scope"], row["code"], str(row["units"]), _f(row["percent"], 1), _f(row["kappa"]),
                     _f(row["alpha"]), _f(row["overlap"], 1)]
            # two coders: percent and kappa coloured by kappa; more: by alpha (there is no kappa)
            by = row["kappa"] if len(self.coder_ids) == 2 else row["alpha"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                colour = heat(by) if c in (3, 4) else heat(row["alpha"]) if c == 5 else None
                if colour is not None:
                    item.setBackground(colour)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def _mark(self, item: QListWidgetItem, decision: Decision | None) -> None:
        item.setData(DECISION, decision)
        text = item.text().split("  — settled")[0]
        if decision is None:
            item.setText(text)
            item.setForeground(self.palette().color(QPalette.ColorRole.Text))
            return
        item.setText(f"{text}  — settled: {self.describe(decision)}")
        item.setForeground(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))

    def describe(self, d: Decision) -> str:
        if d.choice in (Choice.NEITHER, Choice.KEEP_ALL, Choice.KEEP_BOTH) or not d.kept:
            return consensus.LABELS[d.choice]
        return "kept " + ", ".join(self._names.get(c, "?") for c in d.kept)

    def _apply_hidden(self) -> None:
        hide = self.hide_settled.isChecked()
        for item in self._items():
            item.setHidden(hide and item.data(DECISION) is not None)
        current = self.disagreements.currentItem()
        if current is not None and current.isHidden():
            self._select(None)
        self._count()

    def _count(self) -> None:
        items = self._items()
        open_ = sum(1 for it in items if it.data(DECISION) is None)
        self.message.setText(f"{len(items)} disagreement(s), {open_} open." if items else "No disagreements.")

    def _items(self) -> list[QListWidgetItem]:
        return [self.disagreements.item(i) for i in range(self.disagreements.count())]

    def _current_key(self) -> tuple | None:
        item = self.disagreements.currentItem()
        return item.data(KEY) if item is not None else None

    def _select(self, key: tuple | None) -> None:
        """The same disagreement as before a reload, else the first open (visible) one."""
        items = [it for it in self._items() if not it.isHidden()]
        pick = next((it for it in items if key is not None and it.data(KEY) == key), None)
        pick = pick or next((it for it in items if it.data(DECISION) is None), None) or (items[0] if items else None)
        self.disagreements.setCurrentItem(pick)
        self._show_current()

    # --- the selected disagreement -----------------------------------------------------------

    def _enable_buttons(self) -> None:
        item = self.disagreements.currentItem()
        open_ = item is not None and item.data(DECISION) is None
        for b in list(self.buttons.values()) + list(self.keep_buttons.values()):
            b.setEnabled(open_)
        self.play_button.setEnabled(item is not None)
        self.reopen_button.setEnabled(item is not None and not open_)

    def _show_current(self) -> None:
        self._enable_buttons()
        item = self.disagreements.currentItem()
        if item is None:
            self.detail.setText("")
            return
        sid, code_id, start, end = item.data(KEY)
        lo, hi, of = consensus.passage_of(self.db, sid, code_id, start, end, self.coder_ids)
        names = transcripts.speaker_names(self.db, sid)
        text = " ".join(f"{names.get(s.speaker_id, '')}: {s.text}".strip(": ")
                        for s in transcripts.list_segments(self.db, sid, with_words=False)
                        if s.start_ms < hi and s.end_ms > lo)

        def spans(cs) -> str:
            return ", ".join(f"{format_ms(c.start_ms)}–{format_ms(c.end_ms)}" for c in cs) or "not coded"

        lines = [f"{format_ms(lo)}–{format_ms(hi)}  {text}"]
        lines += [f"{self._names.get(cid, '?')}: {spans(of[cid])}" for cid in self.coder_ids]
        d = item.data(DECISION)
        if d is not None:
            lines.append(f"Settled: {self.describe(d)}, {d.decided_at}")
        self.detail.setText("\n".join(lines))

    def choose(self, choice: Choice, coder_id: int | None = None) -> None:
        """Settle the selected disagreement (recorded, neither included) and go to the next open one."""
        item = self.disagreements.currentItem()
        if item is None or item.data(DECISION) is not None:
            return
        sid, code_id, start, end = item.data(KEY)
        ids = self.coder_ids
        if len(ids) == 2:
            consensus.settle(self.db, sid, code_id, start, end, choice, ids[0], ids[1])
        else:
            keep = {Choice.KEEP_ONE: [coder_id], Choice.KEEP_ALL: ids, Choice.NEITHER: []}[choice]
            consensus.decide(self.db, sid, code_id, start, end, ids, choice, keep)
        self._decisions = consensus.decisions(self.db)
        self._mark(item, consensus.settled_by(self._decisions, sid, code_id, start, end, ids))
        self._apply_hidden()
        self._select(None)
        self.settled.emit(sid)

    def reopen_current(self) -> None:
        """Undo the selected disagreement's decision (the consensus codings it wrote stay)."""
        item = self.disagreements.currentItem()
        d = item.data(DECISION) if item is not None else None
        if d is None:
            return
        consensus.reopen(self.db, d.id)
        self._decisions = consensus.decisions(self.db)
        sid, code_id, start, end = item.data(KEY)
        self._mark(item, consensus.settled_by(self._decisions, sid, code_id, start, end, self.coder_ids))
        self._show_current()
        self._count()

    # --- playing -----------------------------------------------------------------------------

    def player(self, session_id: int):
        """The SessionPlayer (the transcript editor's) over ``session_id``'s recordings."""
        from focusdesk.ui.transcript.player import SessionPlayer, Track

        tracks = [Track(self._resolve(r.path), r.offset_ms, r.duration_ms)
                  for r in transcripts.list_recordings(self.db, session_id)]
        if self._player is None:
            self._player = SessionPlayer(tracks, self)
            self._player.error.connect(lambda msg: self.message.setText(f"Cannot play the passage: {msg}"))
        elif self._player_session != session_id:
            self._player.set_tracks(tracks)
        self._player_session = session_id
        return self._player

    def play_current(self) -> tuple[int, int] | None:
        """Play the selected disagreement's passage, start to end; returns the range played."""
        item = self.disagreements.currentItem()
        if item is None:
            return None
        sid, code_id, start, end = item.data(KEY)
        lo, hi, _of = consensus.passage_of(self.db, sid, code_id, start, end, self.coder_ids)
        player = self.player(sid)
        if not player.has_media:
            self.message.setText("This session has no audio to play.")
            return None
        player.play_range(lo, hi)
        return lo, hi

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.disagreements and event.type() == QEvent.Type.KeyPress and event.key() in PLAY_KEYS:
            guarded(self.play_current, self)()
            return True
        return super().eventFilter(obj, event)

    def closeEvent(self, event) -> None:
        self.refresh_timer.stop()
        if self._player is not None:
            self._player.stop()
        super().closeEvent(event)


def _f(v: float | None, digits: int = 3) -> str:
    return "" if v is None else f"{v:.{digits}f}"
