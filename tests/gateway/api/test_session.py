"""Sign-up, sign-in, sign-out, the session cookie, access tokens and the New-Api-User check."""

from __future__ import annotations

import httpx

from tests.gateway.api.conftest import PASSWORD, add_user
from voapi_desktop.store import risk, users
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Log, User


def test_login_sets_an_httponly_lax_cookie_and_self_works(api, store):
    add_user("alice", quota=1234)
    answer = api.client.post("/api/user/login", json={"username": "alice", "password": PASSWORD})
    body = answer.json()
    assert answer.status_code == 200 and body["success"] is True
    assert body["data"]["username"] == "alice" and "password" not in body["data"]
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    api.client.headers["New-Api-User"] = str(body["data"]["id"])
    me = api.ok("GET", "/api/user/self")
    assert (me["username"], me["quota"], me["role"]) == ("alice", 1234, 1)
    assert [r.success for r in risk.list_logins(username="alice")] == [True]


def test_wrong_password_is_refused_recorded_and_the_account_limited(api, store):
    add_user("bob")
    set_option("CRITICAL_RATE_LIMIT", "3")
    set_option("TRUSTED_PROXIES", "127.0.0.1")
    for n in range(3):  # from three addresses: only the account's failures add up
        answer = api.client.post("/api/user/login", json={"username": "bob", "password": "wrong-pass"},
                                 headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert answer.status_code == 200 and answer.json() == {
            "success": False, "message": "wrong user name or password", "data": None}
    limited = api.client.post("/api/user/login", json={"username": "bob", "password": PASSWORD},
                              headers={"X-Forwarded-For": "10.0.0.9"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "too many failed sign-ins" in limited.json()["message"]
    records = risk.list_logins(username="bob")
    assert len(records) == 3 and not any(r.success for r in records)
    assert {r.ip for r in records} == {"10.0.0.0", "10.0.0.1", "10.0.0.2"}


def test_sign_in_attempts_are_limited_per_address(api, store):
    set_option("CRITICAL_RATE_LIMIT", "2")
    for _ in range(2):
        assert api.client.post("/api/user/login", json={"username": "x", "password": "y"}).status_code == 200
    refused = api.client.post("/api/user/login", json={"username": "x", "password": "y"})
    assert refused.status_code == 429 and refused.json()["success"] is False


def test_malformed_bodies_are_400_with_a_message(api):
    for content, message in ((b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"), (b"", "JSON object")):
        answer = api.client.post("/api/user/login", content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and message in answer.json()["message"]
    answer = api.client.post("/api/user/login", json={"username": 5, "password": "x"})
    assert answer.status_code == 400 and "'username' must be a string" in answer.json()["message"]


def test_no_session_is_401_and_new_api_user_is_required(api, store):
    assert api.refused("GET", "/api/user/self", status=401).startswith("not signed in")
    add_user("carol")
    api.login("carol")
    del api.client.headers["New-Api-User"]
    assert "New-Api-User" in api.refused("GET", "/api/user/self", status=401)
    assert "does not match" in api.refused("GET", "/api/user/self", status=401, headers={"New-Api-User": "1"})


def test_a_forged_cookie_is_not_a_session(gateway, store):
    add_user("dave")
    dave = users.find_user("dave")
    answer = httpx.get(gateway.url + "/api/user/self", cookies={"session": f'{{"id": {dave.id}}}.forged.sig'},
                       headers={"New-Api-User": str(dave.id)})
    assert answer.status_code == 401


def test_logout_clears_the_cookie(api, store):
    add_user("erin")
    api.login("erin")
    api.ok("GET", "/api/user/logout")
    assert api.call("GET", "/api/user/self").status_code == 401


def test_disabled_user_cannot_sign_in_or_use_a_session(api, store):
    erin = add_user("erin")
    api.login("erin")
    users.set_user_enabled(erin.id, False)
    assert api.refused("GET", "/api/user/self", status=403) == "this account is disabled"
    assert "disabled" in api.refused("POST", "/api/user/login", json={"username": "erin", "password": PASSWORD})


def test_access_token_authenticates_and_is_stored_hashed(api, gateway, store):
    frank = add_user("frank")
    api.login("frank")
    token = api.ok("GET", "/api/user/token")
    assert len(token) == 32 and User.get_by_id(frank.id).access_token != token
    headers = {"Authorization": token, "New-Api-User": str(frank.id)}
    me = httpx.get(gateway.url + "/api/user/self", headers=headers).json()
    assert me["data"]["username"] == "frank"
    bearer = httpx.get(gateway.url + "/api/user/self", headers={**headers, "Authorization": f"Bearer {token}"})
    assert bearer.json()["success"] is True
    api.ok("GET", "/api/user/token")  # a new one: the old one stops working
    assert httpx.get(gateway.url + "/api/user/self", headers=headers).status_code == 401


def test_register_pays_new_user_bonus_and_invitation_once(api, new_api, store):
    set_option("QUOTA_FOR_NEW_USER", "100")
    set_option("QUOTA_FOR_INVITER", "700")
    set_option("QUOTA_FOR_INVITEE", "50")
    inviter = add_user("grace")
    data = api.ok("POST", "/api/user/register",
                  json={"username": "heidi", "password": PASSWORD, "aff_code": inviter.aff_code})
    assert data["username"] == "heidi" and data["quota"] == 150
    again = new_api().refused("POST", "/api/user/register",
                              json={"username": "heidi", "password": PASSWORD, "aff_code": inviter.aff_code})
    assert "taken" in again
    row = User.get_by_id(inviter.id)
    assert (row.aff_count, row.aff_quota) == (1, 700)
    assert User.get(User.username == "heidi").inviter_id == inviter.id
    api.client.headers["New-Api-User"] = str(data["id"])
    assert api.ok("GET", "/api/user/self")["username"] == "heidi"  # signed in by the sign-up


def test_register_refusals(api, store):
    message = api.refused("POST", "/api/user/register",
                          json={"username": "ivan", "password": PASSWORD, "aff_code": "NOPE99"})
    assert "invitation code" in message
    assert "8 to 72" in api.refused("POST", "/api/user/register", json={"username": "ivan", "password": "short"})
    assert not User.select().where(User.username == "ivan").exists()
    set_option("REGISTER_ENABLED", "false")
    assert "closed" in api.refused("POST", "/api/user/register", json={"username": "ivan", "password": PASSWORD})
    assert Log.select().count() == 0
