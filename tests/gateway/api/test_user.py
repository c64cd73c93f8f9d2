"""The signed-in user's own account: profile, password, invitations, check-in, redeeming codes, pricing."""

from __future__ import annotations

import json

from tests.conftest import add_channel
from tests.gateway.api.conftest import PASSWORD, add_user
from voapi_desktop.store import redemptions, users
from voapi_desktop.store.options import set_option
from voapi_desktop.store.prices import set_price


def test_update_display_name_and_password(api, new_api, store):
    add_user("alice")
    api.login("alice")
    assert api.ok("PUT", "/api/user/self", json={"display_name": "Alice A."})["display_name"] == "Alice A."
    message = api.refused("PUT", "/api/user/self", json={"password": "new-password-1", "original_password": "bad"})
    assert "current password" in message
    assert "original_password" in api.refused("PUT", "/api/user/self", status=400, json={"password": "x" * 9})
    other = new_api()
    other.login("alice")
    api.ok("PUT", "/api/user/self", json={"password": "new-password-1", "original_password": PASSWORD})
    assert users.verify_password("alice", "new-password-1") is not None
    assert api.ok("GET", "/api/user/self")["username"] == "alice"  # this session goes on
    assert other.refused("GET", "/api/user/self", status=401)  # the other one ended


def test_a_user_cannot_change_their_role_through_self(api, store):
    add_user("bob")
    api.login("bob")
    api.ok("PUT", "/api/user/self", json={"display_name": "Bob", "role": 100, "quota": 10**9})
    me = api.ok("GET", "/api/user/self")
    assert (me["role"], me["quota"]) == (1, 0)


def test_aff_code_and_transfer(api, store):
    bob = add_user("bob")
    api.login("bob")
    assert api.ok("GET", "/api/user/aff") == bob.aff_code
    assert "at least" in api.refused("POST", "/api/user/aff_transfer", json={})


def test_checkin_status_and_claim_once(api, store):
    add_user("carol")
    api.login("carol")
    assert "turned off" in api.refused("POST", "/api/user/checkin")
    set_option("CHECKIN_ENABLED", "true")
    set_option("CHECKIN_MIN_QUOTA", "10")
    set_option("CHECKIN_MAX_QUOTA", "10")
    assert api.ok("GET", "/api/user/checkin")["checked_in"] is False
    assert api.ok("POST", "/api/user/checkin") == {"quota_awarded": 10}
    assert "already checked in" in api.refused("POST", "/api/user/checkin")
    status = api.ok("GET", "/api/user/checkin")
    assert status["checked_in"] is True and status["history"][0]["quota_awarded"] == 10
    assert api.ok("GET", "/api/user/self")["quota"] == 10


def test_redeem_a_code_once(api, store):
    add_user("dave")
    api.login("dave")
    code = redemptions.create_codes("gift", 5000, 1)[0]
    assert api.ok("POST", "/api/user/topup", json={"key": code}) == 5000
    assert "already been used" in api.refused("POST", "/api/user/topup", json={"key": code})
    assert "32 characters" in api.refused("POST", "/api/user/topup", json={"key": "short"})
    assert api.call("POST", "/api/user/topup", json={"key": 12}).status_code == 400
    assert api.ok("GET", "/api/user/self")["quota"] == 5000


def test_pricing_lists_served_models_without_login(api, store, upstream):
    add_channel(upstream, models="gpt-4o-mini,my-model")
    set_price("my-model", price="0.5")
    data = api.client.get("/api/pricing").json()
    assert data["success"] is True and "default" in data["group_ratio"]
    by_name = {item["model_name"]: item for item in data["data"]}
    assert by_name["my-model"]["quota_type"] == 1 and by_name["my-model"]["model_price"] == 0.5
    assert by_name["gpt-4o-mini"]["quota_type"] == 0 and by_name["gpt-4o-mini"]["model_ratio"] > 0
    assert by_name["gpt-4o-mini"]["enable_groups"] == ["default"]


def test_self_groups_lists_usable_priced_groups_with_ratio_and_description(api, store):
    set_option("GROUP_RATIO", json.dumps({"default": 1, "vip": 0.8, "svip": 0.5}))
    set_option("USER_USABLE_GROUPS", json.dumps({"vip": "Fast lane", "gone": "no ratio, not offered"}))
    add_user("jane")
    api.login("jane")
    assert api.ok("GET", "/api/user/self/groups") == {"default": {"ratio": 1.0, "desc": "your group"},
                                                       "vip": {"ratio": 0.8, "desc": "Fast lane"}}
    users.update_user(api.user_id, display_name="", email="", role=users.ROLES["user"], group="svip")
    assert set(api.ok("GET", "/api/user/self/groups")) == {"svip", "vip"}  # their own, even when not offered
