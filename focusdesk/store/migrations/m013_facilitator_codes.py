"""Facilitators get a pseudonymous code (F1, F2, or a label such as "Moderator").

Transcripts and exports name a facilitator by code, as they name participants by pseudonym, so a
facilitator's real name never reaches a pseudonymised DOCX. Existing facilitators are numbered
F1, F2... in the order they were added.
"""

NUMBER = 13

SQL = """
ALTER TABLE facilitators ADD COLUMN code TEXT NOT NULL DEFAULT '';
UPDATE facilitators SET code = 'F' || (SELECT COUNT(*) FROM facilitators f2 WHERE f2.id <= facilitators.id);
CREATE UNIQUE INDEX facilitators_code ON facilitators(code COLLATE NOCASE);
"""
