"""focusdesk: record, transcribe, code and export focus groups and interviews, offline."""

__version__ = "0.1.0"
