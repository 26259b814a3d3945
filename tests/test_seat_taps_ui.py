"""Taps made afterwards: the transcript editor's "This is … speaking" action at the playhead,
and the Speakers view listing what the taps named and what to confirm (the call's reference
turns imported from its RTTM file stand in for a diarization run)."""

from __future__ import annotations

from conftest import AUDIO

from focusdesk.audio.media import import_audio_file
from focusdesk.core.changes import Entity
from focusdesk.exchange.rttm import import_rttm
from focusdesk.store import seats, transcripts
from focusdesk.ui.speakers.view import SpeakersView
from focusdesk.ui.transcript import seat_taps
from focusdesk.ui.transcript.editor import TranscriptEditor


def _call(seeded) -> int:
    sid = seeded.db.execute("SELECT id FROM sessions WHERE name = 'Focus group 1'").fetchone()[0]
    import_audio_file(seeded, sid, AUDIO / "telephone-2spk.wav")
    return sid


def test_editor_tap_at_playhead_then_speakers_view(seeded, qtbot):
    sid = _call(seeded)
    editor = TranscriptEditor(seeded, sid)
    qtbot.addWidget(editor)
    seat_taps.install(editor)
    made = []
    editor.changed.connect(made.append)
    editor.seek(12_000)  # Diane (speaker90) speaks 10.57-14.70 s
    qtbot.waitUntil(lambda: abs(editor.player.position() - 12_000) < 50, timeout=5000)
    menu = editor.build_context_menu()
    sub = next(a.menu() for a in menu.actions() if a.text().startswith("This is … speaking"))
    assert [a.text() for a in sub.actions()] == ["P01", "P02"]
    sub.actions()[0].trigger()
    (tap,) = seats.list_taps(seeded.db, sid)
    assert tap.person.name == "P01" and tap.source == "editor" and abs(tap.t_ms - 12_000) < 50
    assert made and made[-1][0].entity is Entity.TAPS
    editor.seek(16_000)  # Sheila speaks here: a tap naming P01 again is a conflict for her voice
    qtbot.waitUntil(lambda: abs(editor.player.position() - 16_000) < 50, timeout=5000)
    seat_taps.tap_at_playhead(editor, tap.person)
    editor.shutdown()

    import_rttm(seeded.db, sid, AUDIO / "telephone-2spk.rttm")
    view = SpeakersView(seeded, sid)
    qtbot.addWidget(view)
    text = view.tap_notes.text()
    assert view.tap_notes.isVisibleTo(view)
    assert "Please confirm" in text and "P01" in text
    names = {sp.label: sp for sp in transcripts.list_speakers(seeded.db, sid)}
    assert not any(sp.participant_id for sp in names.values())  # the view only shows, never maps


def test_taps_dialog_deletes_a_wrong_tap_and_names_voices(seeded, qtbot):
    """A tap on the wrong seat makes a conflict; deleting it in the Seat taps dialog and naming the
    voices again gives Diane's voice its participant, and the Speakers view shows it."""
    sid = _call(seeded)
    import_rttm(seeded.db, sid, AUDIO / "telephone-2spk.rttm")
    pid = seeded.db.execute("SELECT id FROM participants WHERE code = 'P01'").fetchone()[0]
    p01 = seats.Person("participant", pid, "P01")
    seats.add_tap(seeded.db, sid, p01, 12_000, source="editor")  # Diane speaks here
    wrong = seats.add_tap(seeded.db, sid, p01, 16_000, source="live")  # Sheila speaks here
    view = SpeakersView(seeded, sid)
    qtbot.addWidget(view)
    assert "Please confirm" in view.tap_notes.text()
    dialog = view.taps_dialog()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["P01", "P01"]
    assert dialog.table.item(1, 2).text() == "live console"
    assert not dialog.delete_button.isEnabled()
    dialog.table.selectRow(1)
    assert dialog.delete_button.isEnabled()
    dialog.confirm = lambda n: False  # the user says no: nothing goes
    assert dialog.delete_selected() == 0 and len(seats.list_taps(seeded.db, sid)) == 2
    dialog.confirm = lambda n: True
    emitted = []
    view.changed.connect(lambda: emitted.append(1))
    assert dialog.delete_selected() == 1
    assert [t.id for t in seats.list_taps(seeded.db, sid)] != [wrong.id]
    assert [t.t_ms for t in seats.list_taps(seeded.db, sid)] == [12_000]
    dialog.apply()
    assert "Named 1 voice" in dialog.message.text() and emitted
    named = {sp.label: sp.participant_id for sp in transcripts.list_speakers(seeded.db, sid)}
    assert named["speaker90"] == p01.id and not named["speaker91"]
    assert "Named from the seat taps" in view.tap_notes.text()
