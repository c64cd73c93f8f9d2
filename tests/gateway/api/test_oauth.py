"""Sign-in through GitHub and LinuxDO against a fake OAuth provider on 127.0.0.1 (real HTTP both ways)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.oauth_provider import CLIENT_ID, CLIENT_SECRET, FakeOAuthProvider
from tests.gateway.api.conftest import add_user
from voapi_desktop.store import invitations, oauth_accounts, users
from voapi_desktop.store.options import set_options

OCTO = {"id": 583231, "login": "octocat", "name": "The Octocat", "email": None}
LINUXDO_USER = {"id": 1207, "username": "neo", "name": "Neo", "active": True, "trust_level": 2, "silenced": False}


@pytest.fixture
def provider(store):
    fake = FakeOAuthProvider().start()
    set_options({"GITHUB_OAUTH_ENABLED": "true", "GITHUB_CLIENT_ID": CLIENT_ID, "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
                 "GITHUB_OAUTH_URL": fake.url, "GITHUB_API_URL": fake.url,
                 "LINUXDO_OAUTH_ENABLED": "true", "LINUXDO_CLIENT_ID": CLIENT_ID,
                 "LINUXDO_CLIENT_SECRET": CLIENT_SECRET, "LINUXDO_OAUTH_URL": fake.url})
    yield fake
    fake.stop()


def start(api, key: str, **params) -> str:
    """What the portal's button does first: a state (kept in the cookie) and the authorize URL."""
    data = api.client.get("/api/oauth/state", params={"provider": key, **params}).json()
    assert data["success"], data
    return data["data"], data["authorize_url"]


def sign_in(api, fake, key: str, account: dict, **params):
    state, _ = start(api, key, **params)
    return api.client.get(f"/api/oauth/{key}", params={"code": fake.authorize(account), "state": state})


def test_first_sign_in_signs_up_and_pays_the_invitation_once_then_signs_the_same_user_in(
        gateway, api, new_api, provider):
    set_options({"QUOTA_FOR_INVITER": "1000", "QUOTA_FOR_NEW_USER": "50"})
    inviter = add_user("inviter")
    state, authorize = start(api, "github", aff=inviter.aff_code)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.url + "/login/oauth/authorize?")
    assert query["state"] == [state] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [gateway.url + "/api/oauth/github"]
    answer = api.client.get("/api/oauth/github", params={"code": provider.authorize(OCTO), "state": state})
    body = answer.json()
    assert answer.status_code == 200 and body["success"] and body["message"] == "signed up", body
    user = body["data"]
    assert user["username"].startswith("github_") and user["display_name"] == "The Octocat"
    assert "httponly" in answer.headers.get_list("set-cookie")[0].lower()
    api.client.headers["New-Api-User"] = str(user["id"])
    me = api.ok("GET", "/api/user/self")
    assert (me["id"], me["quota"]) == (user["id"], 50)
    token_call = next(r for r in provider.requests if r["method"] == "POST")
    assert token_call["form"]["client_secret"] == CLIENT_SECRET
    assert token_call["form"]["redirect_uri"] == gateway.url + "/api/oauth/github"

    again = new_api()
    second = sign_in(again, provider, "github", OCTO, aff=inviter.aff_code).json()
    assert second["success"] and second["data"]["id"] == user["id"] and second["message"] == ""
    info = invitations.aff_info(inviter.id)
    assert (info.aff_count, info.aff_quota) == (1, 1000)
    assert invitations.aff_info(user["id"]).inviter_id == inviter.id
    assert len([u for u in users.list_users() if u.username.startswith("github_")]) == 1


def test_linuxdo_uses_basic_auth_and_its_minimum_trust_level(gateway, api, new_api, provider):
    set_options({"LINUXDO_MINIMUM_TRUST_LEVEL": "3"})
    low = sign_in(api, provider, "linuxdo", LINUXDO_USER).json()
    assert not low["success"] and "trust level is below 3" in low["message"]
    assert provider.requests[0]["headers"]["Authorization"].startswith("Basic ")
    assert "client_secret" not in provider.requests[0]["form"]
    set_options({"LINUXDO_MINIMUM_TRUST_LEVEL": "2"})
    ok = sign_in(new_api(), provider, "linuxdo", LINUXDO_USER).json()
    assert ok["success"] and ok["data"]["username"].startswith("linuxdo_")
    assert oauth_accounts.linked_ids(ok["data"]["id"])["linuxdo"] == "1207"


def test_a_wrong_missing_or_foreign_state_is_refused_before_the_provider_is_called(api, new_api, provider):
    code = provider.authorize(OCTO)
    assert "state is missing" in api.refused("GET", "/api/oauth/github", 403, params={"code": code})
    start(api, "github")
    assert "does not match" in api.refused("GET", "/api/oauth/github", 403, params={"code": code, "state": "forged"})
    other_state, _ = start(new_api(), "github")  # issued to another browser: this one has no such cookie
    assert "does not match" in api.refused("GET", "/api/oauth/github", 403,
                                           params={"code": code, "state": other_state})
    assert provider.requests == [] and not any(u.username.startswith("github_") for u in users.list_users())


def test_provider_failures_are_refused_with_a_message(api, provider):
    provider.fail_with = 500
    message = sign_in(api, provider, "github", OCTO).json()["message"]
    assert message == "GitHub answered HTTP 500 when exchanging the sign-in code; try again later"
    provider.fail_with = None
    state, _ = start(api, "github")
    bad = api.client.get("/api/oauth/github", params={"code": "not-a-code", "state": state}).json()
    assert bad == {"success": False, "data": None, "message":
                   "GitHub did not accept the sign-in code: The code passed is incorrect or expired."}
    state, _ = start(api, "linuxdo")
    denied = api.client.get("/api/oauth/linuxdo", params={"error": "access_denied", "state": state,
                                                          "error_description": "the user said no"}).json()
    assert not denied["success"] and denied["message"].endswith("the user said no")
    set_options({"GITHUB_CLIENT_SECRET": "wrong"})
    wrong = sign_in(api, provider, "github", OCTO).json()
    assert wrong["message"] == "GitHub did not accept the sign-in code: client authentication failed"
    provider.stop()
    gone = sign_in(api, provider, "linuxdo", LINUXDO_USER).json()
    assert not gone["success"] and gone["message"].startswith("could not reach LinuxDO")


def test_a_disabled_or_unconfigured_provider_is_refused(api, provider):
    set_options({"GITHUB_OAUTH_ENABLED": "false", "LINUXDO_CLIENT_SECRET": ""})
    assert "turned off" in api.refused("GET", "/api/oauth/state", 403, params={"provider": "github"})
    assert "turned off" in api.refused("GET", "/api/oauth/github", 403, params={"code": "c", "state": "s"})
    assert "not configured" in api.refused("GET", "/api/oauth/state", 403, params={"provider": "linuxdo"})
    assert "unknown sign-in provider" in api.refused("GET", "/api/oauth/state", 404, params={"provider": "gitlab"})


def test_closed_sign_up_and_unknown_invitation_codes_create_nobody_but_linked_users_still_sign_in(
        api, new_api, provider):
    set_options({"REGISTER_ENABLED": "false"})
    assert "sign-up is closed" in sign_in(api, provider, "github", OCTO).json()["message"]
    set_options({"REGISTER_ENABLED": "true"})
    unknown = sign_in(new_api(), provider, "github", OCTO, aff="NOSUCH").json()
    assert not unknown["success"] and "invitation code 'NOSUCH' is unknown" in unknown["message"]
    assert not any(u.username.startswith("github_") for u in users.list_users())
    alice = add_user("alice")
    oauth_accounts.link_account(alice.id, "github", OCTO["id"])
    set_options({"REGISTER_ENABLED": "false"})
    assert sign_in(new_api(), provider, "github", OCTO).json()["data"]["id"] == alice.id


def test_bind_links_the_account_and_refuses_one_linked_to_another_user(api, new_api, provider):
    alice, bob = add_user("alice"), add_user("bob")
    api.login("alice")
    state, _ = start(api, "github")
    linked = api.ok("GET", "/api/oauth/github/bind", params={"code": provider.authorize(OCTO), "state": state})
    assert linked["id"] == alice.id and oauth_accounts.linked_ids(alice.id)["github"] == str(OCTO["id"])
    bob_api = new_api()
    bob_api.login("bob")
    state, _ = start(bob_api, "github")
    message = bob_api.refused("GET", "/api/oauth/github/bind", params={"code": provider.authorize(OCTO),
                                                                     "state": state})
    assert message == "this GitHub account is already linked to another user"
    assert oauth_accounts.linked_ids(bob.id)["github"] == ""
    assert "not signed in" in new_api().refused("GET", "/api/oauth/linuxdo/bind", 401,
                                                params={"code": "c", "state": "s"})
    # the browser flow: a state asked for with bind=1 links on the ordinary callback
    state, _ = start(bob_api, "linuxdo", bind="1")
    back = bob_api.client.get("/api/oauth/linuxdo", params={"code": provider.authorize(LINUXDO_USER),
                                                            "state": state}).json()
    assert back["success"] and back["message"] == "bind" and back["data"]["id"] == bob.id
    assert sign_in(new_api(), provider, "linuxdo", LINUXDO_USER).json()["data"]["id"] == bob.id


def test_a_browser_back_from_the_provider_is_sent_home_signed_in_or_shown_the_refusal(api, provider):
    page = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    state, _ = start(api, "github")
    home = api.client.get("/api/oauth/github", headers=page,
                          params={"code": provider.authorize(OCTO), "state": state})
    assert home.status_code == 302 and home.headers["Location"] == "/"
    assert any(c.startswith("session=") for c in home.headers.get_list("set-cookie"))
    refused = api.client.get("/api/oauth/github", headers=page, params={"code": "x", "state": "<script>"})
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith("text/html")
    assert "does not match" in refused.text and "<script>" not in refused.text


def test_the_portal_offers_a_button_per_enabled_provider(api, provider):
    set_options({"LINUXDO_OAUTH_ENABLED": "false"})
    login = api.client.get("/console/login").text
    assert "Sign in with GitHub" in login and "Sign in with LinuxDO" not in login
    assert 'data-oauth-provider="github"' in api.client.get("/console/register?aff=ABC").text
    set_options({"GITHUB_OAUTH_ENABLED": "false"})
    assert "oauth-buttons" not in api.client.get("/console/login").text


def test_status_tells_frontends_which_providers_are_on(api, provider):
    set_options({"LINUXDO_OAUTH_ENABLED": "false"})
    status = api.client.get("/api/status").json()["data"]
    assert (status["github_oauth"], status["github_client_id"], status["linuxdo_oauth"]) == (True, CLIENT_ID, False)
