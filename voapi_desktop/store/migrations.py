"""The numbered migration ladder: one transaction per step, SQLite backed up first.

Add a step by appending to STEPS; never edit a step that has shipped.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Callable

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations

from . import tables
from .tables import database

log = logging.getLogger(__name__)


def _step_initial(db: pw.Database) -> None:
    db.create_tables(tables.ALL_TABLES, safe=True)


def _step_log_indexes(db: pw.Database) -> None:
    for name, columns in (("log_created_at_id", "created_at, id"), ("log_created_at_type", "created_at, type"),
                          ("log_user_id_id", "user_id, id"), ("log_token_id_created_at", "token_id, created_at"),
                          ("log_request_id", "request_id")):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {name} ON log ({columns})')


def _step_billing(db: pw.Database) -> None:
    db.create_tables(tables.BILLING_TABLES, safe=True)


def _step_risk(db: pw.Database) -> None:
    db.create_tables(tables.RISK_TABLES, safe=True)


def _step_cache_write_ratio(db: pw.Database) -> None:
    # A database created after this column was added already has it (step 3 creates the current table).
    if "cache_write_ratio" not in {column.name for column in db.get_columns("model_price")}:
        db.execute_sql("ALTER TABLE model_price ADD COLUMN cache_write_ratio VARCHAR(32)")


def _step_risk_action(db: pw.Database) -> None:
    if "action" not in {column.name for column in db.get_columns("risk_event")}:
        db.execute_sql("ALTER TABLE risk_event ADD COLUMN action VARCHAR(32) NOT NULL DEFAULT ''")


def _step_topup(db: pw.Database) -> None:
    db.create_tables(tables.TOPUP_TABLES, safe=True)


def _step_oauth_ids(db: pw.Database) -> None:
    # Nullable and unique: many users have no linked account, no two share one.
    migrator = SchemaMigrator.from_database(db)
    present = {column.name for column in db.get_columns("user")}
    for name in ("github_id", "linuxdo_id"):
        if name not in present:
            run_migrations(migrator.add_column("user", name, pw.CharField(max_length=64, null=True)),
                           migrator.add_index("user", (name,), unique=True))


def _step_verification_codes(db: pw.Database) -> None:
    db.create_tables(tables.MAIL_TABLES, safe=True)


STEPS: list[tuple[int, str, Callable[[pw.Database], None]]] = [
    (1, "users, tokens, channels, abilities, options, logs", _step_initial),
    (2, "indexes for log queries by time, user, token and request id", _step_log_indexes),
    (3, "prices, reservations, hourly usage, redemption codes, check-ins, job state", _step_billing),
    (4, "risk events (sensitive-word refusals) and login records", _step_risk),
    (5, "prices: a ratio for prompt-cache writes", _step_cache_write_ratio),
    (6, "risk events: the action taken (refused or recorded, and a ban)", _step_risk_action),
    (7, "online top-up orders (Epay)", _step_topup),
    (8, "users: linked GitHub and LinuxDO accounts (unique when set)", _step_oauth_ids),
    (9, "mail verification codes, shared by every gateway of the database", _step_verification_codes),
]
LATEST = STEPS[-1][0]


def current_version(db: pw.Database) -> int:
    """Schema version of the open database; 0 for an empty one."""
    if not db.table_exists("schema_version"):
        return 0
    row = tables.SchemaVersion.select().order_by(tables.SchemaVersion.version.desc()).first()
    return row.version if row else 0


def _backup_sqlite(db: pw.Database, version: int) -> Path | None:
    if not isinstance(db, pw.SqliteDatabase) or db.database == ":memory:" or version == 0:
        return None
    target = Path(f"{db.database}.v{version}.{time.strftime('%Y%m%d%H%M%S')}.bak")
    with sqlite3.connect(target) as dest:
        db.connection().backup(dest)
    return target


def migrate(db: pw.Database | None = None, upto: int = LATEST) -> int:
    """Apply every pending step up to `upto`; return the resulting version."""
    db = db or database.obj
    db.create_tables([tables.SchemaVersion], safe=True)
    version = current_version(db)
    pending = [step for step in STEPS if version < step[0] <= upto]
    if pending:
        backup = _backup_sqlite(db, version)
        if backup:
            log.info("backed up the database to %s before migrating", backup)
    for number, description, apply in pending:
        with db.atomic():
            apply(db)
            tables.SchemaVersion.delete().execute()
            tables.SchemaVersion.create(version=number)
        log.info("migrated database to version %d: %s", number, description)
        version = number
    return version
