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


# A shared PostgreSQL/MySQL database aborts one of two transactions that wait on each other (deadlock), or
# times one out; the other instance's work went through, so the aborted one is simply run again.
_CONFLICTS = ("deadlock", "could not serialize", "lock wait timeout")


def is_conflict(exc: BaseException) -> bool:
    """A transaction aborted by the database because of concurrent ones (safe to run again)."""
    return isinstance(exc, pw.OperationalError) and any(word in str(exc).lower() for word in _CONFLICTS)


def retrying(work, attempts: int = 8):
    """Run `work()` (which opens its own transaction) again when the database aborted it for a conflict."""
    import random
    import time
    for attempt in range(attempts):
        try:
            return work()
        except pw.OperationalError as exc:
            if not is_conflict(exc) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.002, 0.02) * (attempt + 1))
