"""Admin actions through the REST API write MANAGE log rows: who, what, from which IP (store/audit.py)."""

from __future__ import annotations

import orjson

from tests.gateway.api.conftest import add_user
from voapi_desktop.store import audit
from voapi_desktop.store.logs import MANAGE
from voapi_desktop.store.tables import Log

SECRET = "sk-" + "Aud1tPlanted" * 4


def manage_rows() -> list[dict]:
    return [{"who": r.username, "what": r.content, "ip": r.ip, "user_id": r.user_id,
             "fields": orjson.loads(r.other or "{}").get("fields", [])}
            for r in Log.select().where(Log.type == MANAGE).order_by(Log.id)]


def test_channel_token_user_and_option_changes_are_audited(root_api, gateway, upstream):
    root_id = root_api.user_id
    channel = root_api.ok("POST", "/api/channel/", json={"type": 1, "name": "main", "key": SECRET,
                                                          "base_url": upstream.url, "models": "gpt-4o-mini"})
    root_api.ok("PUT", "/api/channel/", json={"id": channel["id"], "key": SECRET + "2", "priority": 3})
    root_api.ok("DELETE", f"/api/channel/{channel['id']}")
    token = root_api.ok("POST", "/api/token/", json={"name": "laptop", "unlimited_quota": True})
    bob = add_user("bob")
    root_api.ok("POST", "/api/user/manage", json={"id": bob.id, "action": "disable"})
    root_api.ok("PUT", "/api/option/", json={"key": "SMTP_TOKEN", "value": SECRET})
    rows = manage_rows()
    assert [r["what"] for r in rows] == ["add channel main", f"update channel {channel['id']}",
                                         f"delete channel {channel['id']}", "create token laptop",
                                         f"disable user {bob.id}", "set option SMTP_TOKEN"]
    assert all((r["who"], r["ip"], r["user_id"]) == ("root", "127.0.0.1", root_id) for r in rows)
    assert rows[1]["fields"] == ["id", "key", "priority"]  # the fields changed, never their values
    assert SECRET[3:] not in repr(rows) and token is not None


def test_refused_and_read_only_calls_write_no_row(root_api, gateway):
    root_api.refused("PUT", "/api/channel/", json={"id": 999999, "name": "x"})  # a business refusal
    root_api.refused("PUT", "/api/option/", status=200, json={"key": "NO_SUCH_SETTING", "value": "1"})
    root_api.ok("GET", "/api/channel/")
    root_api.ok("GET", "/api/option/")
    assert manage_rows() == []


def test_the_console_and_other_callers_use_the_same_record(store):
    audit.record(audit.CONSOLE, "delete channel 7", fields=["id"])
    assert manage_rows() == [{"who": "console", "what": "delete channel 7", "ip": "", "user_id": 0,
                              "fields": ["id"]}]
    assert audit.describe("{action} user {id}", {"id": 3}) == "user 3"
