"""Independent coding in the window: Study ▸ Copy for a coder… makes a coder's own copy of the
study (``store/study_copy.py``); Study ▸ Merge a coder's copy… brings their codings back
(``store/merge.py``) and says what came in; Study ▸ Merge a coder's QDPX export… does the same
from the copy's REFI-QDA project (``exchange/refi_merge.py``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from focusdesk.core.changes import Change, Entity
from focusdesk.exchange.refi_merge import merge_qdpx
from focusdesk.store import open_workspace
from focusdesk.store.merge import MergeReport, merge_copy
from focusdesk.store.study_copy import CopyReport, copy_for
from focusdesk.store.workspace import DB_NAME


class CoderCopies:
    def __init__(self, window):
        self.window = window
        window.add_action("Study", "Copy for a &coder…", self.ask_copy)
        window.add_action("Study", "&Merge a coder's copy…", self.ask_merge)
        window.add_action("Study", "Merge a coder's &QDPX export…", self.ask_merge_project)

    def copy(self, coder: str, folder: Path) -> CopyReport:
        report = copy_for(self.window.workspace, coder, folder)
        QMessageBox.information(self.window, "Copy for a coder",
                                f"{report.coder}'s copy of the study is in {report.folder} "
                                f"({report.media_files} media files). Open it there to code, then "
                                "bring it back with Study ▸ Merge a coder's copy….")
        return report

    def merge(self, folder: Path) -> MergeReport:
        if folder.resolve() == self.window.workspace.root.resolve() or not (folder / DB_NAME).is_file():
            raise ValueError(f"{folder} is not a coder's copy of a study; choose the folder that "
                             "Study ▸ Copy for a coder… made.")
        other = open_workspace(folder, create=False)
        try:
            report = merge_copy(self.window.workspace.db, other.db)
        finally:
            other.close()
        self._merged("Merge a coder's copy", [report])
        return report

    def merge_project(self, path: Path) -> list[MergeReport]:
        reports = merge_qdpx(self.window.workspace, path)
        self._merged("Merge a coder's QDPX export", reports)
        return reports

    def _merged(self, title: str, reports: list[MergeReport]) -> None:
        self.window.changes.notify(Change(Entity.CODES))
        self.window.changes.notify(Change(Entity.CODINGS))
        self.window.changes.notify(Change(Entity.STUDY))
        QMessageBox.information(self.window, title, "\n".join(r.summary() for r in reports)
                                or "The project holds no codings or notes to merge.")

    def ask_copy(self) -> None:
        coder, ok = QInputDialog.getText(self.window, "Copy for a coder", "Who will code the copy?")
        if not ok or not coder.strip():
            return
        path = QFileDialog.getExistingDirectory(self.window, "Choose an empty folder for the coder's copy",
                                                str(self.window.workspace.root.parent))
        if path:
            self.copy(coder, Path(path))

    def ask_merge(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Choose the coder's copy of the study",
                                                str(self.window.workspace.root.parent))
        if path:
            self.merge(Path(path))

    def ask_merge_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Choose the coder's QDPX export",
                                              str(self.window.workspace.root.parent),
                                              "REFI-QDA project (*.qdpx *.qde)")
        if path:
            self.merge_project(Path(path))


def install(window) -> None:
    window.coder_copies = CoderCopies(window)
