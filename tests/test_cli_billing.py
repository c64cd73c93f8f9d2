"""The billing commands: price, group-ratio, log, redemption, user topup, checkin."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from tests.cli_harness import Cli, clean_env  # noqa: F401 - clean_env: autouse fixture
from voapi_desktop.core import clock
from voapi_desktop.store.logs import CONSUME, LogEntry
from voapi_desktop.store.tables import Log


@pytest.fixture
def cli(capsys, tmp_path) -> Cli:
    return Cli(capsys, tmp_path / "data")


def balance(cli: Cli, username: str) -> int:
    return {row["username"]: row for row in cli.json("user", "list")}[username]["quota"]


# --------------------------------------------------------------------------- prices


def test_price_set_with_ratios_and_with_a_fixed_price_shows_in_the_list(cli):
    assert "ratio 1.5, completion ratio 4, cache ratio 0.25" in cli.ok(
        "price", "set", "my-model", "--ratio", "1.5", "--completion-ratio", "4", "--cache-ratio", "0.25")
    assert "$0.04 per call" in cli.ok("price", "set", "my-image", "--price", "0.04")
    rows = {row["model"]: row for row in cli.json("price", "list")}
    assert rows["my-model"] == {"model": "my-model", "source": "custom", "ratio": 1.5, "completion_ratio": 4.0,
                                "cache_ratio": 0.25, "price": None, "cache_write_ratio": 1.0}
    assert (rows["my-image"]["price"], rows["my-image"]["ratio"]) == (0.04, None)
    assert rows["gpt-4o-mini"]["source"] == "default"
    table = cli.ok("price", "list")
    assert table.splitlines()[0].split()[:3] == ["MODEL", "SOURCE", "RATIO"]
    assert any(line.split()[:3] == ["my-model", "custom", "1.5"] for line in table.splitlines())


def test_price_set_with_a_cache_write_ratio(cli):
    assert "cache ratio 0.1, cache write ratio 1.25" in cli.ok(
        "price", "set", "my-claude", "--ratio", "1.5", "--cache-ratio", "0.1", "--cache-write-ratio", "1.25")
    rows = {row["model"]: row for row in cli.json("price", "list")}
    assert (rows["my-claude"]["cache_ratio"], rows["my-claude"]["cache_write_ratio"]) == (0.1, 1.25)
    assert "not with --price" in cli.fails("price", "set", "m", "--price", "0.1", "--cache-write-ratio", "2")
    assert "cache_write_ratio must be a number" in cli.fails(
        "price", "set", "m", "--ratio", "1", "--cache-write-ratio", "lots")


def test_price_set_errors_are_clear(cli):
    assert "--completion-ratio, --cache-ratio and --cache-write-ratio go with --ratio" in cli.fails(
        "price", "set", "m", "--price", "0.1", "--cache-ratio", "1")
    assert "ratio must be a number" in cli.fails("price", "set", "m", "--ratio", "cheap")
    assert "not allowed with argument" in cli.fails("price", "set", "m", "--ratio", "1", "--price", "1")
    assert "one of the arguments --ratio --price is required" in cli.fails("price", "set", "m")


def test_group_ratio_set(cli):
    assert cli.ok("group-ratio", "set", "vip", "0.8").strip() == "vip = 0.8"
    assert "0.8" in cli.ok("option", "get", "GROUP_RATIO")
    assert "must be a number >= 0" in cli.fails("group-ratio", "set", "vip", "abc")
    assert "must be a number >= 0" in cli.fails("group-ratio", "set", "vip", "-1")


# --------------------------------------------------------------------------- wallet


def test_user_topup_and_its_errors(cli):
    cli.ok("user", "add", "--username", "alice", "--password", "password-123")
    assert cli.ok("user", "topup", "alice", "--quota", "5000", "--reason", "welcome").strip() == \
        "alice: +5000 quota; balance 5000"
    assert cli.ok("user", "topup", "alice", "--quota", "-1000").strip() == "alice: -1000 quota; balance 4000"
    assert "below zero" in cli.fails("user", "topup", "alice", "--quota", "-4001")
    assert "non-zero" in cli.fails("user", "topup", "alice", "--quota", "0")
    assert "no user named 'bob'" in cli.fails("user", "topup", "bob", "--quota", "1")
    assert "invalid int value" in cli.fails("user", "topup", "alice", "--quota", "1.5")
    assert balance(cli, "alice") == 4000
    [root] = [row for row in cli.json("user", "list") if row["username"] == "root"]
    assert {"quota", "used_quota"} <= set(root)


def test_redemption_create_redeem_and_list(cli):
    cli.ok("user", "add", "--username", "alice", "--password", "password-123")
    codes = cli.json("redemption", "create", "--quota", "2500", "--count", "3", "--name", "promo")
    assert len(codes) == 3 and all(len(code) == 32 for code in codes)
    plain = cli.ok("redemption", "create", "--quota", "1", "--count", "2").split()
    assert len(plain) == 2
    assert cli.ok("redemption", "redeem", codes[0], "--user", "alice").strip() == \
        "credited 2500 quota to alice; balance 2500"
    assert "already been used" in cli.fails("redemption", "redeem", codes[0], "--user", "alice")
    listed = {row["id"]: row for row in cli.json("redemption", "list")}
    assert [row["status"] for row in listed.values()].count("used") == 1
    assert all(codes[0] != row["key"] for row in listed.values())  # masked unless --reveal
    assert set(codes) <= {row["key"] for row in cli.json("redemption", "list", "--reveal")}
    cli.ok("redemption", "disable", codes[1])
    assert "disabled" in cli.fails("redemption", "redeem", codes[1], "--user", "alice")
    assert balance(cli, "alice") == 2500


def test_redemption_errors_are_clear(cli):
    assert "between 1 and 100" in cli.fails("redemption", "create", "--quota", "1", "--count", "101")
    assert "quota must be" in cli.fails("redemption", "create", "--quota", "0")
    assert "in the future" in cli.fails("redemption", "create", "--quota", "5", "--expires", "2001-01-01")
    assert "ISO 8601" in cli.fails("redemption", "create", "--quota", "5", "--expires", "soon")
    assert "does not exist" in cli.fails("redemption", "redeem", "a" * 32, "--user", "root")
    assert "no user named" in cli.fails("redemption", "redeem", "a" * 32, "--user", "nobody")


def test_checkin(cli):
    assert "turned off" in cli.fails("checkin", "--user", "root")
    cli.ok("option", "set", "CHECKIN_ENABLED", "true")
    cli.ok("option", "set", "CHECKIN_MIN_QUOTA", "300")
    cli.ok("option", "set", "CHECKIN_MAX_QUOTA", "300")
    before = balance(cli, "root")
    assert cli.json("checkin", "--user", "root") == {"username": "root", "quota_awarded": 300,
                                                     "balance": before + 300}
    assert "already checked in today" in cli.fails("checkin", "--user", "root")
    cli.ok("option", "set", "CHECKIN_MIN_QUOTA", "400")
    assert "CHECKIN_MIN_QUOTA (400) is above CHECKIN_MAX_QUOTA (300)" in cli.fails("checkin", "--user", "root")


# --------------------------------------------------------------------------- logs


def test_log_list_filters_by_type_user_and_token(cli):
    cli.ok("user", "add", "--username", "alice", "--password", "password-123")
    cli.ok("user", "topup", "alice", "--quota", "10")
    cli.ok("user", "topup", "root", "--quota", "20")
    Log.insert(LogEntry(CONSUME, username="alice", token_name="laptop", model_name="gpt-4o-mini",
                        quota=7).row()).execute()
    rows = cli.json("log", "list")
    assert [row["type_name"] for row in rows if row["type_name"] != "manage"] == ["consume", "topup", "topup"]
    assert [row["type_name"] for row in cli.json("log", "list", "--user", "cli")] == ["manage"] * 3  # test_cli_audit
    assert [row["quota"] for row in cli.json("log", "list", "--type", "topup", "--user", "alice")] == [10]
    assert [row["model_name"] for row in cli.json("log", "list", "--token", "laptop")] == ["gpt-4o-mini"]
    assert len(cli.json("log", "list", "--limit", "1")) == 1
    assert cli.ok("log", "list").splitlines()[0].split()[:3] == ["ID", "TIME", "TYPE"]
    assert "invalid choice" in cli.fails("log", "list", "--type", "spend")
    assert "--limit must be at least 1" in cli.fails("log", "list", "--limit", "0")


def test_log_export_writes_the_range_to_csv(cli, tmp_path):
    cli.ok("option", "list")  # creates the store
    cli.ok("user", "topup", "root", "--quota", "20")
    out = tmp_path / "logs.csv"
    day = date.today().isoformat()
    assert cli.ok("log", "export", "--since", day, "--until", day, "--out", str(out)).strip() == \
        f"wrote 2 rows to {out}"  # the top-up and its audit row
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((row["type"], row["quota"], row["username"]) for row in rows) == [("manage", "0", "cli"),
                                                                                   ("topup", "20", "root")]
    assert abs(datetime.fromisoformat(rows[0]["created_at"]).timestamp() - clock.now()) < 60
    assert cli.ok("log", "export", "--since", "2000-01-01", "--until", "2000-01-02", "--out", str(out)).strip() \
        == f"wrote 0 rows to {out}"
    assert "--since must be an ISO 8601 date" in cli.fails("log", "export", "--since", "yesterday",
                                                           "--out", str(out))
    assert "after its start" in cli.fails("log", "export", "--since", "2025-01-02T00:00:00",
                                          "--until", "2025-01-01T00:00:00", "--out", str(out))
    assert "cannot write" in cli.fails("log", "export", "--since", day, "--out", str(tmp_path / "no" / "x.csv"))


def test_log_prune_deletes_older_rows(cli):
    cli.ok("option", "list")
    Log.insert(LogEntry(CONSUME, created_at=1_000_000_000).row()).execute()  # 2001
    Log.insert(LogEntry(CONSUME).row()).execute()  # now
    assert cli.ok("log", "prune", "--before", "2020-01-01").strip() == "deleted 1 rows"
    assert [row["type_name"] for row in cli.json("log", "list")] == ["manage", "consume"]  # the prune's audit row


def test_token_list_json_has_remaining_and_used_quota(cli):
    cli.ok("token", "create", "--name", "laptop", "--quota", "1000")
    [row] = cli.json("token", "list")
    assert (row["remain_quota"], row["used_quota"]) == (1000, 0)
