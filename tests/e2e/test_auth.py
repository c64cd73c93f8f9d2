"""End to end: who may call, as the official SDK sees the refusals."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import token_id
from voapi_desktop.core import clock
from voapi_desktop.store import tokens
from voapi_desktop.store.tables import Token

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]


@pytest.fixture
def channel(gateway, upstream):
    return add_channel(upstream)


def chat(client, model: str = "gpt-4o-mini"):
    return client.chat.completions.create(model=model, messages=HELLO)


def test_a_wrong_key_is_401(channel, upstream, sdk):
    make_token()
    with pytest.raises(openai.AuthenticationError) as caught:
        chat(sdk("sk-" + "x" * 48))
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert "x" * 20 not in caught.value.message  # the key is masked in the message
    assert upstream.requests == []


def test_no_key_is_401(gateway, channel, upstream):
    response = httpx.post(gateway.base_url + "/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO},
                          timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert upstream.requests == []


def test_a_disabled_token_is_401(channel, upstream, sdk):
    key = make_token()
    client = sdk(key)
    assert chat(client).choices[0].message.content
    tokens.set_token_status(token_id(key), tokens.DISABLED)
    with pytest.raises(openai.AuthenticationError) as caught:
        chat(client)
    assert caught.value.status_code == 401
    assert caught.value.code == "token_disabled"
    assert len(upstream.requests) == 1


def test_an_expired_token_is_401(gateway, channel, upstream, sdk):
    key = make_token(expires_at=clock.now() + 3600)
    client = sdk(key)
    assert chat(client).choices[0].message.content
    Token.update(expired_time=clock.now() - 1).where(Token.id == token_id(key)).execute()
    gateway.state.snapshots.reload()
    with pytest.raises(openai.AuthenticationError) as caught:
        chat(client)
    assert caught.value.code == "token_expired"
    assert len(upstream.requests) == 1


def test_an_exhausted_token_is_429_insufficient_quota_and_not_worth_retrying(channel, upstream, sdk):
    client = sdk(make_token(quota=0))
    with pytest.raises(openai.RateLimitError) as caught:
        chat(client)
    assert caught.value.status_code == 429
    assert caught.value.code == "insufficient_quota"
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert upstream.requests == []


def test_an_exhausted_token_is_not_retried_by_the_sdk(channel, upstream, sdk):
    """x-should-retry: false stops the SDK's own retries (it would retry a 429 otherwise)."""
    sent = []
    http_client = openai.DefaultHttpxClient(event_hooks={"request": [sent.append]})
    client = sdk(make_token(quota=0), max_retries=3, http_client=http_client)
    with pytest.raises(openai.RateLimitError):
        chat(client)
    assert len(sent) == 1


def test_a_token_with_quota_left_works(channel, upstream, sdk):
    assert chat(sdk(make_token(quota=500_000))).choices[0].message.content  # $1


def test_a_model_the_token_may_not_use_is_permission_denied(upstream, sdk):
    add_channel(upstream, models="gpt-4o-mini,gpt-4o")
    client = sdk(make_token(models=["gpt-4o-mini"]))
    assert chat(client, "gpt-4o-mini").choices[0].message.content
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(client, "gpt-4o")
    assert caught.value.status_code == 403
    assert caught.value.code == "model_not_allowed"
    assert [r.model for r in upstream.requests] == ["gpt-4o-mini"]


def test_a_client_ip_outside_the_allow_list_is_permission_denied(channel, upstream, sdk):
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(sdk(make_token("far", allow_ips="10.1.2.3")))
    assert caught.value.code == "ip_not_allowed"
    assert upstream.requests == []


def test_a_client_ip_inside_the_allow_list_works(channel, upstream, sdk):
    assert chat(sdk(make_token("near", allow_ips="127.0.0.1"))).choices[0].message.content
    assert chat(sdk(make_token("cidr", allow_ips="10.0.0.0/8,127.0.0.0/8"))).choices[0].message.content


def test_models_list_needs_a_valid_key_too(channel, sdk):
    with pytest.raises(openai.AuthenticationError):
        sdk("sk-nope").models.list()
    with pytest.raises(openai.PermissionDeniedError):
        sdk(make_token("far", allow_ips="10.1.2.3")).models.list()
