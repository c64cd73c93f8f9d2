"""Write transactions that take the lock up front (no SQLITE_BUSY on a read-to-write upgrade)."""

from __future__ import annotations

import peewee as pw

from .tables import database


def write_transaction():
    """A transaction that takes the write lock at once (SQLite BEGIN IMMEDIATE)."""
    db = database.obj
    if isinstance(db, pw.SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()
