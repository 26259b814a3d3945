"""Child process for tests/test_queue_runs.py: the real window running the study's queue
(Session ▸ Process all sessions…) with the fake jobs of tests/queue_fakes.py, until the test
kills it with SIGKILL. Task 1's job is quick, every other one would run 30 s.

Usage: python queue_window_child.py STUDY_DIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from PySide6.QtWidgets import QApplication  # noqa: E402
from queue_fakes import FakeJob, Seen  # noqa: E402

from focusdesk.store import open_workspace  # noqa: E402
from focusdesk.ui.features.queue import controller  # noqa: E402
from focusdesk.ui.main_window import MainWindow  # noqa: E402


def main() -> int:
    app = QApplication(sys.argv[:1])
    ws = open_workspace(sys.argv[1], exclusive=True)
    win = MainWindow(ws)
    win.show()
    ctrl = controller(win)
    seen = Seen()
    ctrl.make_job = lambda ws, task: FakeJob(ws, task, seen, n=3 if task.id == 1 else 600, sleep=0.05)
    ctrl.process_all()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
