"""Feature modules: each has ``install(window)`` that adds its menus, actions and views.

``MainWindow`` installs them from its ``FEATURES`` list, in the order a study is worked on
(record, import, transcribe, find and name speakers, edit, code, analyse, export), so menus list
their actions in that order. A new feature is added to that list by hand, at its place.
"""
