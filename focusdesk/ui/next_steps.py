"""The Study tab's "Next step" cells as actions: each session's next step (from
``store/progress.py``) is a link that does it, the same thing the menus do."""

from __future__ import annotations

import html

from focusdesk.store.progress import SessionProgress

LABELS = {"record": "Record…", "import": "Import audio…", "transcribe": "Transcribe…",
          "diarize": "Find speakers…", "speakers": "Name speakers…", "code": "Code…"}


def step_keys(p: SessionProgress) -> list[str]:
    """What can be done next on this session, in the order of the workflow ([] when done)."""
    step = p.next_step
    if step == "record or import audio":
        return ["record", "import"]
    if step == "transcribe":
        return ["transcribe"]
    if step == "name the speakers":
        return ["diarize"] if p.speakers == 0 else ["speakers"]
    if step == "code passages":
        return ["code"]
    return []


def cell_html(p: SessionProgress) -> str:
    """The cell: links ``step:<session id>:<key>``, or a tick when the session is done."""
    keys = step_keys(p)
    if not keys:
        return "<span style='color:#2e7d32'>✓ done</span>"
    return " · ".join(f"<a href='step:{p.session_id}:{k}'>{html.escape(LABELS[k])}</a>" for k in keys)


def run(window, session_id: int, key: str):
    """Do step ``key`` for the session: it becomes the current session, then the same action as
    the menu entry runs (a dialog, a view, or a job)."""
    from focusdesk.ui import study_actions as sa
    from focusdesk.ui.features import diarization, live_console, transcription

    if window.current_session_id() != session_id:
        window.set_current_session(session_id)
    if key == "record":
        return live_console.open_console(window, session_id)
    if key == "import":
        return sa.import_audio(window)
    if key == "transcribe":
        return transcription.transcribe_action(window)
    if key == "diarize":
        return diarization.find_speakers(window, session_id)
    if key == "speakers":
        return diarization.open_speakers(window, session_id)
    if key == "code":
        from focusdesk.ui.features import transcript_editor

        editor = transcript_editor.open_editor(window, session_id)
        window.coding.follow_editor()
        window.coding.focus_search()
        return editor
    raise ValueError(f"Unknown step {key!r}")
