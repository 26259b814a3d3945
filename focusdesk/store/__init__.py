"""SQLite storage through sqlite-utils: one database per study folder."""

from focusdesk.store.workspace import Workspace, WorkspaceError, open_workspace

__all__ = ["Workspace", "WorkspaceError", "open_workspace"]
