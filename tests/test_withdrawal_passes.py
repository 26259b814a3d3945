"""A new pass over a session where a withdrawn participant spoke is refused (store/withdrawal.py:
``refuse_new_pass``): transcribing it again from the beginning would bring their words back, and
finding its speakers again would give their voice a name not linked to the withdrawal. Refused
the same way on the CLI and in the window, with nothing changed; other work goes on."""

from __future__ import annotations

import pytest
from conftest import AUDIO
from exchange_data import fill_session

from focusdesk import cli
from focusdesk.audio.media import import_audio_file
from focusdesk.diarize import service as diarize_service
from focusdesk.store import sessions, transcripts, withdrawal
from focusdesk.transcribe.service import SessionTranscription
from focusdesk.transcribe.types import Settings


def _texts(ws, sid: int) -> list[tuple[int, str, int | None]]:
    return [(s.start_ms, s.text, s.speaker_id) for s in transcripts.list_segments(ws.db, sid)]


@pytest.fixture
def withdrawn(seeded):
    """Focus group 1 transcribed with P01 (S1) and P02 speaking, audio imported; P01 withdrawn."""
    sid = fill_session(seeded.db)
    import_audio_file(seeded, sid, AUDIO / "jfk.flac")
    withdrawal.withdraw(seeded, "P01")
    return seeded, sid


def test_restart_and_finding_speakers_again_are_refused_and_change_nothing(withdrawn, capsys):
    ws, sid = withdrawn
    other = sessions.session_by_name(ws.db, "Interview 1").id
    import_audio_file(ws, other, AUDIO / "stereo-2spk.wav")
    assert withdrawal.withdrawn_in_session(ws.db, sid) == ["P01"]
    assert withdrawal.withdrawn_in_session(ws.db, other) == []
    with pytest.raises(withdrawal.WithdrawnVoiceHere, match="P01 withdrew .* bring their words back"):
        SessionTranscription(ws, sid, Settings(), restart=True)
    with pytest.raises(withdrawal.WithdrawnVoiceHere, match="not linked to their withdrawal"):
        diarize_service.SessionDiarization(ws, sid, num_speakers=2)
    # What does not start a new pass over their turns goes on.
    assert SessionTranscription(ws, sid, Settings()).tasks  # resuming the untranscribed audio
    assert SessionTranscription(ws, other, Settings(), restart=True).tasks
    assert diarize_service.job_params(ws, other, num_speakers=2)["recordings"]

    before = _texts(ws, sid)
    root = ws.root
    ws.close()
    assert cli.main(["-w", str(root), "transcribe", "Focus group 1", "--restart"]) == 2
    err = capsys.readouterr().err
    assert "P01 withdrew from the study" in err and "Nothing was changed" in err
    assert "Traceback" not in err
    assert cli.main(["-w", str(root), "diarize", "Focus group 1", "--speakers", "2"]) == 2
    assert "their voice would no longer be silenced" in capsys.readouterr().err
    from focusdesk.store.workspace import open_workspace

    with open_workspace(root) as again:
        after = _texts(again, sid)
        assert after == before and withdrawal.WITHDRAWN_TEXT in {t for _, t, _ in after}
        assert again.db["transcription_runs"].count == 0 and again.db["diarization_runs"].count == 0


def test_the_window_says_why_and_starts_no_job(withdrawn, qtbot):
    from focusdesk.ui.features import transcription
    from focusdesk.ui.jobs_panel import jobs
    from focusdesk.ui.main_window import MainWindow
    from focusdesk.ui.speakers.view import SpeakersView

    ws, sid = withdrawn
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    assert not transcription.start_transcription(win, sid, Settings(), restart=True)
    panel = jobs(win).panel
    assert "P01 withdrew from the study" in panel.note.text() and not panel.rows()
    assert "focusdesk " not in panel.note.text()  # no command to type in the window
    view = SpeakersView(ws, sid)
    qtbot.addWidget(view)
    view.jobs = jobs(win)
    assert not view.start(num_speakers=2)
    assert "P01 withdrew from the study" in view.message.text() and view.job is None
