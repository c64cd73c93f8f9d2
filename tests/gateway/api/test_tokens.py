"""API keys through the REST API: CRUD round trip, masking, ownership, admin views."""

from __future__ import annotations

import json

import httpx

from tests.conftest import add_channel
from tests.gateway.api.conftest import add_user
from voapi_desktop.store import tokens
from voapi_desktop.store.options import set_option


def test_tokens_crud_round_trip_and_the_key_works(api, gateway, store, upstream):
    add_channel(upstream)
    add_user("alice", quota=10**7)
    api.login("alice")
    created = api.ok("POST", "/api/token/", json={"name": "laptop", "remain_quota": 1000, "unlimited_quota": False,
                                                  "model_limits_enabled": True, "model_limits": "gpt-4o-mini"})
    key = created["key"]
    assert key.startswith("sk-") and len(key) == 51
    listed = api.ok("GET", "/api/token/")
    assert listed["total"] == 1 and listed["items"][0]["key"] != key and "****" in listed["items"][0]["key"]
    token_id = created["id"]
    answer = httpx.post(gateway.base_url + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    assert answer.status_code == 200, answer.text
    updated = api.ok("PUT", "/api/token/", json={"id": token_id, "name": "desk", "remain_quota": 50})
    assert (updated["name"], updated["remain_quota"]) == ("desk", 50)
    assert api.ok("PUT", "/api/token/?status_only=true", json={"id": token_id, "status": 2})["status"] == 2
    assert api.ok("GET", f"/api/token/{token_id}")["status"] == 2
    assert api.ok("POST", f"/api/token/{token_id}/key") == {"key": key}
    assert [t["name"] for t in api.ok("GET", "/api/token/search?keyword=DES")["items"]] == ["desk"]
    api.ok("DELETE", f"/api/token/{token_id}")
    assert api.ok("GET", "/api/token/")["total"] == 0
    assert "no token" in api.refused("DELETE", f"/api/token/{token_id}")


def test_token_refusals(api, store):
    add_user("bob")
    api.login("bob")
    assert "'name' is required" in api.refused("POST", "/api/token/", status=400, json={})
    assert api.call("POST", "/api/token/", json={"name": "x", "remain_quota": "lots"}).status_code == 400
    assert "1-64" in api.refused("POST", "/api/token/", json={"name": "x" * 65})
    assert "future" in api.refused("POST", "/api/token/", json={"name": "x", "expired_time": 5})
    assert "'status' is required" in api.refused("PUT", "/api/token/?status_only=true", status=400, json={"id": 1})


def test_a_user_cannot_see_or_touch_another_users_tokens(api, new_api, store):
    carol = add_user("carol")
    theirs = tokens.create_token(carol.id, "carol-key")
    add_user("dave")
    api.login("dave")
    assert api.ok("GET", "/api/token/")["total"] == 0
    assert api.ok("GET", f"/api/token/?user_id={carol.id}")["total"] == 0  # admins only
    assert "no token" in api.refused("GET", f"/api/token/{theirs.id}")
    assert "no token" in api.refused("POST", f"/api/token/{theirs.id}/key")
    assert "no token" in api.refused("PUT", "/api/token/", json={"id": theirs.id, "name": "mine"})
    assert "no token" in api.refused("DELETE", f"/api/token/{theirs.id}")
    assert tokens.list_tokens(carol.id)[0].name == "carol-key"


def test_admin_lists_and_changes_any_users_tokens(root_api, store):
    erin = add_user("erin")
    theirs = tokens.create_token(erin.id, "erin-key")
    listed = root_api.ok("GET", f"/api/token/?user_id={erin.id}")
    assert [t["name"] for t in listed["items"]] == ["erin-key"] and "****" in listed["items"][0]["key"]
    assert root_api.ok("GET", "/api/token/?user_id=0")["total"] == 1
    root_api.ok("PUT", "/api/token/?status_only=true", json={"id": theirs.id, "status": 2})
    assert tokens.list_tokens(erin.id)[0].status == 2


def test_a_user_gives_their_own_key_a_usable_group_or_their_own(api, store):
    set_option("USER_USABLE_GROUPS", json.dumps({"default": "Default", "vip": "VIP"}))
    add_user("gina")
    api.login("gina")
    created = api.ok("POST", "/api/token/", json={"name": "fast", "group": "vip"})
    assert created["group"] == "vip"
    assert api.ok("PUT", "/api/token/", json={"id": created["id"], "group": ""})["group"] == ""
    assert api.ok("PUT", "/api/token/", json={"id": created["id"], "group": "default"})["group"] == "default"


def test_a_group_the_user_may_not_use_is_a_400_listing_the_ones_they_may(api, store):
    set_option("USER_USABLE_GROUPS", json.dumps({"default": "Default", "vip": "VIP", "gone": "no ratio"}))
    add_user("hank")
    api.login("hank")
    message = api.refused("POST", "/api/token/", status=400, json={"name": "x", "group": "svip"})
    assert message == ("you may not use the group 'svip'; choose one of default, vip, "
                       "or leave the group empty for your own")
    assert "'gone'" in api.refused("POST", "/api/token/", status=400, json={"name": "x", "group": "gone"})
    mine = api.ok("POST", "/api/token/", json={"name": "mine"})
    assert "'svip'" in api.refused("PUT", "/api/token/", status=400, json={"id": mine["id"], "group": "svip"})
    assert [t.group for t in tokens.list_tokens(api.user_id)] == [""]


def test_an_admin_sets_any_group_on_any_key(root_api, store):
    ivan = add_user("ivan")
    theirs = tokens.create_token(ivan.id, "ivan-key")
    assert root_api.ok("PUT", "/api/token/", json={"id": theirs.id, "group": "svip"})["group"] == "svip"
    assert root_api.ok("POST", "/api/token/", json={"name": "ops", "group": "internal"})["group"] == "internal"
