"""The seating plan: the session's people as seats, arranged like the room.

Click a seat (or press its key, Alt+1…Alt+9: the plain digits mark questions) while that person
speaks, and a tap "this is P03 speaking" is stored at that moment of the recording. After
diarization the taps name the voices (``diarize/taps.py``). Drag a seat to move it; positions
are kept per session, as fractions of the plan so a resized console keeps the room's shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from focusdesk.store import seats
from focusdesk.store.seats import Person, Tap

SEAT_W, SEAT_H = 86, 44
MAX_KEYS = 9


def seat_key(index: int) -> str | None:
    """The shortcut of the seat at ``index`` (0-based): Alt+1 … Alt+9, then none."""
    return f"Alt+{index + 1}" if index < MAX_KEYS else None


class Seat(QPushButton):
    """A click taps; a drag (past the platform's drag distance) moves the seat."""

    def __init__(self, person: Person, key: str | None, plan: SeatPlan):
        super().__init__(f"{person.name}\n{key or ''}".strip(), plan)
        self.person, self.key, self.plan = person, key, plan
        self.setFixedSize(SEAT_W, SEAT_H)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip(f"Click (or press {key}) while {person.name} speaks; drag to move."
                        if key else f"Click while {person.name} speaks; drag to move.")
        self._press: QPoint | None = None
        self._dragged = False
        self.fraction: tuple[float, float] = (0.5, 0.5)  # where on the plan, 0..1 each way

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragged = event.position().toPoint(), False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = event.position().toPoint() - self._press
            if self._dragged or delta.manhattanLength() >= QApplication.startDragDistance():
                self._dragged = True
                self.move(self.plan.clamp(self.pos() + delta))
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._dragged:
            self._press, self._dragged = None, False
            self.setDown(False)
            self.plan.seat_moved(self)
            return
        self._press = None
        super().mouseReleaseEvent(event)


class SeatPlan(QWidget):
    """``now_ms`` says where the recording is; ``tapped`` is emitted after a tap is stored."""

    tapped = Signal(object)  # Tap

    def __init__(self, ws, session_id: int, now_ms: Callable[[], int], parent=None):
        super().__init__(parent)
        self.ws, self.session_id, self.now_ms = ws, session_id, now_ms
        self.setMinimumHeight(SEAT_H * 3 + 12)
        saved = seats.seat_positions(ws.db, session_id)
        self.seats: list[Seat] = []
        people = seats.session_people(ws.db, session_id)
        for i, person in enumerate(people):
            seat = Seat(person, seat_key(i), self)
            seat.clicked.connect(lambda _=False, s=seat: self.tap(s.person))
            seat.fraction = saved.get(person.key) or self._around_table(i, len(people))
            self.seats.append(seat)
        self.setToolTip("" if people else "Add participants to the session to seat them here.")

    @staticmethod
    def _around_table(i: int, n: int) -> tuple[float, float]:
        angle = math.pi / 2 + 2 * math.pi * i / max(n, 1)
        return 0.5 + 0.4 * math.cos(angle), 0.5 - 0.38 * math.sin(angle)

    def install_keys(self, owner: QWidget) -> None:
        """Alt+1…Alt+9 on ``owner`` (the console), active while focus is inside it."""
        for seat in self.seats:
            if seat.key:
                sc = QShortcut(QKeySequence(seat.key), owner)
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                sc.activated.connect(lambda s=seat: self.tap(s.person))

    # --- taps --------------------------------------------------------------------------------

    def tap(self, person: Person) -> Tap:
        tap = seats.add_tap(self.ws.db, self.session_id, person, max(0, self.now_ms()), source="live")
        seat = next((s for s in self.seats if s.person == person), None)
        if seat is not None:
            seat.setStyleSheet("background: #fff3b0;")
            QTimer.singleShot(400, lambda s=seat: s.setStyleSheet(""))
        self.tapped.emit(tap)
        return tap

    # --- placement ---------------------------------------------------------------------------

    def clamp(self, p: QPoint) -> QPoint:
        return QPoint(min(max(0, p.x()), max(0, self.width() - SEAT_W)),
                      min(max(0, p.y()), max(0, self.height() - SEAT_H)))

    def _place(self) -> None:
        free_w, free_h = max(1, self.width() - SEAT_W), max(1, self.height() - SEAT_H)
        for seat in self.seats:
            fx, fy = seat.fraction
            seat.move(round(fx * free_w), round(fy * free_h))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def seat_moved(self, seat: Seat) -> None:
        free_w, free_h = max(1, self.width() - SEAT_W), max(1, self.height() - SEAT_H)
        seat.fraction = (min(1.0, seat.x() / free_w), min(1.0, seat.y() / free_h))
        seats.set_seat_position(self.ws.db, self.session_id, seat.person, *seat.fraction)
