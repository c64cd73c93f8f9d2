"""Admin commands write one MANAGE row each: "cli" from "local", what was done, the names of the fields
set (never their values) and the OS account in other.os_user; list/show commands and failed ones write none."""

from __future__ import annotations

import orjson
import pytest

from tests.cli_harness import Cli, clean_env  # noqa: F401 - clean_env: autouse fixture
from voapi_desktop.commands import os_user
from voapi_desktop.store import channels, redemptions, tokens, users
from voapi_desktop.store.logs import MANAGE
from voapi_desktop.store.tables import Log

SECRET = "sk-" + "Cl1Audit" * 6
PASSWORD = "Pa55word-never-logged"


@pytest.fixture
def cli(capsys, tmp_path) -> Cli:
    made = Cli(capsys, tmp_path / "data")
    assert made("option", "list") == 0  # creates the store
    return made


def manage_rows() -> list[dict]:
    return [{"who": r.username, "ip": r.ip, "what": r.content, "other": orjson.loads(r.other or "{}")}
            for r in Log.select().where(Log.type == MANAGE).order_by(Log.id)]


def audited(cli: Cli, *args: str, what: str, fields: list[str] | None = None) -> dict:
    """Run one command; it must succeed and add exactly one row, saying `what`."""
    before = len(manage_rows())
    assert cli(*args) == 0, cli.err
    rows = manage_rows()
    assert len(rows) == before + 1, rows[before:]
    row = rows[-1]
    assert (row["who"], row["ip"], row["what"]) == ("cli", "local", what)
    assert row["other"].get("fields", []) == sorted(fields or [])
    assert row["other"].get("os_user", "") == os_user()
    return row


def test_channel_token_and_user_commands_are_audited(cli):
    audited(cli, "channel", "add", "--type", "OpenAI", "--name", "main", "--key", SECRET, "--models", "gpt-4o",
            "--priority", "2", what="add channel main",
            fields=["type", "name", "key", "models", "group", "priority", "weight", "key_mode", "auto_ban"])
    channel = channels.list_channels()[0]
    audited(cli, "channel", "disable", str(channel.id), what=f"disable channel {channel.id}", fields=["status"])
    audited(cli, "channel", "enable", str(channel.id), what=f"enable channel {channel.id}", fields=["status"])
    audited(cli, "token", "create", "--name", "laptop", "--quota", "1000", what="create token laptop",
            fields=["username", "name", "quota", "unlimited", "expires_at"])
    audited(cli, "user", "add", "--username", "alice", "--password", PASSWORD, what="create user alice",
            fields=["username", "password", "role", "quota", "group"])
    alice = users.find_user("alice")
    audited(cli, "user", "passwd", "alice", "--password", PASSWORD + "2", what=f"set password of user {alice.id}",
            fields=["password"])
    audited(cli, "user", "topup", "alice", "--quota", "500", what=f"top up user {alice.id}", fields=["quota"])
    audited(cli, "user", "topup", "alice", "--quota", "-100", what=f"deduct quota of user {alice.id}",
            fields=["quota"])
    trail = repr(manage_rows())
    assert SECRET not in trail and PASSWORD not in trail and tokens.list_tokens()[0].key not in trail


def test_option_price_log_and_code_commands_are_audited(cli):
    row = audited(cli, "option", "set", "SMTP_TOKEN", SECRET, what="set option SMTP_TOKEN", fields=["SMTP_TOKEN"])
    assert SECRET not in repr(row)
    audited(cli, "price", "set", "my-model", "--ratio", "2", "--completion-ratio", "4", what="set price my-model",
            fields=["ratio", "completion_ratio"])
    audited(cli, "group-ratio", "set", "vip", "0.8", what="set group ratio vip", fields=["GROUP_RATIO"])
    audited(cli, "redemption", "create", "--name", "promo", "--quota", "1000", "--count", "2",
            what="create redemption codes promo", fields=["name", "quota", "count", "expires_at"])
    first, second = sorted(redemptions.list_codes(), key=lambda c: c.id)
    audited(cli, "redemption", "disable", first.key, what=f"disable redemption code {first.id}", fields=["status"])
    audited(cli, "redemption", "redeem", second.key, "--user", "root",
            what=f"redeem redemption code {second.id} for user {users.find_user('root').id}", fields=["quota"])
    audited(cli, "log", "prune", "--before", "2020-01-01", what="delete logs before 2020-01-01")
    trail = repr(manage_rows())
    assert first.key not in trail and second.key not in trail


def test_reading_and_failing_commands_write_no_row(cli):
    for args in (("channel", "list"), ("token", "list"), ("user", "list"), ("option", "list"),
                 ("option", "get", "SYSTEM_NAME"), ("price", "list"), ("redemption", "list"), ("log", "list")):
        assert cli(*args) == 0, (args, cli.err)
    for args in (("channel", "disable", "999"), ("option", "set", "LOG_RETENTION_DAYS", "-1"),
                 ("user", "topup", "nobody", "--quota", "5"), ("redemption", "disable", "no-such-code"),
                 ("token", "create", "--name", "x", "--user", "nobody")):
        assert cli(*args) != 0, args
    assert manage_rows() == []


def test_the_os_account_is_optional(monkeypatch):
    def no_account():
        raise OSError("no user name")
    monkeypatch.setattr("getpass.getuser", no_account)
    assert os_user() == ""
