"""An append-only audit log, and withdrawn participants.

The audit log answers an ethics committee's "who did what, when": study created, protected,
exported, participant withdrawn, backup created or restored, session deleted. Rows hold codes and
ids, never transcript text or names. Triggers refuse UPDATE and DELETE, so a row once written
stays (a restored backup gets the newer rows appended again, see ``store/backups.py``).

A withdrawn participant keeps their row (code kept, name and attributes cleared) so exports can
say "[withdrawn]"; ``withdrawn_speakers`` remembers which voices were theirs, so their voice can
be silenced in exported audio even when their passages were kept anonymised.
"""

NUMBER = 14

SQL = """
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
ALTER TABLE participants ADD COLUMN withdrawn_at TEXT NOT NULL DEFAULT '';
ALTER TABLE participants ADD COLUMN withdrawal TEXT NOT NULL DEFAULT '';
CREATE TABLE withdrawn_speakers (
    speaker_id INTEGER PRIMARY KEY REFERENCES speakers(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    anonymised INTEGER NOT NULL DEFAULT 0
);
"""
