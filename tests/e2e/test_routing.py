"""End to end: model mapping and channel pinning."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import consume_logs
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.store import channels, users

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]


def chat(client, model: str = "gpt-4o-mini", **extra):
    return client.chat.completions.create(model=model, messages=HELLO, **extra)


def test_model_mapping_sends_the_upstream_name(gateway, upstream, sdk):
    add_channel(upstream, models="gpt-4o-mini", model_mapping={"gpt-4o-mini": "gpt-4o-mini-2024-07-18"})
    reply = chat(sdk(make_token()))
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert upstream.requests[-1].model == "gpt-4o-mini-2024-07-18"
    [row] = consume_logs(gateway)
    assert row["model_name"] == "gpt-4o-mini"  # the public name the client asked for
    assert row["other"]["upstream_model_name"] == "gpt-4o-mini-2024-07-18"


def test_model_mapping_applies_to_streams_and_the_models_list_keeps_the_public_name(gateway, upstream, sdk):
    add_channel(upstream, models="gpt-4o-mini", model_mapping={"gpt-4o-mini": "gpt-4o-mini-2024-07-18"})
    client = sdk(make_token())
    chunks = list(chat(client, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert upstream.requests[-1].model == "gpt-4o-mini-2024-07-18"
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini"]


def test_model_mapping_only_on_the_channel_that_has_it(gateway, upstream, sdk):
    add_channel(upstream, "plain", "key-plain", models="gpt-4o-mini", priority=10)
    mapped = add_channel(upstream, "mapped", "key-mapped", models="gpt-4o-mini",
                         model_mapping={"gpt-4o-mini": "my-deployment"})
    client = sdk(make_token())
    chat(client)
    assert (upstream.requests[-1].key, upstream.requests[-1].model) == ("key-plain", "gpt-4o-mini")
    pinned = sdk(f"{make_token('pin')}-{mapped.id}")
    chat(pinned)
    assert (upstream.requests[-1].key, upstream.requests[-1].model) == ("key-mapped", "my-deployment")


def test_a_root_key_can_pin_a_lower_priority_channel(gateway, upstream, sdk):
    add_channel(upstream, "first", "key-first", priority=100)
    low = add_channel(upstream, "low", "key-low", priority=0)
    key = make_token()
    for _ in range(3):
        assert chat(sdk(f"{key}-{low.id}")).choices[0].message.content == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["key-low"] * 3
    assert chat(sdk(key)).choices[0].message.content == DEFAULT_REPLY  # unpinned: the priority rules
    assert upstream.requests[-1].key == "key-first"
    assert consume_logs(gateway)[1]["channel_id"] == low.id


def test_a_pin_to_a_disabled_channel_is_refused(gateway, upstream, sdk):
    add_channel(upstream, "on", "key-on")
    off = add_channel(upstream, "off", "key-off")
    channels.set_channel_status(off.id, channels.MANUALLY_DISABLED)
    with pytest.raises(openai.APIStatusError) as caught:
        chat(sdk(f"{make_token()}-{off.id}"))
    assert caught.value.status_code == 503
    assert upstream.requests == []


def test_a_common_users_key_may_not_pin(gateway, upstream, sdk):
    add_channel(upstream, "first", "key-first", priority=100)
    low = add_channel(upstream, "low", "key-low")
    users.create_user("alice", "alice-password", quota=1_000_000)
    key = make_token("alice-key", username="alice")
    assert chat(sdk(key)).choices[0].message.content == DEFAULT_REPLY  # the key itself works
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(sdk(f"{key}-{low.id}"))
    assert caught.value.status_code == 403
    assert caught.value.code == "pin_not_allowed"
    assert [r.key for r in upstream.requests] == ["key-first"]


def test_a_malformed_pin_is_401(gateway, upstream, sdk):
    add_channel(upstream)
    with pytest.raises(openai.AuthenticationError):
        chat(sdk(f"{make_token()}-notanumber"))
    assert upstream.requests == []


def test_an_azure_channel_gets_deployment_urls_and_the_api_key_header(gateway, upstream, sdk):
    channels.create_channel(type="Azure OpenAI", name="azure", key="azure-key", base_url=upstream.url,
                            models="gpt-4o-mini", other="2024-10-21")
    reply = chat(sdk(make_token()))
    assert reply.choices[0].message.content == DEFAULT_REPLY
    sent = upstream.requests[-1]
    assert sent.path == "/openai/deployments/gpt-4o-mini/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == "azure-key" and "authorization" not in sent.headers


def test_param_and_header_overrides_reach_the_upstream(gateway, upstream, sdk):
    add_channel(upstream, param_override={"temperature": 0.1}, header_override={"X-Team": "blue"})
    chat(sdk(make_token()), temperature=1.5)
    sent = upstream.requests[-1]
    assert sent.json["temperature"] == 0.1
    assert sent.headers["x-team"] == "blue"


def test_the_clients_own_key_and_stainless_headers_stay_at_the_gateway(gateway, upstream, sdk):
    add_channel(upstream, key="up-key")
    key = make_token()
    chat(sdk(key))
    sent = upstream.requests[-1]
    assert sent.key == "up-key"
    assert key.removeprefix("sk-") not in str(sent.headers)
    assert not any(name.startswith("x-stainless") for name in sent.headers)


def test_a_status_code_mapping_changes_what_the_client_sees(gateway, upstream, sdk):
    add_channel(upstream, key="up-key", status_code_mapping={"429": "503"})
    upstream.behave("up-key", Behaviour.rate_limited())
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 503
