"""Untranscribed speech in the transcript editor: a row per stretch, F8 to walk them, a fill job.

Why: a transcript that silently drops a quiet participant looks complete. The transcription
stores where it heard speech; a stretch of it without words (focusdesk.core.speech_cover) shows
as a row between the turns ("Speech not transcribed — 00:12:04, 6 s"). F8 / Shift+F8 select the
next / previous one and move playback there, so the user can listen; Ctrl+F8 (or the context
menu) transcribes the selected stretch again with more sensitive settings, as a job in the
window's jobs panel (focusdesk.transcribe.fill_service), so the window never waits. The filled
words arrive as new turns flagged for review (F7), and no other word moves.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from focusdesk.core.changes import Entity, session_changes
from focusdesk.core.speech_cover import Stretch
from focusdesk.core.timefmt import format_ms

COLOUR = "#8e24aa"


def gap_text(stretch: Stretch) -> str:
    return (f"Speech not transcribed — {format_ms(stretch.start_ms)}, "
            f"{max(1, round(stretch.duration_ms / 1000))} s")


def paint_gap(painter: QPainter, rect: QRect, row, delegate, margin: int, speaker_w: int) -> None:
    painter.setPen(QPen(QColor(COLOUR), 1, Qt.PenStyle.DotLine))
    y = rect.top() + rect.height() // 2
    painter.drawLine(rect.left() + margin, y, rect.left() + margin + speaker_w - 10, y)
    painter.setPen(QColor(COLOUR))
    painter.setFont(delegate.font)
    painter.drawText(rect.adjusted(margin + speaker_w, 0, -4, 0),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                     f"⋯ {gap_text(row.stretch)}   (Ctrl+F8: transcribe again)")


def current_gap(editor) -> Stretch | None:
    """The stretch of the selected row, when a gap row is selected."""
    index = editor.view.currentIndex()
    if not index.isValid() or index.row() >= len(editor.model.rows):
        return None
    row = editor.model.rows[index.row()]
    return row.stretch if row.kind == "gap" else None


def go_to_gap(editor, backwards: bool = False) -> Stretch | None:
    """Select the next (previous) untranscribed stretch after the selected row and seek there."""
    rows = editor.model.gap_rows()
    if not rows:
        editor.info_label.setText("No untranscribed speech in this session")
        return None
    here = editor.view.currentIndex().row() if editor.view.currentIndex().isValid() else None
    if backwards:
        target = next((r for r in reversed(rows) if here is None or r < here), None)
    else:
        target = next((r for r in rows if here is None or r > here), None)
    if target is None:
        editor.info_label.setText("No more untranscribed speech " + ("before" if backwards else "after")
                                  + " this point")
        return None
    stretch = editor.model.rows[target].stretch
    # Seek first, and tell follow mode it is already at the turn before the stretch, so its
    # (possibly later) position update does not select that turn instead of the gap row.
    editor.seek(stretch.start_ms)
    editor.model.current = editor.model.word_at_time(stretch.start_ms)
    index = editor.model.index(target)
    editor.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    editor.view.scrollTo(index, editor.view.ScrollHint.PositionAtCenter)
    editor.info_label.setText(f"Untranscribed speech {rows.index(target) + 1} of {len(rows)}: "
                              "Ctrl+F8 transcribes it again")
    return stretch


def fill_gap(editor, stretch: Stretch | None = None):
    """Start the fill job for ``stretch`` (default: the selected gap); returns its JobHandle."""
    from focusdesk.transcribe.fill_service import StretchFill
    from focusdesk.ui.jobs_panel import jobs

    stretch = stretch or current_gap(editor)
    if stretch is None:
        editor.info_label.setText("Select a “Speech not transcribed” row first (F8 finds them)")
        return None
    window = editor.window()
    if not hasattr(window, "addDockWidget"):  # an editor outside the main window has no jobs panel
        editor.info_label.setText("Open the session in the main window to transcribe it again")
        return None
    manager = jobs(window)
    refused = manager.refuse(_kind())
    if refused:
        manager.say(refused)
        return None
    try:
        job = StretchFill(editor.workspace, editor.session_id, [stretch], _settings())
    except LookupError as exc:
        manager.say(str(exc))
        return None
    handle = manager.start(job)
    sid = editor.session_id

    def ended(_result) -> None:
        editor.reload()
        editor.changed.emit(session_changes(sid, Entity.SEGMENTS, origin=id(editor)))

    handle.ended.connect(ended)
    editor.info_label.setText(f"Transcribing {format_ms(stretch.start_ms)} again (see Jobs)…")
    return handle


def _kind():
    from focusdesk.jobs.session_job import JobKind

    return JobKind.FILL


def _settings():
    from focusdesk.ui.features.transcription import saved_settings

    return saved_settings()
