"""How a diarization run was made: the engine's method and settings, and why they were chosen.

The default engine switches to a faster setting when the computer is too slow for a long file
(``diarize/engine.py``); the run records which one ran (JSON, e.g. ``{"method": "overlap",
"step_s": 2.5, "chosen_by": "auto: within budget"}``), so a researcher can tell later.
"""

NUMBER = 12

SQL = """
ALTER TABLE diarization_runs ADD COLUMN settings TEXT;
"""
