"""The coding frame editor: a tree of codes of any depth with drag-and-drop moves, colours,
definition and inclusion/exclusion notes, pins, merge, delete to the trash and restore."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusdesk.store import coding_ops as co
from focusdesk.store import frame_ops as fo
from focusdesk.ui.coding.common import colour_icon
from focusdesk.ui.fit import scrolling, wrapping

CODE_ID = Qt.ItemDataRole.UserRole
TRASH_ID = Qt.ItemDataRole.UserRole


class CodeTree(QTreeWidget):
    """A tree whose drops become ``move_code`` calls (so the store decides what is allowed)."""

    moved = Signal(int, object, int)  # code id, new parent id (or None), position

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderLabels(["Code", "Codings", "Pin"])
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.header().setStretchLastSection(False)
        self.setColumnWidth(0, 320)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt name)
        item = self.currentItem()
        if item is None:
            event.ignore()
            return
        target = self.itemAt(event.position().toPoint())
        indicator = self.dropIndicatorPosition()
        Pos = QAbstractItemView.DropIndicatorPosition
        if target is None or indicator == Pos.OnViewport:
            parent, position = None, self.topLevelItemCount()
        elif indicator == Pos.OnItem:
            parent, position = target.data(0, CODE_ID), target.childCount()
        else:
            holder = target.parent()
            parent = holder.data(0, CODE_ID) if holder else None
            row = holder.indexOfChild(target) if holder else self.indexOfTopLevelItem(target)
            position = row + (1 if indicator == Pos.BelowItem else 0)
            old_parent = item.parent().data(0, CODE_ID) if item.parent() else None
            old_row = item.parent().indexOfChild(item) if item.parent() else self.indexOfTopLevelItem(item)
            if old_parent == parent and old_row < position:
                position -= 1  # the item leaves its old place first
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self.moved.emit(item.data(0, CODE_ID), parent, position)


class FrameEditor(QWidget):
    changed = Signal()

    def __init__(self, db_source, parent=None):
        super().__init__(parent)
        self._db_source = db_source
        self.tree = CodeTree()
        self.tree.moved.connect(self.move)
        self.tree.currentItemChanged.connect(lambda *_: self._show_current())
        self.name = QLineEdit()
        self.colour = QPushButton()
        self.colour.clicked.connect(self._pick_colour)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("Definition: what this code means")
        self.inclusion = QPlainTextEdit()
        self.inclusion.setPlaceholderText("Include when…")
        self.exclusion = QPlainTextEdit()
        self.exclusion.setPlaceholderText("Exclude when…")
        self.memo = QPlainTextEdit()
        self.memo.setPlaceholderText("Analytic memo: your thoughts on this code as the analysis goes on")
        for w in (self.description, self.inclusion, self.exclusion, self.memo):
            w.setMaximumHeight(90)
        self.pin = QComboBox()
        self.pin.addItems(["none"] + [f"Ctrl+{n}" for n in range(1, 10)])
        self.pin.activated.connect(self._save_pin)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        save = QPushButton("&Save changes")
        save.clicked.connect(self.save_details)
        self._save_timer = QTimer(self, singleShot=True, interval=600)
        self._save_timer.timeout.connect(self.save_details)
        for w in (self.description, self.inclusion, self.exclusion, self.memo):
            w.textChanged.connect(self._edited)
        self.name.editingFinished.connect(self.save_details)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Colour", self.colour)
        form.addRow("Definition", self.description)
        form.addRow("Inclusion", self.inclusion)
        form.addRow("Exclusion", self.exclusion)
        form.addRow("Pinned to", self.pin)
        form.addRow("Memo", self.memo)
        details = QWidget()
        dl = QVBoxLayout(details)
        dl.addLayout(form)
        dl.addWidget(save)
        dl.addWidget(self.error)
        dl.addWidget(wrapping("<b>Trash</b> (deleted codes with their codings, until emptied)"))
        self.trash = QListWidget()
        dl.addWidget(self.trash, 1)
        row = QHBoxLayout()
        restore = QPushButton("&Restore")
        restore.clicked.connect(self.restore_selected)
        empty = QPushButton("&Empty trash…")
        empty.clicked.connect(self.empty_trash)
        row.addWidget(restore)
        row.addWidget(empty)
        dl.addLayout(row)

        buttons = QHBoxLayout()
        for text, slot in (("&Add code", self.add_top), ("Add &sub-code", self.add_child),
                           ("&Merge into…", self.merge_current), ("&Delete…", self.delete_current)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(wrapping("Drag codes to move them; drop on a code to make it a sub-code."))
        ll.addWidget(self.tree, 1)
        ll.addLayout(buttons)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(scrolling(details))  # tall: scrolls on a laptop screen
        split.setSizes([520, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._loading = False
        self.reload()

    @property
    def db(self):
        return self._db_source()

    # --- loading -----------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        current = select if select is not None else self.current_id()
        self._loading = True
        self.tree.clear()
        items: dict[int, QTreeWidgetItem] = {}
        for c in fo.list_frame(self.db):
            parent = items.get(c.parent_id)
            item = QTreeWidgetItem([c.name, str(c.n_codings) if c.n_codings else "", f"Ctrl+{c.pin}" if c.pin else ""])
            item.setIcon(0, colour_icon(c.colour))
            item.setData(0, CODE_ID, c.id)
            item.setToolTip(0, c.path)
            (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
            items[c.id] = item
        self.tree.expandAll()
        if current in items:
            self.tree.setCurrentItem(items[current])
        self.trash.clear()
        for t in fo.list_trash(self.db):
            item = QListWidgetItem(f"{t.path}  ({t.n_codes} code(s), {t.n_codings} coding(s), {t.deleted_at})")
            item.setData(TRASH_ID, t.id)
            self.trash.addItem(item)
        self._loading = False
        self._show_current()

    def current_id(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, CODE_ID) if item else None

    def item_for(self, code_id: int) -> QTreeWidgetItem | None:
        for item in self.tree.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive):
            if item.data(0, CODE_ID) == code_id:
                return item
        return None

    def _show_current(self) -> None:
        cid = self.current_id()
        self._loading = True
        enabled = cid is not None
        for w in (self.name, self.colour, self.description, self.inclusion, self.exclusion, self.pin, self.memo):
            w.setEnabled(enabled)
        if cid is None:
            for w in (self.name, self.description, self.inclusion, self.exclusion, self.memo):
                w.clear()
        else:
            c = fo.get_code(self.db, cid)
            self.name.setText(c.name)
            self.colour.setText(c.colour)
            self.colour.setIcon(colour_icon(c.colour, 16))
            self.description.setPlainText(c.description)
            self.inclusion.setPlainText(c.inclusion)
            self.exclusion.setPlainText(c.exclusion)
            self.pin.setCurrentIndex(c.pin or 0)
            self.memo.setPlainText(co.code_memo(self.db, cid).body)
        self._loading = False

    # --- actions -----------------------------------------------------------------------------

    def _run(self, fn, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except (ValueError, LookupError) as exc:
            self.error.setText(str(exc))
            return None
        self.error.clear()
        return result

    def _edited(self) -> None:
        if not self._loading:
            self._save_timer.start()

    def can_close(self) -> bool:
        """Save typing still waiting for its timer before the tab or the window closes."""
        if self._save_timer.isActive():
            self.save_details()
        return True

    def save_details(self) -> None:
        self._save_timer.stop()
        cid = self.current_id()
        if cid is None or self._loading:
            return
        c = fo.get_code(self.db, cid)
        if self.memo.toPlainText() != co.code_memo(self.db, cid).body:
            co.set_code_memo(self.db, cid, self.memo.toPlainText())
        changes = {k: v for k, v in (("name", self.name.text().strip()),
                                     ("description", self.description.toPlainText()),
                                     ("inclusion", self.inclusion.toPlainText()),
                                     ("exclusion", self.exclusion.toPlainText()))
                   if v != getattr(c, k)}
        if changes and self._run(fo.update_code, self.db, cid, **changes) is not None and "name" in changes:
            self.reload(cid)
            self.changed.emit()  # notes only show in this editor and in tooltips: no study-wide refresh

    def _pick_colour(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        colour = QColorDialog.getColor(QColor(fo.get_code(self.db, cid).colour), self, "Code colour")
        if colour.isValid():
            self.set_colour(cid, colour.name())

    def set_colour(self, code_id: int, colour: str) -> None:
        if self._run(fo.update_code, self.db, code_id, colour=colour) is not None:
            self.reload(code_id)
            self.changed.emit()

    def _save_pin(self, index: int) -> None:
        cid = self.current_id()
        if cid is not None and not self._loading:
            self._run(fo.pin_code, self.db, cid, index or None)
            self.reload(cid)
            self.changed.emit()

    def add_code(self, name: str, parent_id: int | None) -> int | None:
        c = self._run(fo.new_code, self.db, name, parent_id)
        if c is not None:
            self.reload(c.id)
            self.changed.emit()
            return c.id
        return None

    def _ask_name(self, title: str) -> str | None:
        name, ok = QInputDialog.getText(self, title, "Name:")
        return name.strip() if ok and name.strip() else None

    def add_top(self) -> None:
        name = self._ask_name("New code")
        if name:
            self.add_code(name, None)

    def add_child(self) -> None:
        parent = self.current_id()
        name = self._ask_name("New sub-code")
        if name:
            self.add_code(name, parent)

    def move(self, code_id: int, parent_id, position: int) -> None:
        if self._run(fo.move_code, self.db, code_id, parent_id, position) is not None:
            self.changed.emit()
        self.reload(code_id)

    def merge(self, source_id: int, target_id: int) -> None:
        if self._run(fo.merge_codes, self.db, source_id, target_id) is not None:
            self.reload(target_id)
            self.changed.emit()

    def merge_current(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        others = [c for c in fo.list_frame(self.db) if c.id != cid]
        path, ok = QInputDialog.getItem(self, "Merge codes", f"Merge {fo.get_code(self.db, cid).path} "
                                        "into (its codings move there):", [c.path for c in others], 0, False)
        if ok:
            self.merge(cid, next(c.id for c in others if c.path == path))

    def delete(self, code_id: int) -> None:
        if self._run(fo.delete_code, self.db, code_id) is not None:
            self.reload()
            self.changed.emit()

    def delete_current(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        c = fo.get_code(self.db, cid)
        n_sub = sum(1 for x in fo.list_frame(self.db) if x.path.startswith(c.path + "/"))
        answer = QMessageBox.question(
            self, "Delete code", f"Move “{c.path}”"
            + (f", its {n_sub} sub-code(s)" if n_sub else "")
            + f" and {c.n_codings} coding(s) to the trash? You can restore them until the trash is emptied.")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(cid)

    def restore_selected(self) -> None:
        item = self.trash.currentItem()
        if item is not None:
            c = self._run(fo.restore_code, self.db, item.data(TRASH_ID))
            if c is not None:
                self.reload(c.id)
                self.changed.emit()

    def empty_trash(self) -> None:
        if not self.trash.count():
            return
        answer = QMessageBox.question(self, "Empty trash", "Forget the deleted codes and their codings "
                                      "for good? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            fo.empty_trash(self.db)
            self.reload()
