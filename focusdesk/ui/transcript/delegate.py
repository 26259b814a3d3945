"""Lays out and paints transcript rows: word-wrapped speaker turns and inline anchors.

Layouts are cached per segment (word advances, then wrapped positions per width), so a view of
2,000 turns lays out once and a follow-mode tick repaints just one row. The segment editor is a
QPlainTextEdit whose Enter commits, Ctrl+Return splits at the cursor and whose Escape is left to
the editor's play/pause shortcut (the transcriber's convention) instead of cancelling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QPlainTextEdit, QStyle, QStyledItemDelegate

from focusdesk.core.timefmt import format_ms
from focusdesk.ui.transcript import gaps
from focusdesk.ui.transcript.model import TranscriptModel, words_of

MARGIN = 16  # coding bars
CODER_CAP = 6  # px atop a coding bar in its coder's colour, when several coders coded
DRAFT_DELAY_MS = 1000
SPEAKER_W = 132
PAD = 5
OVERLAP_COLOUR = "#f9a825"  # the bar by a speaker name when another voice talks at the same time
SPEAKER_COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457",
                   "#4e342e", "#37474f", "#558b2f"]
CURRENT_BG = QColor("#ffe082")
SELECTED_BG = QColor("#90caf9")


@dataclass
class Layout:
    sig: tuple
    advances: list[int]
    width: int = -1
    xs: list[int] | None = None
    lines: list[int] | None = None
    n_lines: int = 1


class SegmentEditor(QPlainTextEdit):
    """Inline editor for one turn's text."""

    commit = Signal()
    split = Signal(int)  # cursor position

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ControlModifier:
                self.split.emit(self.textCursor().position())
            else:
                self.commit.emit()
            return
        super().keyPressEvent(event)


class TranscriptDelegate(QStyledItemDelegate):
    def __init__(self, model: TranscriptModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.font = QFont()
        self.bold = QFont(self.font)
        self.bold.setBold(True)
        self.heading = QFont(self.font)
        self.heading.setBold(True)
        self.heading.setPointSizeF(self.font.pointSizeF() * 1.15)
        self.fm = QFontMetrics(self.font)
        self.badge_font = QFont(self.font)
        self.badge_font.setBold(True)
        self.badge_font.setPointSizeF(self.font.pointSizeF() * 0.8)
        self.badge_fm = QFontMetrics(self.badge_font)
        self.space = self.fm.horizontalAdvance(" ")
        self.line_h = self.fm.height() + 2
        self.width = 600
        self._layouts: dict[int, Layout] = {}
        self.on_commit: Callable[[int, str], None] | None = None
        self.on_split: Callable[[int, str, int], None] | None = None
        self.on_draft: Callable[[int, str], None] | None = None  # typing not yet committed
        self.on_draft_done: Callable[[int], None] | None = None  # committed or given up
        self.pending_cursor: int | None = None

    # --- layout ----------------------------------------------------------------------------

    def set_width(self, width: int) -> bool:
        width = max(200, width)
        changed = width != self.width
        self.width = width
        return changed

    def text_width(self) -> int:
        return max(80, self.width - MARGIN - SPEAKER_W - 8)

    def layout(self, order: int) -> Layout:
        seg = self.model.segments[order]
        sig = (seg.text, len(seg.words))
        lay = self._layouts.get(seg.id)
        if lay is None or lay.sig != sig:
            adv = self.fm.horizontalAdvance
            lay = Layout(sig, [adv(t) for t in words_of(seg)])
            self._layouts[seg.id] = lay
        width = self.text_width()
        if lay.width != width:
            xs, lines = [], []
            x = line = 0
            space = self.space
            for a in lay.advances:
                if x and x + a > width:
                    x, line = 0, line + 1
                xs.append(x)
                lines.append(line)
                x += a + space
            lay.xs, lay.lines, lay.n_lines, lay.width = xs, lines, line + 1, width
        return lay

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        row = self.model.rows[index.row()]
        if row.kind == "segment":
            n = max(2, self.layout(row.seg).n_lines)
            return QSize(self.width, n * self.line_h + 2 * PAD)
        if row.kind == "guide":
            return QSize(self.width, self.line_h + 16)
        return QSize(self.width, self.line_h + 6)

    def word_at(self, row: int, point: QPoint, nearest: bool = False) -> int | None:
        """Index of the word under ``point`` (row-relative), or None. With ``nearest`` (a drag
        passing over the speaker column, the space after a line's end, or above or below the
        text) the word closest to it on that line: the selection follows the mouse."""
        r = self.model.rows[row]
        if r.kind != "segment":
            return None
        lay = self.layout(r.seg)
        if not lay.xs:
            return None
        x = point.x() - MARGIN - SPEAKER_W
        line = (point.y() - PAD) // self.line_h
        if nearest:
            line = max(lay.lines[0], min(lay.lines[-1], line))
        best = None
        for i, (wx, wl) in enumerate(zip(lay.xs, lay.lines)):
            if wl == line and wx <= x:
                best = i
            elif wl > line:
                break
        if nearest:
            return best if best is not None else lay.lines.index(line)
        if best is None or x > lay.xs[best] + lay.advances[best] + self.space:
            return None
        return best

    def word_rect(self, row: int, word: int) -> QRect:
        r = self.model.rows[row]
        lay = self.layout(r.seg)
        return QRect(MARGIN + SPEAKER_W + lay.xs[word] - 2, PAD + lay.lines[word] * self.line_h,
                     lay.advances[word] + 4, self.line_h)

    def forget(self, segment_ids=None) -> None:
        if segment_ids is None:
            self._layouts.clear()
        else:
            for sid in segment_ids:
                self._layouts.pop(sid, None)

    # --- painting --------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, index) -> None:
        row = self.model.rows[index.row()]
        rect = option.rect
        painter.save()
        if row.kind == "segment":
            self._paint_segment(painter, option, rect, row.seg)
        elif row.kind == "gap":
            if option.state & QStyle.StateFlag.State_Selected:
                painter.fillRect(rect, QColor("#f3e5f5"))
            gaps.paint_gap(painter, rect, row, self, MARGIN, SPEAKER_W)
        else:
            self._paint_anchor(painter, rect, row)
        painter.restore()

    def _paint_anchor(self, painter: QPainter, rect: QRect, row) -> None:
        m = row.marker
        text = self.model.anchor_text(row)
        if row.kind == "guide":
            painter.fillRect(rect.adjusted(MARGIN, 4, 0, -2), QColor("#eef3f8"))
            painter.setFont(self.heading)
            painter.setPen(QColor("#1f3a5f"))
            label = "§ " if row.item.kind.value == "section" else "? "
            painter.drawText(rect.adjusted(MARGIN + 6, 4, -4, -2),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             f"{label}{text}   {format_ms(m.ms)}")
            return
        painter.setPen(QPen(QColor("#d84315"), 1, Qt.PenStyle.DashLine))
        y = rect.top() + rect.height() // 2
        painter.drawLine(rect.left() + MARGIN, y, rect.left() + MARGIN + SPEAKER_W - 10, y)
        painter.setPen(QColor("#d84315"))
        painter.setFont(self.font)
        painter.drawText(rect.adjusted(MARGIN + SPEAKER_W, 0, -4, 0),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         f"⚑ {format_ms(m.ms)}  {text}")

    def _paint_segment(self, painter: QPainter, option, rect: QRect, order: int) -> None:
        model = self.model
        seg = model.segments[order]
        lay = self.layout(order)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor("#f1f6fb"))
        codings = model.codings_for(order)
        for k, c in enumerate(codings[:4]):
            bar = QRect(rect.left() + 2 + k * 3, rect.top() + 1, 2, rect.height() - 2)
            painter.fillRect(bar, QColor(model.code_colours.get(c.code_id, "#888888")))
            if model.several_coders:  # whose: a cap in the coder's colour atop the code's bar
                painter.fillRect(QRect(bar.left(), bar.top(), 2, CODER_CAP), QColor(model.coder_mark(c.coder_id).colour))
        # Speaker column
        sp_id = seg.speaker_id
        colour = "#555555"
        if sp_id is not None and sp_id in model.speaker_order:
            colour = SPEAKER_COLOURS[model.speaker_order.index(sp_id) % len(SPEAKER_COLOURS)]
        left = rect.left() + MARGIN
        pen = QColor(colour)
        if order > 0 and model.segments[order - 1].speaker_id == sp_id and \
                model.seg_row[order - 1] == model.seg_row[order] - 1:
            pen.setAlpha(110)  # the same speaker goes on: one turn, several segments
        painter.setFont(self.bold)
        painter.setPen(pen)
        painter.drawText(QRect(left, rect.top() + PAD, SPEAKER_W - 8, self.line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.fm.elidedText(model.speaker_name(sp_id), Qt.TextElideMode.ElideRight, SPEAKER_W - 12))
        painter.setFont(self.font)
        painter.setPen(QColor("#888888"))
        painter.drawText(QRect(left, rect.top() + PAD + self.line_h, SPEAKER_W - 8, self.line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, format_ms(seg.start_ms))
        self._paint_coder_marks(painter, QRect(left, rect.top() + PAD + self.line_h, SPEAKER_W - 12, self.line_h),
                                model.coder_marks(order), self.fm.horizontalAdvance(format_ms(seg.start_ms)))
        if model.overlapping(order):  # another voice talks at the same time: a bar by the name
            painter.fillRect(QRect(left + SPEAKER_W - 8, rect.top() + PAD, 3, rect.height() - 2 * PAD),
                             QColor(OVERLAP_COLOUR))
        # Words
        x0 = left + SPEAKER_W
        y0 = rect.top() + PAD
        ascent = self.fm.ascent() + 1
        texts = words_of(seg)
        words = seg.words
        sel = model.selected_positions()
        cur = model.current
        tints = [(c.start_ms, c.end_ms, QColor(model.code_colours.get(c.code_id, "#888888"))) for c in codings]
        for t in tints:
            t[2].setAlpha(45)
        text_pen = option.palette.text().color()
        unsure = set(model.low_confidence(order)) if words else set()
        unsure_pen = QPen(QColor("#ef6c00"), 1, Qt.PenStyle.DotLine)
        for i, text in enumerate(texts):
            x = x0 + lay.xs[i]
            y = y0 + lay.lines[i] * self.line_h
            w = lay.advances[i]
            box = QRect(x - 2, y, w + 4, self.line_h)
            if words and tints:
                ws, we = words[i].start_ms, words[i].end_ms
                for start, end, col in tints:
                    if start < max(we, ws + 1) and end > ws:
                        painter.fillRect(box, col)
            if sel is not None and sel[0] <= (order, i) <= sel[1]:
                painter.fillRect(box, SELECTED_BG)
            if cur is not None and cur == (order, i):
                painter.fillRect(box, CURRENT_BG)
            painter.setPen(text_pen)
            painter.drawText(x, y + ascent, text)
            if i in unsure:
                painter.setPen(unsure_pen)
                painter.drawLine(x, y + self.line_h - 2, x + w, y + self.line_h - 2)

    def _paint_coder_marks(self, painter: QPainter, line: QRect, marks, after: int) -> None:
        """Badges with the initials of the coders whose codings touch the turn, on the time's line
        after the time (``after`` pixels in), each in its coder's colour (the margin caps match);
        where the initials do not all fit, small squares in the same colours (tooltips name them)."""
        if not marks:
            return
        painter.setFont(self.badge_font)
        x, room = line.left() + after + 6, line.right() - (line.left() + after + 6)
        widths = [self.badge_fm.horizontalAdvance(m.initials) + 6 for m in marks]
        if sum(widths) + 3 * (len(marks) - 1) <= room:
            for mark, w in zip(marks, widths, strict=True):
                box = QRect(x, line.top() + 1, w, line.height() - 2)
                painter.fillRect(box, QColor(mark.colour))
                painter.setPen(QColor("#ffffff"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, mark.initials)
                x += w + 3
        else:
            side = max(6, min(10, line.height() // 2))
            for mark in marks[:max(1, room // (side + 2))]:
                painter.fillRect(QRect(x, line.center().y() - side // 2, side, side), QColor(mark.colour))
                x += side + 2
        painter.setFont(self.font)

    # --- editing ---------------------------------------------------------------------------

    def createEditor(self, parent, option, index):  # noqa: N802
        editor = SegmentEditor(parent)
        editor.setFrameShape(QPlainTextEdit.Shape.Box)
        editor.setTabChangesFocus(True)
        seg = self.model.segment_at_row(index.row())
        seg_id = seg.id if seg else None
        editor.commit.connect(lambda e=editor: self._finish(e))
        editor.split.connect(lambda pos, e=editor, sid=seg_id: self._split(e, sid, pos))
        if seg_id is not None and self.on_draft is not None:
            # Typing is kept a second after each keystroke, so a crash before Enter loses little.
            timer = QTimer(editor, singleShot=True, interval=DRAFT_DELAY_MS)
            timer.timeout.connect(lambda e=editor, sid=seg_id: self.on_draft(sid, e.toPlainText()))
            editor.textChanged.connect(lambda e=editor, t=timer: e.property("loaded") and t.start())
            done = self.on_draft_done
            editor.destroyed.connect(lambda *_a, sid=seg_id: done and done(sid))
        return editor

    def setEditorData(self, editor, index) -> None:  # noqa: N802
        if editor.property("loaded"):
            return
        editor.setPlainText(self.model.row_text(index.row()))
        editor.setProperty("loaded", True)
        editor.setProperty("segment_id", getattr(self.model.segment_at_row(index.row()), "id", None))
        cursor_at, self.pending_cursor = self.pending_cursor, None
        if cursor_at is not None:
            cur = editor.textCursor()
            cur.setPosition(min(int(cursor_at), len(editor.toPlainText())))
            editor.setTextCursor(cur)

    def updateEditorGeometry(self, editor, option, index) -> None:  # noqa: N802
        r = option.rect
        editor.setGeometry(QRect(r.left() + MARGIN + SPEAKER_W - 4, r.top() + 1,
                                 r.width() - MARGIN - SPEAKER_W + 2, max(r.height() - 2, self.line_h * 3)))

    def setModelData(self, editor, model, index) -> None:  # noqa: N802
        seg_id = editor.property("segment_id")
        text = editor.toPlainText()
        seg = self.model.segments[self.model.seg_order[seg_id]] if seg_id in self.model.seg_order else None
        if seg is not None and " ".join(text.split()) != " ".join(seg.text.split()) and self.on_commit:
            self.on_commit(seg_id, text)

    def _finish(self, editor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)

    def _split(self, editor, seg_id, pos: int) -> None:
        text = editor.toPlainText()
        editor.setProperty("segment_id", None)  # the split carries the edit; do not commit it twice
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
        if self.on_split and seg_id is not None:
            self.on_split(seg_id, text, pos)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # Escape belongs to play/pause while transcribing; focus-out still commits.
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and \
                event.key() == Qt.Key.Key_Escape:
            return False
        return super().eventFilter(obj, event)
