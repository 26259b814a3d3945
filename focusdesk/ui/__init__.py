"""The Qt window. The only package that imports PySide6."""

from focusdesk.ui import pyside_refs

pyside_refs.apply()  # PySide6 6.12.0 on CPython 3.11 runs None's reference count down
