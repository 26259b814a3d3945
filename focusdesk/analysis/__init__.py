"""Analysis over codings and topic sections: retrieval, matrices, framework matrix, coverage.

Plain Python over the store; the window (``focusdesk/ui/coding``) and the CLI
(``focusdesk/commands/coding.py``) only present what these functions compute.
"""
