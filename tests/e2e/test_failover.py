"""End to end: retries on other channels, and when the gateway must not retry."""

from __future__ import annotations

import time

import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import closed_port_url, consume_logs
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.store import channels
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Channel

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]


def chat(client, **extra):
    return client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, **extra)


def keys_called(upstream) -> list[str]:
    return [r.key for r in upstream.requests]


@pytest.fixture
def two_channels(gateway, upstream):
    """Channel A (priority 10, key-a) is tried first; B (priority 0, key-b) is the fallback."""
    a = add_channel(upstream, "A", "key-a", priority=10)
    b = add_channel(upstream, "B", "key-b", priority=0)
    return a, b


def test_a_500_fails_over_to_the_next_channel(gateway, upstream, sdk, two_channels):
    a, b = two_channels
    set_option("RETRY_TIMES", "2")
    upstream.behave("key-a", Behaviour.error(500, "server_error", message="boom"))
    reply = chat(sdk(make_token()))
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-a", "key-b"]
    [row] = consume_logs(gateway)
    assert row["other"]["retry_chain"] == [a.id, b.id]
    assert row["channel_id"] == b.id
    assert channels.get_channel(a.id).status == channels.ENABLED  # a 500 is no reason to disable


def test_a_stream_fails_over_too(gateway, upstream, sdk, two_channels):
    a, b = two_channels
    set_option("RETRY_TIMES", "1")
    upstream.behave("key-a", Behaviour.error(503, "server_error"))
    chunks = list(chat(sdk(make_token()), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-a", "key-b"]
    assert consume_logs(gateway)[0]["other"]["retry_chain"] == [a.id, b.id]


def test_a_failing_channel_is_never_tried_twice(gateway, upstream, sdk, two_channels):
    set_option("RETRY_TIMES", "5")
    upstream.behave("key-a", Behaviour.error(500, "server_error", message="a is down"))
    upstream.behave("key-b", Behaviour.error(502, "server_error", message="b is down"))
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 502  # the last attempt's answer
    assert "b is down" in caught.value.message
    assert keys_called(upstream) == ["key-a", "key-b"]


def test_same_tier_channels_are_each_tried_once(gateway, upstream, sdk):
    for name in "ABC":
        add_channel(upstream, name, f"key-{name}", priority=5)
        upstream.behave(f"key-{name}", Behaviour.error(500, "server_error"))
    set_option("RETRY_TIMES", "5")
    with pytest.raises(openai.InternalServerError):
        chat(sdk(make_token()))
    assert sorted(keys_called(upstream)) == ["key-A", "key-B", "key-C"]


def test_a_retry_moves_to_the_next_priority_tier(gateway, upstream, sdk):
    for name in "ABC":
        add_channel(upstream, name, f"key-{name}", priority=5)
        upstream.behave(f"key-{name}", Behaviour.error(500, "server_error"))
    add_channel(upstream, "D", "key-D", priority=0)
    set_option("RETRY_TIMES", "3")
    assert chat(sdk(make_token())).choices[0].message.content == DEFAULT_REPLY
    first, second = keys_called(upstream)
    assert first in ("key-A", "key-B", "key-C") and second == "key-D"


def test_the_clients_own_400_is_not_retried(gateway, upstream, sdk, two_channels):
    a, _ = two_channels
    set_option("RETRY_TIMES", "2")
    upstream.behave("key-a", Behaviour.error(400, "invalid_request_error", code="context_length_exceeded",
                                             message="too many tokens"))
    with pytest.raises(openai.BadRequestError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 400
    assert caught.value.code == "context_length_exceeded"
    assert "too many tokens" in caught.value.message
    assert keys_called(upstream) == ["key-a"]
    assert channels.get_channel(a.id).status == channels.ENABLED


def test_without_retries_the_upstream_500_reaches_the_client(gateway, upstream, sdk, two_channels):
    set_option("RETRY_TIMES", "0")
    upstream.behave("key-a", Behaviour.error(500, "server_error", message="boom"))
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 500
    assert "boom" in caught.value.message
    assert keys_called(upstream) == ["key-a"]


def test_an_html_error_page_becomes_an_openai_error(gateway, upstream, sdk, two_channels):
    upstream.behave("key-a", Behaviour.html(502))
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 502
    assert caught.value.code == "bad_upstream_response"
    assert caught.value.response.headers["content-type"].startswith("application/json")


def test_a_200_that_is_not_json_fails_over(gateway, upstream, sdk, two_channels):
    a, b = two_channels
    set_option("RETRY_TIMES", "1")
    upstream.behave("key-a", Behaviour(non_json_200=True))
    assert chat(sdk(make_token())).choices[0].message.content == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-a", "key-b"]
    assert consume_logs(gateway)[0]["other"]["retry_chain"] == [a.id, b.id]


def test_a_200_that_is_not_json_is_a_502_without_retries(gateway, upstream, sdk, two_channels):
    upstream.behave("key-a", Behaviour(non_json_200=True))
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 502
    assert caught.value.code == "bad_upstream_response"
    assert consume_logs(gateway) == []


def test_rate_limited_channel_fails_over(gateway, upstream, sdk, two_channels):
    a, b = two_channels
    set_option("RETRY_TIMES", "1")
    upstream.behave("key-a", Behaviour.rate_limited())
    assert chat(sdk(make_token())).choices[0].message.content == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-a", "key-b"]
    assert channels.get_channel(a.id).status == channels.ENABLED


def test_a_refused_connection_fails_over(gateway, upstream, sdk):
    dead = channels.create_channel(type="OpenAI", name="dead", key="key-dead", base_url=closed_port_url(),
                                   models="gpt-4o-mini", priority=10)
    b = add_channel(upstream, "B", "key-b")
    set_option("RETRY_TIMES", "1")
    assert chat(sdk(make_token())).choices[0].message.content == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-b"]
    assert consume_logs(gateway)[0]["other"]["retry_chain"] == [dead.id, b.id]


def test_a_refused_connection_without_retries_is_a_502(gateway, upstream, sdk):
    channels.create_channel(type="OpenAI", name="dead", key="key-dead", base_url=closed_port_url(),
                            models="gpt-4o-mini")
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 502


def test_a_first_byte_timeout_fails_over(gateway, upstream, sdk, two_channels):
    a, b = two_channels
    set_option("RETRY_TIMES", "1")
    set_option("FIRST_BYTE_TIMEOUT", "1")
    upstream.behave("key-a", Behaviour(first_byte_delay=5))
    started = time.monotonic()
    assert chat(sdk(make_token())).choices[0].message.content == DEFAULT_REPLY
    assert 1 <= time.monotonic() - started < 4  # gave up on A after 1 s, did not wait its 5 s
    assert keys_called(upstream) == ["key-a", "key-b"]
    assert consume_logs(gateway)[0]["other"]["retry_chain"] == [a.id, b.id]
    assert upstream.wait_for(lambda: upstream.disconnects == 1, timeout=3)  # the slow upstream was let go


def test_a_stream_that_never_sends_its_first_chunk_fails_over(gateway, upstream, sdk, two_channels):
    set_option("RETRY_TIMES", "1")
    set_option("FIRST_BYTE_TIMEOUT", "1")
    upstream.behave("key-a", Behaviour(stall_after_chunks=0, stall_seconds=5))
    chunks = list(chat(sdk(make_token()), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-a", "key-b"]


@pytest.mark.parametrize("how", ["reset_after_chunks", "truncate_after_chunks", "midstream_error_after_chunks"])
def test_a_stream_that_fails_before_its_first_chunk_fails_over(gateway, upstream, sdk, two_channels, how):
    a, b = two_channels
    set_option("RETRY_TIMES", "1")
    upstream.behave("key-a", Behaviour(**{how: 0}))
    chunks = list(chat(sdk(make_token()), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-a", "key-b"]
    assert consume_logs(gateway)[0]["other"]["retry_chain"] == [a.id, b.id]


def test_a_first_byte_timeout_without_retries_is_a_504(gateway, upstream, sdk, two_channels):
    set_option("FIRST_BYTE_TIMEOUT", "1")
    upstream.behave("key-a", Behaviour(first_byte_delay=3))
    with pytest.raises(openai.InternalServerError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 504


def test_a_channel_key_saved_with_a_carriage_return_before_saves_checked_fails_over_not_500(gateway, upstream, sdk,
                                                                                   two_channels):
    a, _ = two_channels
    set_option("RETRY_TIMES", "1")
    Channel.update(key="key-a\rX-Injected: 1").where(Channel.id == a.id).execute()  # as an old database may hold
    gateway.state.snapshots.reload()
    reply = chat(sdk(make_token()))
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert keys_called(upstream) == ["key-b"]  # nothing was sent with the broken key
    set_option("RETRY_TIMES", "0")
    Channel.update(status=channels.MANUALLY_DISABLED).where(Channel.id == two_channels[1].id).execute()
    gateway.state.snapshots.reload()
    with pytest.raises(openai.APIStatusError) as refused:
        chat(sdk(make_token(name="second")))
    assert refused.value.status_code == 502 and "edit the channel" in refused.value.message  # said, not a 500
