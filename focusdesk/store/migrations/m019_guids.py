"""Stable ids: sessions, speakers, segments and codes carry a GUID, so that a coder's copy of the
study (``focusdesk study copy-for``) can be merged back by matching what each row *is*, not its
row id (a session added in the copy and another added here may share an id).

Existing rows get a random GUID now; a row made later gets one when a copy or a merge first
needs it (``store/guids.ensure``), so no insert path has to know about them.
"""

NUMBER = 19

_G = "lower(hex(randomblob(16)))"

SQL = f"""
ALTER TABLE sessions ADD COLUMN guid TEXT NOT NULL DEFAULT '';
ALTER TABLE speakers ADD COLUMN guid TEXT NOT NULL DEFAULT '';
ALTER TABLE segments ADD COLUMN guid TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN guid TEXT NOT NULL DEFAULT '';
UPDATE sessions SET guid = {_G};
UPDATE speakers SET guid = {_G};
UPDATE segments SET guid = {_G};
UPDATE codes SET guid = {_G};
CREATE INDEX sessions_guid ON sessions(guid);
CREATE INDEX speakers_guid ON speakers(guid);
CREATE INDEX segments_guid ON segments(guid);
CREATE INDEX codes_guid ON codes(guid);
"""
