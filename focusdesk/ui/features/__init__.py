"""Feature modules: each has ``install(window)`` that adds its menus, actions and views.

The main window finds them automatically, so a feature never edits main_window.py.
"""
