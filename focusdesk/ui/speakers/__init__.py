"""Speakers: finding the voices of a session (diarization job) and mapping them to people."""
