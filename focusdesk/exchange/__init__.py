"""Import and export: one module per format, all built on ``session_data`` (what a session looks
like once pseudonyms and the redaction list are applied) and ``safe_write`` (no half files)."""
