"""The matrix-view screenshot for the README's "Coding and analysis" section: a real window on a
virtual X screen, over the demo study with synthetic transcripts and codings (bench/analysis.py).

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_coding_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from shots import close, save  # first: puts the checkout on sys.path

from bench.analysis import build_study
from focusdesk.ui.app import make_app
from focusdesk.ui.main_window import MainWindow


def main() -> int:
    app = make_app()
    built = build_study(Path(tempfile.mkdtemp()) / "demo-study", n_codings=420, hours=1.5)
    built["ws"].close()
    from focusdesk.store.workspace import open_workspace

    ws = open_workspace(built["ws"].root, exclusive=True)
    window = MainWindow(ws)
    window.resize(1360, 820)
    window.show()
    view = window.coding.open_matrix()
    view.set_measure("share")
    view.table.setCurrentCell(0, 5)
    for _ in range(30):
        app.processEvents()
    save(window, "matrix.png")
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
