"""The matrix-view screenshot for the README's "Coding and analysis" section: a real window on a
virtual X screen, over the demo study with synthetic transcripts and codings (bench/analysis.py).

Run: xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/make_coding_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.analysis import build_study  # noqa: E402
from focusdesk.ui.app import make_app  # noqa: E402
from focusdesk.ui.main_window import MainWindow  # noqa: E402

OUT = Path(__file__).parent / "screenshots"


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
    OUT.mkdir(exist_ok=True)
    window.grab().save(str(OUT / "matrix.png"))
    print(f"wrote {OUT / 'matrix.png'}")
    window.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
