"""Help ▸ Keyboard shortcuts (read from the window's actions and the editor's configured keys, so
the list is never out of date) and Help ▸ User guide (the README, shown in the window: offline)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

from focusdesk.ui.transcript import keys as editor_keys

# The live console's keys are fixed (ui/console/console_view.py).
CONSOLE_KEYS = [
    ("1 … 9", "Mark now: a question of the current section"),
    ("N / S", "Mark now: the next question / the next section"),
    ("F1 … F12", "Mark now: the study's quick tags"),
    ("Alt+1 … Alt+9", "Tap a seat: this person is speaking"),
    ("Ctrl+Enter", "Save the note (timed from its first keystroke)"),
]
GUIDE_NAME = "README.md"


def _menu_actions(menu: QMenu, path: str):
    for action in menu.actions():
        sub = action.menu()
        if sub is not None:
            yield from _menu_actions(sub, f"{path} ▸ {action.text().replace('&', '')}")
        elif not action.isSeparator():
            yield path, action


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(where, what, keys) for every menu action with a shortcut, then the transcript editor's
    keys as configured now, then the live console's."""
    rows = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        if top.menu() is None:
            continue
        for path, action in _menu_actions(top.menu(), top.text().replace("&", "")):
            keys = [k for k in action.shortcuts() if not k.isEmpty()]
            if keys and id(action) not in seen:
                seen.add(id(action))
                what = action.text().replace("&", "").split("\t")[0]
                rows.append((path, what, ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                                                   for k in keys)))
    for action in editor_keys.ACTIONS:
        rows.append(("Transcript editor", action.label, editor_keys.key_text(action.name)))
    rows += [("Transcript editor", what, key) for key, what in editor_keys.FIXED_KEYS]
    rows += [("Live console", what, key) for key, what in CONSOLE_KEYS]
    return rows


class ShortcutsDialog(QDialog):
    """A searchable table of every key."""

    def __init__(self, rows: list[tuple[str, str, str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.filter = QLineEdit(placeholderText="Type to filter (e.g. “play”, “Ctrl+K”)")
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "What", "Keys"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for c in (0, 2):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.filter.textChanged.connect(self._filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 520)

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())
                if not self.table.isRowHidden(r)]

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for r in range(self.table.rowCount()):
            hay = " ".join(self.table.item(r, c).text() for c in range(3)).casefold()
            self.table.setRowHidden(r, not all(w in hay for w in words))


def show_shortcuts(window) -> ShortcutsDialog:
    dialog = ShortcutsDialog(shortcut_rows(window), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def guide_path() -> Path | None:
    """The README beside the package (a checkout or a source install), if it is there."""
    candidate = Path(__file__).resolve().parents[2] / GUIDE_NAME
    return candidate if candidate.is_file() else None


class GuideViewer(QDialog):
    """The user guide rendered in the window; links to its own sections and local files work,
    nothing is fetched from the network."""

    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("focusdesk user guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(True)
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path)))
        self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(820, 640)


def show_user_guide(window) -> GuideViewer | None:
    path = guide_path()
    if path is None:
        QMessageBox.information(window, "User guide", "The user guide (README.md) is not installed "
                                "with this copy of focusdesk; it is in the project's source folder.")
        return None
    viewer = GuideViewer(path, window)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.open()
    return viewer


def install(window) -> list[QAction]:
    """Help menu entries before "Report a problem" and "About"."""
    return [window.add_action("Help", "&Keyboard shortcuts", lambda: show_shortcuts(window), "Ctrl+F1"),
            window.add_action("Help", "&User guide", lambda: show_user_guide(window))]
