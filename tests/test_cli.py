"""The `voapi-desktop` command line, run in-process through `cli.main` (plus one real `serve` process)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.cli_harness import SETTING_ENV_VARS, Cli, clean_env  # noqa: F401 - clean_env: autouse fixture
from tests.fakes.upstream import Behaviour
from voapi_desktop import __version__
from voapi_desktop.core.settings import SETTINGS
from voapi_desktop.store import channels, tokens, users


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(capsys, data_dir) -> Cli:
    return Cli(capsys, data_dir)


def add_channel(cli: Cli, *extra: str, name: str = "main", key: str = "upstream-key",
                models: str = "gpt-4o-mini") -> int:
    assert cli("channel", "add", "--type", "OpenAI", "--name", name, "--key", key, "--models", models,
               *extra) == 0, cli.err
    return int(cli.out.strip())


def channel_row(cli: Cli, channel_id: int) -> dict:
    rows = {row["id"]: row for row in cli.json("channel", "list")}
    return rows[channel_id]


# --------------------------------------------------------------------------- version, first run


def test_version(cli):
    assert cli("--version") == 0
    assert cli.out.strip() == f"voapi-desktop {__version__}"


def test_first_run_creates_root(cli, data_dir):
    assert cli("user", "list") == 0
    assert (data_dir / "voapi.db").exists()
    lines = cli.out.splitlines()
    assert lines[0].split()[:3] == ["ID", "USERNAME", "ROLE"]
    assert lines[1].split()[:3] == ["1", "root", "root"]

    [root] = cli.json("user", "list")
    assert root["username"] == "root" and root["role_name"] == "root" and root["status"] == "enabled"
    assert root["quota"] == 500_000_000 and root["used_quota"] == 0
    assert users.verify_password("root", users.DEFAULT_ROOT_PASSWORD) is not None


def test_initial_root_password_is_honoured(cli, monkeypatch):
    monkeypatch.setenv("INITIAL_ROOT_PASSWORD", "a-better-secret")
    assert cli("user", "list") == 0
    assert users.verify_password("root", "a-better-secret") is not None
    assert users.verify_password("root", users.DEFAULT_ROOT_PASSWORD) is None


def test_database_opened_twice_keeps_one_root(cli):
    assert cli("user", "list") == 0
    assert [u["username"] for u in cli.json("user", "list")] == ["root"]


# --------------------------------------------------------------------------- channels


def test_channel_add_and_list(cli):
    channel_id = add_channel(cli, "--base-url", "https://upstream.example/", "--group", "g1,g2",
                             "--priority", "5", "--weight", "3",
                             "--model-mapping", '{"gpt-4o": "gpt-4o-2024-08-06"}',
                             models="gpt-4o,gpt-4o-mini")
    assert channel_id == 1

    assert cli("channel", "list") == 0
    lines = cli.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "TYPE", "STATUS", "PRIORITY", "WEIGHT", "MODELS", "GROUPS",
                                "RESPONSE", "MS"]
    assert lines[1].split()[:5] == ["1", "main", "OpenAI", "enabled", "5"]

    row = channel_row(cli, channel_id)
    assert row["name"] == "main" and row["type_name"] == "OpenAI" and row["type"] == 1
    assert row["status"] == channels.ENABLED and row["status_name"] == "enabled"
    assert row["models"] == "gpt-4o,gpt-4o-mini"
    assert row["groups"] == "g1,g2"
    assert (row["priority"], row["weight"]) == (5, 3)
    assert row["base_url"] == "https://upstream.example"
    assert row["keys"] == 1
    assert "upstream-key" not in cli.out  # keys are never listed
    assert channels.get_channel(channel_id).model_mapping == {"gpt-4o": "gpt-4o-2024-08-06"}


def test_channel_add_defaults(cli):
    channel_id = add_channel(cli)
    row = channel_row(cli, channel_id)
    assert row["groups"] == "default"
    assert (row["priority"], row["weight"]) == (0, 0)
    assert row["base_url"] == "https://api.openai.com"  # the type's official URL


def test_channel_add_json(cli):
    created = cli.json("channel", "add", "--type", "deepseek", "--name", "ds", "--key", "k",
                       "--models", "deepseek-chat")
    assert isinstance(created["id"], int)
    assert channel_row(cli, created["id"])["type_name"] == "DeepSeek"


def test_channel_add_several_keys(cli):
    channel_id = add_channel(cli, key="k1\\nk2")  # a literal \n separates keys on the command line
    assert channel_row(cli, channel_id)["keys"] == 2
    assert channels.get_channel(channel_id).keys == ("k1", "k2")


def test_channel_add_unknown_type(cli):
    message = cli.fails("channel", "add", "--type", "NoSuchVendor", "--name", "x", "--key", "k",
                        "--models", "m")
    assert "unknown channel type 'NoSuchVendor'" in message
    assert "OpenAI" in message  # lists the known types
    assert cli.json("channel", "list") == []


def test_channel_add_bad_model_mapping_json(cli):
    message = cli.fails("channel", "add", "--type", "OpenAI", "--name", "x", "--key", "k", "--models", "m",
                        "--model-mapping", "{gpt-4o: 1}")
    assert "model mapping is not valid JSON" in message
    assert cli.json("channel", "list") == []


def test_channel_add_model_mapping_cycle(cli):
    message = cli.fails("channel", "add", "--type", "OpenAI", "--name", "x", "--key", "k", "--models", "a,b",
                        "--model-mapping", '{"a": "b", "b": "a"}')
    assert "cycle" in message and "a -> b -> a" in message
    assert cli.json("channel", "list") == []


def test_channel_add_needs_base_url_for_custom(cli):
    message = cli.fails("channel", "add", "--type", "Custom", "--name", "x", "--key", "k", "--models", "m")
    assert "needs a base URL" in message


def test_channel_disable_enable(cli):
    channel_id = add_channel(cli)
    assert cli("channel", "disable", str(channel_id)) == 0
    assert cli.out.strip() == f"channel {channel_id} is disabled"
    row = channel_row(cli, channel_id)
    assert (row["status"], row["status_name"]) == (channels.MANUALLY_DISABLED, "disabled")

    assert cli("channel", "enable", str(channel_id)) == 0
    assert cli.out.strip() == f"channel {channel_id} is enabled"
    row = channel_row(cli, channel_id)
    assert (row["status"], row["status_name"]) == (channels.ENABLED, "enabled")


def test_channel_status_of_unknown_channel(cli):
    assert cli.fails("channel", "disable", "42") == "no channel with id 42"
    assert cli.fails("channel", "test", "42") == "no channel with id 42"


def test_channel_test_ok(cli, upstream):
    channel_id = add_channel(cli, "--base-url", upstream.url, key="good-key")
    assert cli("channel", "test", str(channel_id)) == 0, (cli.out, cli.err)
    assert re.fullmatch(rf"channel {channel_id} with gpt-4o-mini: ok in \d+ ms\n", cli.out)
    request = upstream.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.key == "good-key" and request.model == "gpt-4o-mini"
    assert channel_row(cli, channel_id)["status"] == channels.ENABLED


def test_channel_test_json_and_model(cli, upstream):
    channel_id = add_channel(cli, "--base-url", upstream.url, models="gpt-4o-mini,gpt-4o")
    result = cli.json("channel", "test", str(channel_id), "--model", "gpt-4o")
    assert result["channel_id"] == channel_id
    assert result["ok"] is True and result["status"] == 200 and result["model"] == "gpt-4o"
    assert upstream.requests[-1].model == "gpt-4o"


def test_channel_test_failing_upstream_auto_disables(cli, upstream):
    upstream.behave("revoked-key", Behaviour.invalid_key())
    channel_id = add_channel(cli, "--base-url", upstream.url, key="revoked-key")
    assert cli("channel", "test", str(channel_id)) == 1
    assert f"channel {channel_id} with gpt-4o-mini: FAILED (HTTP 401)" in cli.out
    assert "Incorrect API key provided" in cli.out
    assert "Traceback" not in cli.err

    row = channel_row(cli, channel_id)
    assert row["status"] == channels.AUTO_DISABLED == 3
    assert row["status_name"] == "auto-disabled"
    assert row["status_reason"]


def test_channel_test_no_auto_ban(cli, upstream):
    upstream.behave("revoked-key", Behaviour.invalid_key())
    channel_id = add_channel(cli, "--base-url", upstream.url, "--no-auto-ban", key="revoked-key")
    assert cli("channel", "test", str(channel_id)) == 1
    assert channel_row(cli, channel_id)["status"] == channels.ENABLED


# --------------------------------------------------------------------------- tokens


def test_token_create_prints_full_key(cli):
    assert cli("token", "create", "--name", "laptop") == 0, cli.err
    key = cli.out.strip()
    assert re.fullmatch(r"sk-[A-Za-z0-9]{20,}", key)
    [info] = tokens.list_tokens()
    assert "sk-" + info.key == key
    assert info.name == "laptop" and info.username == "root"
    assert info.unlimited_quota  # no --quota means unlimited
    assert info.expired_time == -1 and info.model_limits == frozenset() and info.allow_ips == ""


def test_token_create_with_limits_and_list_json(cli):
    assert cli("user", "add", "--username", "alice", "--password", "alice-password") == 0, cli.err
    created = cli.json("token", "create", "--name", "ci", "--user", "alice", "--quota", "5000",
                       "--models", "gpt-4o-mini,gpt-4o", "--expires", "2099-01-02T03:04:00",
                       "--allow-ips", "10.0.0.0/8,192.168.1.7")
    assert created["name"] == "ci" and isinstance(created["id"], int)
    full_key = created["key"]
    assert full_key.startswith("sk-")

    [row] = cli.json("token", "list")
    assert row["id"] == created["id"] and row["name"] == "ci" and row["username"] == "alice"
    assert full_key[3:] not in cli.out  # masked
    assert "*" in row["key"] and row["key"] != full_key[3:]
    assert row["key"][:4] == full_key[3:7] and row["key"][-4:] == full_key[-4:]
    assert row["remain_quota"] == 5000 and row["used_quota"] == 0
    assert row["unlimited_quota"] is False
    assert row["state"] == "enabled"
    assert row["models"] == "gpt-4o,gpt-4o-mini"
    assert row["allow_ips"].split() == ["10.0.0.0/8", "192.168.1.7"]  # stored one entry a line
    assert row["expires"] == "2099-01-02T03:04"


def test_token_list_table_and_unlimited(cli):
    assert cli("token", "create", "--name", "free", "--unlimited") == 0
    key = cli.out.strip()
    [row] = cli.json("token", "list")
    assert row["remain_quota"] == "unlimited" and row["unlimited_quota"] is True
    assert row["expires"] == "never"

    assert cli("token", "list") == 0
    lines = cli.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "USER", "KEY", "STATE", "REMAIN", "USED", "MODELS", "EXPIRES"]
    assert key[3:] not in cli.out
    assert lines[1].split()[:3] == ["1", "free", "root"] and "unlimited" in lines[1]


def test_token_list_json_shows_owner_id(cli):
    assert cli("user", "add", "--username", "alice", "--password", "alice-password") == 0, cli.err
    alice_id = int(cli.out)
    assert cli("token", "create", "--name", "ci", "--user", "alice") == 0, cli.err
    [row] = cli.json("token", "list")
    assert row["user_id"] == alice_id


def test_token_create_quota_zero_is_not_unlimited(cli):
    assert cli("token", "create", "--name", "empty", "--quota", "0") == 0, cli.err
    [row] = cli.json("token", "list")
    assert row["unlimited_quota"] is False and row["remain_quota"] == 0
    assert row["state"] == "exhausted"


def test_token_create_unknown_user(cli):
    assert cli.fails("token", "create", "--name", "x", "--user", "nobody") == "no user named 'nobody'"
    assert cli.json("token", "list") == []


@pytest.mark.parametrize("expires, expected", [
    ("next tuesday", "--expires must be an ISO 8601 date or date-time, got 'next tuesday'"),
    ("2001-01-01", "expiry must be in the future"),
])
def test_token_create_invalid_expires(cli, expires, expected):
    assert cli.fails("token", "create", "--name", "x", "--expires", expires) == expected
    assert cli.json("token", "list") == []


def test_token_create_invalid_allow_ips(cli):
    message = cli.fails("token", "create", "--name", "x", "--allow-ips", "10.0.0.1,not-an-ip")
    assert "'not-an-ip'" in message and "allow list" in message
    assert cli.json("token", "list") == []


def test_token_create_quota_and_unlimited_exclusive(cli):
    assert cli("token", "create", "--name", "x", "--quota", "5", "--unlimited") == 2
    assert "not allowed with argument" in cli.err and "Traceback" not in cli.err


# --------------------------------------------------------------------------- users


def test_user_add_and_list(cli):
    assert cli("user", "add", "--username", "bob", "--password", "bob-password", "--quota", "1234",
               "--group", "vip", "--role", "admin") == 0, cli.err
    bob_id = int(cli.out)
    assert bob_id == 2  # after root

    listed = {u["username"]: u for u in cli.json("user", "list")}
    assert set(listed) == {"root", "bob"}
    bob = listed["bob"]
    assert bob["id"] == bob_id
    assert bob["role_name"] == "admin" and bob["role"] == users.ROLE_ADMIN
    assert bob["group"] == "vip" and bob["status"] == "enabled"
    assert bob["quota"] == 1234 and bob["used_quota"] == 0 and bob["request_count"] == 0
    assert "password" not in json.dumps(bob)
    assert users.verify_password("bob", "bob-password").id == bob_id

    assert cli("user", "list") == 0
    assert any(line.split()[:3] == [str(bob_id), "bob", "admin"] for line in cli.out.splitlines())


def test_user_add_json_and_defaults(cli):
    created = cli.json("user", "add", "--username", "carol", "--password", "carol-password")
    assert created["username"] == "carol" and isinstance(created["id"], int)
    carol = users.find_user("carol")
    assert carol.role == users.ROLE_USER and carol.quota == 0 and carol.group == "default"


def test_user_add_duplicate(cli):
    assert cli("user", "add", "--username", "bob", "--password", "bob-password") == 0
    assert cli.fails("user", "add", "--username", "bob", "--password", "other-password") == \
        "username 'bob' is taken"
    assert cli.fails("user", "add", "--username", "root", "--password", "other-password") == \
        "username 'root' is taken"


def test_user_add_short_password(cli):
    assert cli.fails("user", "add", "--username", "bob", "--password", "short") == \
        "password must be 8 to 72 bytes long"
    assert [u["username"] for u in cli.json("user", "list")] == ["root"]


def test_user_add_bad_username(cli):
    assert "username must be" in cli.fails("user", "add", "--username", "no spaces", "--password", "long-enough")


def test_user_passwd(cli):
    assert cli("user", "passwd", "root", "--password", "new-root-password") == 0
    assert users.verify_password("root", "new-root-password") is not None
    assert cli.fails("user", "passwd", "nobody", "--password", "long-enough") == "no user named 'nobody'"


# --------------------------------------------------------------------------- options


def test_option_set_get_round_trip(cli):
    assert cli("option", "get", "RETRY_TIMES") == 0
    assert cli.out == "0\n"
    assert cli("option", "set", "RETRY_TIMES", "3") == 0
    assert cli.out == "RETRY_TIMES = 3\n"
    assert cli("option", "get", "RETRY_TIMES") == 0
    assert cli.out == "3\n"
    assert cli("option", "get", "RetryTimes") == 0  # the new-api alias names the same setting
    assert cli.out == "3\n"


@pytest.mark.parametrize("key, value, shown", [
    ("SYSTEM_NAME", "My Gateway", "My Gateway"),
    ("LOG_CONSUME_ENABLED", "off", "false"),
    ("EPAY_PRICE", "7.5", "7.5"),
    ("CHAT_LINKS", '[{"name": "chat", "url": "https://chat.example"}]',
     '[{"name":"chat","url":"https://chat.example"}]'),
])
def test_option_types_round_trip(cli, key, value, shown):
    assert cli("option", "set", key, value) == 0, cli.err
    assert cli("option", "get", key) == 0
    assert cli.out == shown + "\n"


def test_option_list(cli):
    assert cli("option", "set", "RETRY_TIMES", "2") == 0
    rows = {row["name"]: row for row in cli.json("option", "list")}
    assert {s.name for s in SETTINGS} == set(rows)
    assert rows["RETRY_TIMES"]["value"] == "2" and rows["RETRY_TIMES"]["source"] == "option"
    assert rows["RETRY_TIMES"]["type"] == "int"
    assert rows["PORT"]["value"] == "3000" and rows["PORT"]["source"] == "default"

    assert cli("option", "list") == 0
    assert cli.out.splitlines()[0].split() == ["NAME", "VALUE", "SOURCE", "TYPE"]
    assert any(line.split()[:3] == ["RETRY_TIMES", "2", "option"] for line in cli.out.splitlines())


def test_option_set_invalid_value(cli):
    assert cli.fails("option", "set", "RETRY_TIMES", "abc") == "RETRY_TIMES must be an integer >= 0, got 'abc'"
    assert cli.fails("option", "set", "RETRY_TIMES", "-1").startswith("RETRY_TIMES must be an integer >= 0")
    assert cli("option", "get", "RETRY_TIMES") == 0 and cli.out == "0\n"


def test_option_set_unknown_key(cli):
    message = cli.fails("option", "set", "RETRY_TIMEZ", "3")
    assert message.startswith("unknown setting 'RETRY_TIMEZ'") and "did you mean RETRY_TIMES" in message


def test_option_get_unknown_key(cli):
    message = cli.fails("option", "get", "NO_SUCH_SETTING")
    assert message.startswith("unknown setting 'NO_SUCH_SETTING'")


def test_option_set_boot_setting_refused(cli):
    message = cli.fails("option", "set", "PORT", "1")
    assert "PORT is read at start-up" in message and "env var PORT" in message
    assert cli("option", "get", "PORT") == 0 and cli.out == "3000\n"


def test_option_secret_is_masked(cli):
    assert cli("option", "set", "SMTP_TOKEN", "smtp-secret-0123456789") == 0
    assert cli("option", "get", "SMTP_TOKEN") == 0
    assert "smtp-secret-0123456789" not in cli.out and "*" in cli.out


# --------------------------------------------------------------------------- environment


def test_invalid_env_setting_is_a_clean_error(cli, monkeypatch):
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT", "soon")
    assert "SQLITE_BUSY_TIMEOUT" in cli.fails("user", "list")


def test_unwritable_data_dir_is_a_clean_error(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cli.data_dir = blocker / "data"
    assert "cannot create the data dir" in cli.fails("user", "list")


# --------------------------------------------------------------------------- processes


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_ENV_VARS}
    env["DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_cli_never_imports_qt(tmp_path):
    code = ("import voapi_desktop.cli, voapi_desktop.commands.serve_cmd, voapi_desktop.gateway.server, sys; "
            "sys.exit('PySide6' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], env=_clean_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_python_dash_m_runs_the_cli(tmp_path):
    done = subprocess.run([sys.executable, "-m", "voapi_desktop", "--version"], env=_clean_env(tmp_path),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"voapi-desktop {__version__}"


@pytest.mark.slow
def test_serve_subprocess_status_and_sigterm(tmp_path):
    stderr_path = tmp_path / "serve.log"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "voapi_desktop", "serve", "--port", "0"],
                                env=_clean_env(tmp_path), cwd=tmp_path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
        try:
            first = lines.get(timeout=30)
        except queue.Empty:
            pytest.fail(f"serve printed nothing in 30 s; stderr:\n{stderr_path.read_text()}")
        match = re.fullmatch(r"serving on (http://127\.0\.0\.1:(\d+))\n", first)
        assert match, first
        assert int(match.group(2)) > 0

        response = httpx.get(match.group(1) + "/api/status", timeout=10)
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True

        # a second gateway on the same database would not see the first one's quota holds: refused
        second = subprocess.run([sys.executable, "-m", "voapi_desktop", "serve", "--port", "0"],
                                env=_clean_env(tmp_path), cwd=tmp_path, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert f"another gateway (pid {proc.pid}) is already serving the database voapi.db" in second.stderr
        assert "Traceback" not in second.stderr

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0, stderr_path.read_text()
        log = stderr_path.read_text()
        assert "Traceback" not in log
        assert "gateway stopped" in log
        assert "the root user still has the default password" in log  # checked once serving, still said
        assert (tmp_path / "data" / "voapi.db").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
