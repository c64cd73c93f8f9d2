"""Usage logs and hourly usage through the REST API: own rows only, admin filters and stats."""

from __future__ import annotations

import httpx

from tests.conftest import add_channel, make_token
from tests.gateway.api.conftest import add_user


def chat(gateway, key: str) -> None:
    answer = httpx.post(gateway.base_url + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    assert answer.status_code == 200, answer.text


def test_own_logs_stats_and_usage(api, gateway, store, upstream):
    add_channel(upstream)
    add_user("alice", quota=10**8)
    add_user("bob", quota=10**8)
    chat(gateway, make_token("a-key", "alice"))
    chat(gateway, make_token("a-key", "alice"))
    chat(gateway, make_token("b-key", "bob"))
    gateway.flush()
    api.login("alice")
    logs = api.ok("GET", "/api/log/self?type=2")
    assert logs["total"] == 2 and {row["username"] for row in logs["items"]} == {"alice"}
    assert "channel" not in logs["items"][0]
    assert api.ok("GET", "/api/log/self?token_name=nope")["total"] == 0
    stat = api.ok("GET", "/api/log/self/stat?type=2")
    assert stat["count"] == 2 and stat["quota"] == sum(r["quota"] for r in logs["items"]) > 0
    assert stat["rpm"] == 2
    usage = api.ok("GET", "/api/data/self")
    assert sum(row["count"] for row in usage) == 2 and usage[0]["model_name"] == "gpt-4o-mini"
    assert api.ok("GET", "/api/log/self?username=bob")["total"] == 2  # a user cannot ask for someone else's
    assert api.refused("GET", "/api/log/", status=403)
    assert api.refused("GET", "/api/log/stat", status=403)
    assert api.refused("GET", "/api/data/", status=403)
    assert "type must be" in api.refused("GET", "/api/log/self?type=9", status=400)
    assert "integer" in api.refused("GET", "/api/log/self?p=x", status=400)
    api.client.cookies.clear()
    assert api.refused("GET", "/api/log/self", status=401)


def test_admin_logs_filters_and_stat(root_api, gateway, store, upstream):
    channel = add_channel(upstream)
    add_user("carol", quota=10**8)
    chat(gateway, make_token("c-key", "carol"))
    chat(gateway, make_token("r-key", "root"))
    gateway.flush()
    everyone = root_api.ok("GET", "/api/log/?type=2&page_size=1")
    assert everyone["total"] == 2 and len(everyone["items"]) == 1 and everyone["page_size"] == 1
    carol = root_api.ok("GET", f"/api/log/?username=carol&channel={channel.id}")
    assert carol["total"] == 1 and carol["items"][0]["channel"] == channel.id
    assert root_api.ok("GET", "/api/log/stat?username=carol")["count"] == 1
    assert root_api.ok("GET", "/api/log/search?keyword=carol")["total"] == 1
    assert {row["username"] for row in root_api.ok("GET", "/api/data/")} == {"carol", "root"}
    assert "start_timestamp" in root_api.refused("GET", "/api/data/?start_timestamp=20&end_timestamp=10",
                                                 status=400)
