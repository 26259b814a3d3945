"""Markers, codings and memos: everything that points at media time."""

from __future__ import annotations

import sqlite_utils

from focusdesk.core.model import Coding, Marker, Memo
from focusdesk.store.tx import now_iso, transaction

# --- markers ---------------------------------------------------------------------------------


def add_marker(db: sqlite_utils.Database, m: Marker) -> Marker:
    m.created_at = m.created_at or now_iso()
    m.id = db["markers"].insert({
        "session_id": m.session_id, "ms": int(m.ms), "guide_item_key": m.guide_item_key,
        "tag": m.tag, "note": m.note, "created_at": m.created_at,
    }).last_pk
    return m


def restore_marker(db: sqlite_utils.Database, m: Marker) -> None:
    """Write a deleted marker back with its old id, for undo (later commands may point at it)."""
    with transaction(db):
        db.execute("INSERT INTO markers (id, session_id, ms, guide_item_key, tag, note, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [m.id, m.session_id, int(m.ms), m.guide_item_key, m.tag, m.note, m.created_at])


def update_marker(db: sqlite_utils.Database, m: Marker) -> Marker:
    db["markers"].update(m.id, {"ms": int(m.ms), "guide_item_key": m.guide_item_key,
                                "tag": m.tag, "note": m.note})
    return m


def delete_marker(db: sqlite_utils.Database, marker_id: int) -> None:
    db["markers"].delete(marker_id)


def list_markers(db: sqlite_utils.Database, session_id: int) -> list[Marker]:
    return [Marker(**r) for r in db["markers"].rows_where(
        "session_id = ?", [session_id], order_by="ms, id")]


# --- codings ---------------------------------------------------------------------------------

def add_coding(db: sqlite_utils.Database, c: Coding) -> Coding:
    if c.end_ms < c.start_ms:
        raise ValueError("A coding must end after it starts.")
    c.created_at = c.created_at or now_iso()
    if c.coder_id is None:
        from focusdesk.store.coders import current_coder

        c.coder_id = current_coder(db).id
    c.id = db["codings"].insert({
        "session_id": c.session_id, "code_id": c.code_id, "start_ms": int(c.start_ms),
        "end_ms": int(c.end_ms), "speaker_id": c.speaker_id, "memo": c.memo,
        "created_at": c.created_at, "coder_id": c.coder_id,
    }).last_pk
    return c


def update_coding(db: sqlite_utils.Database, c: Coding) -> Coding:
    db["codings"].update(c.id, {"code_id": c.code_id, "start_ms": int(c.start_ms),
                                "end_ms": int(c.end_ms), "speaker_id": c.speaker_id, "memo": c.memo})
    return c


def delete_coding(db: sqlite_utils.Database, coding_id: int) -> None:
    db["codings"].delete(coding_id)


def list_codings(db: sqlite_utils.Database, session_id: int | None = None,
                 code_id: int | None = None) -> list[Coding]:
    where, args = [], []
    if session_id is not None:
        where.append("session_id = ?")
        args.append(session_id)
    if code_id is not None:
        where.append("code_id = ?")
        args.append(code_id)
    return [Coding(**r) for r in db["codings"].rows_where(
        " AND ".join(where) or None, args, order_by="session_id, start_ms, id")]


# --- memos -----------------------------------------------------------------------------------

def add_memo(db: sqlite_utils.Database, m: Memo) -> Memo:
    m.created_at = m.created_at or now_iso()
    m.updated_at = m.updated_at or m.created_at
    if m.coder_id is None:
        from focusdesk.store.coders import current_coder

        m.coder_id = current_coder(db).id
    m.id = db["memos"].insert({
        "title": m.title, "body": m.body, "session_id": m.session_id, "code_id": m.code_id,
        "participant_id": m.participant_id, "created_at": m.created_at, "updated_at": m.updated_at,
        "coder_id": m.coder_id,
    }).last_pk
    return m


def update_memo(db: sqlite_utils.Database, m: Memo) -> Memo:
    m.updated_at = now_iso()
    db["memos"].update(m.id, {"title": m.title, "body": m.body, "session_id": m.session_id,
                              "code_id": m.code_id, "participant_id": m.participant_id,
                              "updated_at": m.updated_at})
    return m


def list_memos(db: sqlite_utils.Database) -> list[Memo]:
    return [Memo(**r) for r in db["memos"].rows_where(order_by="id")]
