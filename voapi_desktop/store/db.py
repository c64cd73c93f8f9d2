"""Open the database named by the settings: SQLite in the data dir, or SQL_DSN."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import peewee as pw

from ..core.dsn import parse_dsn, redact_dsn
from .private_files import private_dir, private_file
from .tables import database

log = logging.getLogger(__name__)

SQLITE_FILE = "voapi.db"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened; the message says what to do."""


def sqlite_pragmas(busy_timeout_ms: int) -> dict:
    return {
        "journal_mode": "wal",
        "synchronous": "normal",
        "foreign_keys": 1,
        "cache_size": -32000,
        "busy_timeout": busy_timeout_ms,
    }


def make_database(data_dir: Path, dsn: str = "", busy_timeout_ms: int = 10000) -> pw.Database:
    """Build (not connect) the peewee database for a data dir or a DSN."""
    if not dsn:
        return pw.SqliteDatabase(str(data_dir / SQLITE_FILE), pragmas=sqlite_pragmas(busy_timeout_ms),
                                 timeout=busy_timeout_ms / 1000)
    spec = parse_dsn(dsn)
    if spec.kind == "sqlite":
        return pw.SqliteDatabase(spec.database, pragmas=sqlite_pragmas(busy_timeout_ms),
                                 timeout=busy_timeout_ms / 1000)
    common = {"host": spec.host, "port": spec.port, "user": spec.user, "password": spec.password}
    common = {k: v for k, v in common.items() if v is not None}
    if spec.kind == "mysql":
        params = dict(spec.params)
        params.setdefault("charset", "utf8mb4")
        return pw.MySQLDatabase(spec.database, **common, **params)
    return pw.PostgresqlDatabase(spec.database, **common, **dict(spec.params))


def open_database(data_dir: Path, dsn: str = "", busy_timeout_ms: int = 10000) -> pw.Database:
    """Bind the table proxy to the configured database and check that it answers."""
    if not dsn:
        try:
            private_dir(data_dir)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create the data dir {data_dir}: {exc.strerror}; "
                                      "choose another with --data-dir or DATA_DIR") from exc
        if not os.access(data_dir, os.W_OK):
            raise DatabaseUnavailable(f"the data dir {data_dir} is not writable; "
                                      "fix its permissions or choose another with --data-dir")
        private_file(data_dir / SQLITE_FILE)  # 0600 before SQLite creates it (its -wal/-shm follow)
    db = make_database(data_dir, dsn, busy_timeout_ms)
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1")
    except pw.OperationalError as exc:
        where = redact_dsn(dsn) if dsn else str(data_dir / SQLITE_FILE)
        raise DatabaseUnavailable(f"cannot open the database {where}: {exc}") from exc
    database.initialize(db)
    return db


def close_database() -> None:
    """Close this thread's connection (other threads close theirs on exit)."""
    if database.obj is not None and not database.is_closed():
        database.close()
