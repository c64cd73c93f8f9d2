"""The migration ladder: an old database reaches the latest version with its data intact."""

from __future__ import annotations

import peewee as pw

from voapi_desktop.store import migrations
from voapi_desktop.store.db import make_database, open_database
from voapi_desktop.store.tables import Channel, ModelPriceRow, User, database


def _index_names(db: pw.Database) -> set[str]:
    return {index.name for index in db.get_indexes("log")}


def test_an_empty_database_migrates_to_the_latest_version(tmp_path):
    db = open_database(tmp_path)
    assert migrations.migrate(db) == migrations.LATEST
    assert {"user", "token", "channel", "ability", "option", "log"} <= set(db.get_tables())
    assert migrations.current_version(db) == migrations.LATEST


def test_a_version_1_database_migrates_and_keeps_its_rows(tmp_path):
    db = open_database(tmp_path)
    assert migrations.migrate(db, upto=1) == 1
    User.create(username="alice", password="x", quota=42)
    Channel.create(key="k", name="c1", models="gpt-4o")
    assert "log_created_at_id" not in _index_names(db)

    assert migrations.migrate(db) == migrations.LATEST
    assert "log_created_at_id" in _index_names(db)
    assert User.get(User.username == "alice").quota == 42
    assert Channel.get(Channel.name == "c1").models == "gpt-4o"
    backups = list(tmp_path.glob("voapi.db.v1.*.bak"))
    assert len(backups) == 1, "SQLite is backed up before migrating"


def test_migrating_twice_changes_nothing(tmp_path):
    db = open_database(tmp_path)
    migrations.migrate(db)
    User.create(username="bob", password="x")
    assert migrations.migrate(db) == migrations.LATEST
    assert User.select().count() == 1
    assert not list(tmp_path.glob("*.bak"))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    open_database(tmp_path, busy_timeout_ms=7000)
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 7000


def test_dsns_select_the_backend(tmp_path):
    mysql = make_database(tmp_path, "root:123456@tcp(db.internal:3306)/voapi?charset=utf8mb4&parseTime=True&loc=Local")
    assert isinstance(mysql, pw.MySQLDatabase) and mysql.database == "voapi"
    assert mysql.connect_params["host"] == "db.internal" and mysql.connect_params["port"] == 3306
    assert isinstance(make_database(tmp_path, "mysql://u:p@h:3307/x"), pw.MySQLDatabase)
    postgres = make_database(tmp_path, "postgres://u:p@h:5432/voapi")
    assert isinstance(postgres, pw.PostgresqlDatabase) and postgres.database == "voapi"
    assert isinstance(make_database(tmp_path), pw.SqliteDatabase)


def test_a_price_table_from_before_cache_write_ratios_gets_the_column(tmp_path):
    db = open_database(tmp_path)
    migrations.migrate(db, upto=2)
    db.execute_sql("CREATE TABLE model_price (model VARCHAR(255) PRIMARY KEY, ratio VARCHAR(32), "
                   "completion_ratio VARCHAR(32), cache_ratio VARCHAR(32), price VARCHAR(32), "
                   "updated_at BIGINT NOT NULL)")
    db.execute_sql("INSERT INTO model_price (model, ratio, updated_at) VALUES ('m', '2', 0)")
    assert migrations.migrate(db) == migrations.LATEST
    assert "cache_write_ratio" in {column.name for column in db.get_columns("model_price")}
    row = ModelPriceRow.get(ModelPriceRow.model == "m")
    assert (row.ratio, row.cache_write_ratio) == ("2", None)


def test_migration_9_adds_the_code_table_to_a_version_8_database(tmp_path):
    db = open_database(tmp_path)
    assert migrations.migrate(db, upto=8) == 8
    assert "verification_code" not in db.get_tables()
    assert migrations.migrate(db) == migrations.LATEST >= 9
    assert "verification_code" in db.get_tables()
    assert {index.name for index in db.get_indexes("verification_code") if index.unique}
