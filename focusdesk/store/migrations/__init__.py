"""Migrations after the base schema, one module each: ``mNNN_<area>.py`` with ``NUMBER`` and ``SQL``.

They are found automatically and applied in number order. Never edit one that has shipped.
"""
