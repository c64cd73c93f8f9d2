"""Usage read with the key itself: /api/usage/token and the OpenAI billing emulation."""

from __future__ import annotations

import bcrypt
import httpx
import pytest

from tests.conftest import make_token
from voapi_desktop.core import clock
from voapi_desktop.store import tokens, users
from voapi_desktop.store.tables import Token

BILLING = ["/dashboard/billing/subscription", "/v1/dashboard/billing/subscription", "/dashboard/billing/usage",
           "/v1/dashboard/billing/usage"]


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


def get(gateway, path: str, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(gateway.url + path, headers=headers, timeout=10)


def use(key: str, used: int, remain: int | None = None) -> int:
    """Pretend the token spent `used` quota (and has `remain` left); returns its id."""
    changes = {Token.used_quota: used} | ({Token.remain_quota: remain} if remain is not None else {})
    Token.update(changes).where(Token.key == key.removeprefix("sk-")).execute()
    return Token.get(Token.key == key.removeprefix("sk-")).id


def test_token_usage_has_new_apis_shape(gateway):
    expires = clock.now() + 3600
    key = make_token("laptop", quota=750_000, expires_at=expires, models=["gpt-4o-mini"])
    use(key, 250_000, remain=750_000)
    response = get(gateway, "/api/usage/token", key)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["code"] is True
    assert body["data"] == {"object": "token_usage", "name": "laptop", "total_granted": 1_000_000,
                            "total_used": 250_000, "total_available": 750_000, "unlimited_quota": False,
                            "model_limits": {"gpt-4o-mini": True}, "model_limits_enabled": True,
                            "expires_at": expires}


def test_a_key_that_never_expires_reports_expires_at_zero(gateway):
    key = make_token("forever")
    data = get(gateway, "/api/usage/token", key).json()["data"]
    assert (data["expires_at"], data["unlimited_quota"]) == (0, True)


def test_billing_subscription_and_usage_in_dollars_and_cents(gateway):
    key = make_token("laptop", quota=1_500_000)
    use(key, 500_000, remain=1_500_000)
    for prefix in ("", "/v1"):
        sub = get(gateway, prefix + "/dashboard/billing/subscription", key).json()
        assert sub == {"object": "billing_subscription", "has_payment_method": True, "soft_limit_usd": 4.0,
                       "hard_limit_usd": 4.0, "system_hard_limit_usd": 4.0, "access_until": 0}
        usage = get(gateway, prefix + "/dashboard/billing/usage", key).json()
        assert usage == {"object": "list", "total_usage": 100.0}  # $1 = 100 cents


def test_an_unlimited_key_reports_a_huge_hard_limit(gateway):
    key = make_token("unlimited")
    sub = get(gateway, "/v1/dashboard/billing/subscription", key).json()
    assert sub["hard_limit_usd"] == 100000000


def test_an_exhausted_key_can_still_read_its_usage(gateway):
    key = make_token("spent", quota=0)
    use(key, 900_000)
    data = get(gateway, "/api/usage/token", key).json()["data"]
    assert (data["total_available"], data["total_used"]) == (0, 900_000)
    assert get(gateway, "/v1/dashboard/billing/usage", key).json()["total_usage"] == 180.0


@pytest.mark.parametrize("path", ["/api/usage/token", *BILLING])
def test_a_bad_or_missing_key_is_401_in_the_openai_envelope(gateway, path):
    make_token()
    for key in ("sk-" + "x" * 48, None):
        response = get(gateway, path, key)
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error"


def test_a_disabled_key_is_refused_even_when_exhausted(gateway):
    key = make_token("off", quota=0)
    tokens.set_token_status(use(key, 0), tokens.DISABLED)
    response = get(gateway, "/api/usage/token", key)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_disabled"


def test_an_exhausted_key_is_still_held_to_its_ip_allow_list(gateway):
    key = make_token("fenced", quota=0, allow_ips="10.9.9.9")
    response = get(gateway, "/api/usage/token", key)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ip_not_allowed"
