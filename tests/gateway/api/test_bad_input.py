"""No REST API route answers a malformed or hostile request with a 500, and refusals spend nothing."""

from __future__ import annotations

import re
import stat

import pytest

from tests.gateway.api.conftest import PASSWORD, add_user
from voapi_desktop.core.settings import Settings
from voapi_desktop.gateway.api.base import ROUTES
from voapi_desktop.gateway.api.session import SECRET_FILE, session_secret
from voapi_desktop.store import channels, users
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Log, User

WRONG = {"string": 12345, "integer": "12", "boolean": "yes", "number": "1.5", "object": [1], "array": {"a": 1}}


def _url(path: str, value: str = "1") -> str:
    return re.sub(r"<(?:\w+:)?\w+>", value, path)


def test_wrong_types_huge_numbers_and_garbage_are_4xx_or_refusals(root_api, store):
    set_option("GLOBAL_API_RATE_LIMIT_ENABLE", "false")  # hundreds of calls from one address
    quota_before = User.get(User.username == "root").quota
    for spec in ROUTES:
        if spec.method not in ("POST", "PUT") or not spec.body:  # bodiless POSTs ignore what is sent
            continue
        url = _url(spec.path)
        for content in (b"{", b"null", b'"text"', b"[]"):
            answer = root_api.call(spec.method, url, content=content, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400, (spec.path, content, answer.text)
            assert answer.json()["success"] is False
        for name, kind in spec.body.items():
            answer = root_api.call(spec.method, url, json={name: WRONG[kind], "id": 1})
            if name != "id":
                assert answer.status_code == 400, (spec.path, name, answer.text)
                assert name in answer.json()["message"] or "required" in answer.json()["message"]
            if kind == "integer":
                answer = root_api.call(spec.method, url, json={"id": 1, name: 2**63 - 1})
                assert answer.status_code == 400, (spec.path, name, answer.text)
    for spec in ROUTES:
        if "<" in spec.path:
            answer = root_api.call(spec.method, _url(spec.path, "9" * 30), json={})
            assert answer.status_code == 400, (spec.path, answer.text)
    assert User.get(User.username == "root").quota == quota_before
    assert Log.select().count() == 0


def test_unknown_methods_and_paths_stay_client_errors(root_api):
    assert root_api.call("GET", "/api/user/login").status_code == 405
    assert root_api.call("DELETE", "/api/option/").status_code == 405
    assert root_api.call("GET", "/api/no/such/route").status_code == 404


def test_session_secret_is_generated_once_and_private(tmp_path):
    boot = Settings.load(env={"DATA_DIR": str(tmp_path)})
    first = session_secret(boot)
    assert len(first) >= 40 and session_secret(boot) == first
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert session_secret(Settings.load(env={"DATA_DIR": str(tmp_path), "SESSION_SECRET": "given"})) == "given"


def test_a_session_survives_a_restart_of_the_gateway(api, gateway, store):
    add_user("zoe")
    api.login("zoe")
    gateway.server.app.config["VOAPI_SESSION_SERIALIZER"] = __import__(
        "voapi_desktop.gateway.api.session", fromlist=["make_serializer"]).make_serializer(store.settings)
    assert api.ok("GET", "/api/user/self")["username"] == "zoe"


def test_passwords_over_72_bytes_are_refused_not_a_500(root_api, api, store):
    """Found by tests/fuzz: bcrypt 5 raises on more than 72 bytes, and sign-in and the password change checked
    the given password with it before any length rule."""
    too_long = "é" * 40  # 80 bytes
    assert "wrong" in api.refused("POST", "/api/user/login", json={"username": "root", "password": too_long})
    answer = root_api.call("PUT", "/api/user/self", json={"password": PASSWORD + "x", "original_password": too_long})
    assert answer.status_code == 200 and answer.json()["success"] is False, answer.text
    assert "original_password" in answer.json()["message"]
    assert users.verify_password("root", PASSWORD) is not None
    assert users.verify_password("root", PASSWORD + "x" * 72) is None  # never a match on the first 72 bytes


def test_fetching_models_with_a_key_http_cannot_carry_is_a_refusal(root_api, upstream):
    """Found by tests/fuzz: a non-ASCII key made httpx raise while building the request: a 500."""
    message = root_api.refused("POST", "/api/channel/fetch_models",
                               json={"type": 1, "base_url": upstream.url, "key": "ключ"})
    assert "cannot be sent in an HTTP header" in message
    channel = channels.create_channel(type="OpenAI", name="c", key="ключ", base_url=upstream.url, models="m")
    assert "cannot be sent" in root_api.refused("GET", f"/api/channel/fetch_models/{channel.id}")
    answer = root_api.call("GET", f"/api/channel/test/{channel.id}")
    assert answer.status_code == 200 and answer.json()["success"] is False, answer.text


@pytest.mark.parametrize("base_url", [".0k\u008d\u0013g", "http://up\x13stream", "http://a b", "ftp://host"])
def test_a_base_url_an_http_client_cannot_use_is_refused_everywhere(root_api, base_url):
    """Found by tests/fuzz in CI: fetching models with a control character in the base URL was a 500 (httpx
    refused to build the request). One rule (channels.check_base_url) for saves, drafts and fetches."""
    assert "base URL must be an http(s) URL" in root_api.refused(
        "POST", "/api/channel/fetch_models", json={"type": 1, "base_url": base_url, "key": "sk-x"})
    assert "base URL must be an http(s) URL" in root_api.refused(
        "POST", "/api/channel/", json={"type": 1, "name": "c", "key": "sk-x", "base_url": base_url, "models": "m"})


def test_channel_keys_and_header_overrides_with_control_characters_are_refused(root_api, upstream):
    """Found by tests/fuzz: such a key was saved, then every relay through the channel was a 500 (aiohttp
    refuses the header)."""
    base = {"type": 1, "name": "c", "base_url": upstream.url, "models": "m"}
    assert "control characters" in root_api.refused("POST", "/api/channel/", json={**base, "key": "sk-a\x01b"})
    assert "control characters" in root_api.refused("POST", "/api/channel/", json={
        **base, "key": "sk-ok", "header_override": '{"X-A": "b\\u0000"}'})
    assert channels.list_channels() == []
