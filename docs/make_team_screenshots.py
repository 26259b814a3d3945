"""Team analysis, from the demo study, the way a team works: two copies for two coders (Ana, Ben),
each codes Focus group 1 on their own (Ben differs on a few passages), both copies are merged back,
then the Agreement view with a disagreement selected (docs/screenshots/agreement.png) and the
transcript editor showing both coders' marks (docs/screenshots/editor-coders.png).

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_team_screenshots.py
(builds the demo first, about two minutes, unless FOCUSDESK_DEMO names one already built).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from shots import close, demo_folder, save  # first: puts the checkout on sys.path

from focusdesk.store import coders as coder_store
from focusdesk.store import coding_ops, merge, sessions, study_copy
from focusdesk.store.workspace import open_workspace
from focusdesk.ui.app import make_app
from focusdesk.ui.features import transcript_editor
from focusdesk.ui.main_window import MainWindow

SESSION = "Focus group 1"


def code_copy(root: Path, coder: str, folder: Path, differ: bool) -> Path:
    """``coder``'s copy with their own codings of the session: the demo's, or (``differ``) some
    boundaries moved, one passage left out and one given another code."""
    with open_workspace(root) as ws:
        study_copy.copy_for(ws, coder, folder)
    with open_workspace(folder) as ws:
        sid = sessions.session_by_name(ws.db, SESSION).id
        default = coder_store.codings_of(ws.db, [coder_store.DEFAULT_ID], session_id=sid)
        other_code = default[-1].code_id
        for i, c in enumerate(default):
            start, end, code = c.start_ms, c.end_ms, c.code_id
            if differ and i == 1:
                continue  # Ben did not code this one
            if differ and i == 2:
                start, end = start + 1_500, end + 2_500
            if differ and i == 3:
                code = other_code
            coding_ops.apply_code(ws.db, sid, code, start, end)
    return folder


def main() -> int:
    app = make_app()
    root = demo_folder()
    work = Path(tempfile.mkdtemp())
    for coder, differ in (("Ana", False), ("Ben", True)):
        copy = code_copy(root, coder, work / coder, differ)
        with open_workspace(root) as ws, open_workspace(copy) as other:
            print(merge.merge_copy(ws.db, other.db).summary())
    with open_workspace(root) as ws:
        coder_store.use_coder(ws.db, "Ana")
    window = MainWindow(open_workspace(root, exclusive=True))
    window.resize(1440, 900)
    window.show()
    fg1 = sessions.session_by_name(window.workspace.db, SESSION).id
    window.set_current_session(fg1)
    view = window.coders.open_agreement()
    view.set_coders(["Ana", "Ben"])
    view.reload()
    for _ in range(30):
        app.processEvents()
    if view.disagreements.count():
        view.disagreements.setCurrentRow(0)
    for _ in range(30):
        app.processEvents()
    save(window, "agreement.png", f" ({view.disagreements.count()} disagreement(s))")
    transcript_editor.open_editor(window, fg1)
    for _ in range(30):
        app.processEvents()
    save(window, "editor-coders.png")
    close(window)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
