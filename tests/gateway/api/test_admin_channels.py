"""Channels through the admin REST API: keys never returned, CRUD, test, balance, model lists, roles."""

from __future__ import annotations

import json

from tests.conftest import add_channel, make_token
from tests.gateway.api.conftest import add_user
from voapi_desktop.store import channels


def test_channel_keys_never_appear_in_any_response(root_api, store, upstream):
    secret = "sk-upstream-secret-0123456789abcdef"
    created = root_api.call("POST", "/api/channel/", json={
        "mode": "single", "channel": {"type": 1, "name": "main", "key": f"{secret}\n{secret}-2",
                                      "base_url": upstream.url, "models": "gpt-4o-mini", "group": "default",
                                      "header_override": json.dumps({"X-Upstream-Auth": secret})}})
    assert created.json()["success"] is True and created.json()["data"]["key_count"] == 2
    channel_id = created.json()["data"]["id"]
    bodies = [created.text] + [root_api.call("GET", path).text for path in (
        "/api/channel/", "/api/channel/search?keyword=main", f"/api/channel/{channel_id}",
        "/api/channel/?id_sort=true&status=1")]
    bodies.append(root_api.call("PUT", "/api/channel/", json={"id": channel_id, "priority": 5}).text)
    for body in bodies:
        assert secret not in body and "0123456789abcdef" not in body, body
    assert channels.get_channel(channel_id).keys == (secret, f"{secret}-2")


def test_channel_crud(root_api, store, upstream):
    data = root_api.ok("POST", "/api/channel/", json={"type": 1, "name": "a", "key": "k1", "base_url": upstream.url,
                                                      "models": "gpt-4o-mini,x"})
    channel_id = data["id"]
    assert root_api.ok("GET", "/api/channel/")["total"] == 1
    updated = root_api.ok("PUT", "/api/channel/", json={"id": channel_id, "name": "b", "key": "", "status": 2})
    assert (updated["name"], updated["status"]) == ("b", 2)
    assert channels.get_channel(channel_id).keys == ("k1",)  # an empty key keeps the stored one
    assert root_api.ok("GET", "/api/channel/?status=1")["total"] == 0
    assert root_api.ok("GET", "/api/channel/search?model=x")["total"] == 1
    assert "mapping" in root_api.refused("PUT", "/api/channel/", json={"id": channel_id, "model_mapping": "{bad"})
    assert "missing" in root_api.refused("POST", "/api/channel/", json={"name": "c"})
    assert "unknown channel type" in root_api.refused("POST", "/api/channel/", json={
        "type": 9999, "name": "c", "key": "k", "models": "m"})
    assert "must be a" in root_api.refused("POST", "/api/channel/", status=400, json={"name": 5})
    root_api.ok("DELETE", f"/api/channel/{channel_id}")
    assert "no channel" in root_api.refused("GET", f"/api/channel/{channel_id}")


def test_channel_test_and_fetch_models(root_api, store, upstream):
    channel = add_channel(upstream)
    result = root_api.call("GET", f"/api/channel/test/{channel.id}").json()
    assert result["success"] is True and result["data"]["model"] == "gpt-4o-mini"
    models = root_api.ok("GET", f"/api/channel/fetch_models/{channel.id}")
    assert "gpt-4o-mini" in models
    assert root_api.ok("POST", "/api/channel/fetch_models", json={"type": 1, "base_url": upstream.url,
                                                                  "key": "k"}) == models


def test_update_balance_reads_an_openai_style_billing_api(root_api, gateway, store):
    key = make_token("for-balance", quota=1_000_000)  # 2 USD, served by this very gateway's billing emulation
    channel = channels.create_channel(type="OpenAI", name="peer", key=key, base_url=gateway.url, models="m")
    assert root_api.ok("GET", f"/api/channel/update_balance/{channel.id}") == 2.0
    assert channels.get_channel(channel.id).balance == 2.0
    other = channels.create_channel(type="Anthropic", name="claude", key="k", models="claude-x")
    assert "no balance endpoint" in root_api.refused("GET", f"/api/channel/update_balance/{other.id}")


def test_users_cannot_reach_channel_routes(api, store, upstream):
    channel = add_channel(upstream)
    add_user("mallory")
    api.login("mallory")
    for method, path in (("GET", "/api/channel/"), ("GET", f"/api/channel/{channel.id}"),
                         ("POST", "/api/channel/"), ("PUT", "/api/channel/"),
                         ("DELETE", f"/api/channel/{channel.id}"), ("GET", f"/api/channel/test/{channel.id}"),
                         ("GET", f"/api/channel/fetch_models/{channel.id}")):
        assert api.refused(method, path, status=403, json={}) == "you do not have permission for this operation"
    assert channels.get_channel(channel.id).name == "main"
