"""Options (root only, secrets masked, values validated) and redemption codes (admin) through the REST API."""

from __future__ import annotations

from tests.gateway.api.conftest import add_user
from voapi_desktop.store import redemptions
from voapi_desktop.store.options import set_option

SECRET = "smtp-password-abcdefghijklmnop"


def test_options_list_masks_secrets(root_api, store):
    set_option("SMTP_TOKEN", SECRET)
    answer = root_api.call("GET", "/api/option/")
    assert SECRET not in answer.text
    options = {o["key"]: o for o in answer.json()["data"]}
    assert options["SMTP_TOKEN"]["secret"] is True and "****" in options["SMTP_TOKEN"]["value"]
    assert options["RETRY_TIMES"]["alias"] == "RetryTimes" and options["SESSION_SECRET"]["read_only"] is True


def test_option_update_is_validated_and_takes_effect(root_api, gateway, store):
    assert root_api.ok("PUT", "/api/option/", json={"key": "RetryTimes", "value": "3"}) == {
        "key": "RETRY_TIMES", "value": "3"}
    assert gateway.state.snapshots.current.settings["RETRY_TIMES"] == 3
    assert root_api.ok("PUT", "/api/option/", json={"key": "CHECKIN_ENABLED", "value": True})["value"] == "true"
    assert "integer" in root_api.refused("PUT", "/api/option/", json={"key": "RETRY_TIMES", "value": "many"})
    assert "unknown setting" in root_api.refused("PUT", "/api/option/", json={"key": "NoSuchThing", "value": "1"})
    assert "start-up" in root_api.refused("PUT", "/api/option/", json={"key": "PORT", "value": "1"})
    assert "'value'" in root_api.refused("PUT", "/api/option/", status=400, json={"key": "RETRY_TIMES"})
    shown = root_api.ok("PUT", "/api/option/", json={"key": "SMTP_TOKEN", "value": SECRET})
    assert SECRET not in str(shown) and gateway.state.snapshots.current.settings["SMTP_TOKEN"] == SECRET


def test_options_are_root_only(new_api, store):
    add_user("admin1", role="admin")
    admin = new_api()
    admin.login("admin1")
    assert admin.refused("GET", "/api/option/", status=403)
    assert admin.refused("PUT", "/api/option/", status=403, json={"key": "RETRY_TIMES", "value": "3"})


def test_redemption_crud(root_api, store):
    keys = root_api.ok("POST", "/api/redemption/", json={"name": "gift", "quota": 1000, "count": 3})
    assert len(keys) == 3 and all(len(k) == 32 for k in keys)
    listed = root_api.call("GET", "/api/redemption/?page_size=2")
    assert not any(k in listed.text for k in keys)
    body = listed.json()["data"]
    assert body["total"] == 3 and len(body["items"]) == 2
    code_id = body["items"][0]["id"]
    assert root_api.ok("GET", f"/api/redemption/{code_id}")["key"] in keys
    assert root_api.ok("GET", "/api/redemption/search?keyword=gift")["total"] == 3
    assert root_api.ok("PUT", "/api/redemption/", json={"id": code_id, "status": 2})["state"] == "disabled"
    assert "only be disabled" in root_api.refused("PUT", "/api/redemption/", json={"id": code_id, "status": 1})
    assert root_api.ok("DELETE", "/api/redemption/invalid") == 1
    other = root_api.ok("GET", "/api/redemption/")["items"][0]["id"]
    root_api.ok("DELETE", f"/api/redemption/{other}")
    assert len(redemptions.list_codes()) == 1
    assert "no redemption code" in root_api.refused("DELETE", f"/api/redemption/{other}")
    assert "count must be" in root_api.refused("POST", "/api/redemption/", json={"quota": 5, "count": 101})
    assert "'quota'" in root_api.refused("POST", "/api/redemption/", status=400, json={"count": 1})


def test_redemptions_are_admin_only(api, store):
    add_user("eve")
    api.login("eve")
    for method, path in (("GET", "/api/redemption/"), ("POST", "/api/redemption/"), ("PUT", "/api/redemption/"),
                         ("DELETE", "/api/redemption/1"), ("DELETE", "/api/redemption/invalid")):
        assert api.refused(method, path, status=403, json={})
    assert redemptions.list_codes() == []
