"""Migration 3 again, for studies that were already past version 3 when it was added.

Migration 3 (transcription runs) landed after 6 and 7, so a study created in between is at
version 7 without the ``transcription_runs`` table and would fail at its first transcription.
Its statements are idempotent, so this is a no-op everywhere else.
"""

from focusdesk.store.migrations.m003_transcription import SQL as _M003

NUMBER = 8

SQL = _M003
