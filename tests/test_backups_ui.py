"""The Backups dialog restores, the Withdraw dialog withdraws, the audit log exports: in the real
window (offscreen), with the confirmations answered."""

from __future__ import annotations

import pytest
from exchange_data import fill_session
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from focusdesk.store import audit, backups, study, transcripts, withdrawal
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.features.backups import AuditDialog, BackupsDialog
from focusdesk.ui.main_window import MainWindow
from focusdesk.ui.people_view import open_people
from focusdesk.ui.withdraw_dialog import WithdrawDialog


@pytest.fixture
def window(qtbot, seeded):
    fill_session(seeded.db)
    root = seeded.root
    seeded.close()
    win = MainWindow(open_workspace(root, exclusive=True))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_the_backups_dialog_creates_and_restores(window, qtbot, monkeypatch):
    ws = window.workspace
    dialog = BackupsDialog(window)
    qtbot.addWidget(dialog)
    made = dialog.create()
    assert dialog.table.rowCount() == len(backups.list_backups(ws)) >= 1
    sid = ws.db.execute("SELECT MIN(session_id) FROM segments").fetchone()[0]
    before = [s.text for s in transcripts.list_segments(ws.db, sid)]
    ws.db.execute("UPDATE segments SET text = 'typed after the backup'")
    open_people(window)
    assert window.tabs.count() == 2
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a[2]),
                                                                   QMessageBox.StandardButton.Yes)[1])
    dialog.table.selectRow(next(i for i, b in enumerate(dialog.items) if b.id == made.id))
    assert dialog.restore() is True
    assert asked and "backed up first" in asked[0]
    assert [s.text for s in transcripts.list_segments(ws.db, sid)] == before
    assert window.tabs.count() == 1  # views on the old data were closed
    reasons = [b.reason for b in backups.list_backups(ws)]
    assert f"before restoring {made.id}" in reasons
    assert audit.entries(ws.db)[-1].action == audit.BACKUP_RESTORED


def test_the_withdraw_dialog_withdraws(window, qtbot):
    view = open_people(window)
    p01 = study.participant_by_code(window.workspace.db, "P01")
    view.participants.select(p01.id)
    assert view.withdraw_button.isEnabled()
    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, WithdrawDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.text.text())
        dialog.keep.setChecked(True)
        seen.append(dialog.text.text())
        dialog.keep.setChecked(False)
        dialog.withdraw_button.click()

    QTimer.singleShot(0, answer)
    assert view._withdraw() is True
    assert "[withdrawn]" in seen[0] and "Anonymous" in seen[1]
    db = window.workspace.db
    assert withdrawal.is_withdrawn(db, p01.id)
    assert db.execute("SELECT COUNT(*) FROM segments WHERE text LIKE '%overwhelming%'").fetchone()[0] == 0
    qtbot.waitUntil(lambda: view.participants.table.item(0, 0).text() == "P01 (withdrawn)")
    view.participants.select(p01.id)
    assert not view.withdraw_button.isEnabled()  # once is enough


def test_the_audit_log_view_exports_csv(window, qtbot, tmp_path):
    BackupsDialog(window).create()
    dialog = AuditDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == len(audit.entries(window.workspace.db)) >= 2
    out = dialog.export(str(tmp_path / "audit.csv"))
    text = (tmp_path / "audit.csv").read_text("utf-8")
    assert out and text.startswith("id,at,actor,action") and "backup created" in text


def test_a_withdrawn_participants_turns_are_read_only_in_the_editor(qtbot, seeded):
    from PySide6.QtCore import Qt

    from focusdesk.ui.transcript.editor import TranscriptEditor

    sid = fill_session(seeded.db)
    withdrawal.withdraw(seeded, "P01")
    editor = TranscriptEditor(seeded, sid)
    editor.quiet = True
    qtbot.addWidget(editor)
    try:
        model = editor.model
        gone = withdrawal.removed_speakers(seeded.db, sid)
        editable = {}
        for r, row in enumerate(model.rows):
            if row.kind == "segment":
                seg = model.segments[row.seg]
                flags = model.flags(model.index(r))
                editable[seg.speaker_id in gone, seg.text == withdrawal.WITHDRAWN_TEXT] = bool(
                    flags & Qt.ItemFlag.ItemIsEditable)
        assert editable == {(True, True): False, (False, False): True}
    finally:
        editor.shutdown()
