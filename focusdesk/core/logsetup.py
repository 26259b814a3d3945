"""Logging for the command line and job children, set from the environment.

``FOCUSDESK_LOG_LEVEL`` (DEBUG, INFO, …) and ``FOCUSDESK_LOG_FILE`` (a file to append to) reach
the job child processes too, since they inherit the environment, so one setting shows what a
whole run logged, apart from what the command prints for the user. Log lines carry no
participant data (no transcript text, names, session or file names): tested by running the main
workflows at DEBUG and searching the file.
"""

from __future__ import annotations

import logging
import os

LEVEL_ENV = "FOCUSDESK_LOG_LEVEL"
FILE_ENV = "FOCUSDESK_LOG_FILE"
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def configure_logging(verbose: bool = False) -> None:
    """The root logger from the environment (else INFO with ``verbose``, else WARNING) to stderr
    or ``FOCUSDESK_LOG_FILE``; a logger someone configured already is left alone."""
    name = os.environ.get(LEVEL_ENV, "").strip().upper()
    level = logging.getLevelName(name) if name else (logging.INFO if verbose else logging.WARNING)
    if not isinstance(level, int):
        level = logging.WARNING
    path = os.environ.get(FILE_ENV)
    if path:
        logging.basicConfig(level=level, format=FORMAT, filename=path, encoding="utf-8")
    else:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
