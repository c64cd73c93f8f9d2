"""End to end: channels (or single keys) whose upstream rejects the key are taken out of service."""

from __future__ import annotations

import asyncio

import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.gateway.channel_test import test_channel as run_channel_test
from voapi_desktop.store import channels
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]


def chat(client):
    return client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)


def test_an_invalid_channel_key_auto_disables_the_channel(gateway, upstream, sdk):
    bad = add_channel(upstream, "bad", "key-bad")
    upstream.behave("key-bad", Behaviour.invalid_key())
    with pytest.raises(openai.APIStatusError) as caught:
        chat(sdk(make_token()))
    assert caught.value.status_code == 401
    after = channels.get_channel(bad.id)
    assert after.status == channels.AUTO_DISABLED
    assert "Incorrect API key" in after.status_reason
    assert after.status_time > 0


def test_after_auto_disabling_requests_go_to_the_healthy_channel(gateway, upstream, sdk):
    bad = add_channel(upstream, "bad", "key-bad", priority=10)
    good = add_channel(upstream, "good", "key-good", priority=0)
    set_option("RETRY_TIMES", "1")
    upstream.behave("key-bad", Behaviour.invalid_key())
    client = sdk(make_token())
    assert chat(client).choices[0].message.content == DEFAULT_REPLY
    assert channels.get_channel(bad.id).status == channels.AUTO_DISABLED
    upstream.clear()
    assert chat(client).choices[0].message.content == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["key-good"]
    assert channels.get_channel(good.id).status == channels.ENABLED


def test_insufficient_quota_upstream_auto_disables(gateway, upstream, sdk):
    broke = add_channel(upstream, "broke", "key-broke")
    upstream.behave("key-broke", Behaviour.insufficient_quota())
    with pytest.raises(openai.RateLimitError):
        chat(sdk(make_token()))
    assert channels.get_channel(broke.id).status == channels.AUTO_DISABLED
    assert "insufficient_quota" in channels.get_channel(broke.id).status_reason


def test_a_keyword_in_the_upstream_message_auto_disables(gateway, upstream, sdk):
    poor = add_channel(upstream, "poor", "key-poor")
    upstream.behave("key-poor", Behaviour.error(400, "invalid_request_error",
                                                message="Your credit balance is too low to access the API."))
    with pytest.raises(openai.BadRequestError):
        chat(sdk(make_token()))
    assert channels.get_channel(poor.id).status == channels.AUTO_DISABLED


def test_a_plain_server_error_does_not_disable(gateway, upstream, sdk):
    flaky = add_channel(upstream, "flaky", "key-flaky")
    upstream.behave("key-flaky", Behaviour.error(500, "server_error"))
    with pytest.raises(openai.InternalServerError):
        chat(sdk(make_token()))
    assert channels.get_channel(flaky.id).status == channels.ENABLED


def test_without_auto_ban_the_channel_stays_enabled(gateway, upstream, sdk):
    bad = add_channel(upstream, "bad", "key-bad", auto_ban=False)
    upstream.behave("key-bad", Behaviour.invalid_key())
    with pytest.raises(openai.APIStatusError):
        chat(sdk(make_token()))
    assert channels.get_channel(bad.id).status == channels.ENABLED


def test_with_auto_disable_switched_off_the_channel_stays_enabled(gateway, upstream, sdk):
    set_option("AUTOMATIC_DISABLE_CHANNEL_ENABLED", "false")
    bad = add_channel(upstream, "bad", "key-bad")
    upstream.behave("key-bad", Behaviour.invalid_key())
    with pytest.raises(openai.APIStatusError):
        chat(sdk(make_token()))
    assert channels.get_channel(bad.id).status == channels.ENABLED


def test_in_a_multi_key_channel_only_the_bad_key_is_disabled(gateway, upstream, sdk):
    multi = add_channel(upstream, "multi", "k1\nk2", key_mode="round-robin")
    upstream.behave("k1", Behaviour.invalid_key())
    client = sdk(make_token())
    with pytest.raises(openai.APIStatusError):
        chat(client)  # round-robin starts with k1
    after = channels.get_channel(multi.id)
    assert after.status == channels.ENABLED
    assert set(after.disabled_keys) == {"0"}
    assert "Incorrect API key" in after.disabled_keys["0"]["reason"]
    assert after.usable_key_indexes == [1]
    upstream.clear()
    for _ in range(3):  # only k2 is used from now on
        assert chat(client).choices[0].message.content == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["k2", "k2", "k2"]


def test_a_multi_key_channel_goes_when_its_last_key_does(gateway, upstream, sdk):
    multi = add_channel(upstream, "multi", "k1\nk2", key_mode="round-robin")
    upstream.behave("k1", Behaviour.invalid_key())
    upstream.behave("k2", Behaviour.invalid_key())
    client = sdk(make_token())
    for _ in range(2):
        with pytest.raises(openai.APIStatusError):
            chat(client)
    after = channels.get_channel(multi.id)
    assert after.status == channels.AUTO_DISABLED
    assert [r.key for r in upstream.requests] == ["k1", "k2"]


def test_a_channel_test_re_enables_an_auto_disabled_channel_once_healthy(gateway, upstream, sdk):
    bad = add_channel(upstream, "bad", "key-bad")
    upstream.behave("key-bad", Behaviour.invalid_key())
    with pytest.raises(openai.APIStatusError):
        chat(sdk(make_token()))
    assert channels.get_channel(bad.id).status == channels.AUTO_DISABLED
    settings = gateway.state.snapshots.current.settings

    still_bad = asyncio.run(run_channel_test(channels.get_channel(bad.id), settings))
    assert not still_bad.ok and still_bad.status == 401
    assert channels.get_channel(bad.id).status == channels.AUTO_DISABLED

    upstream.normal("key-bad")
    result = asyncio.run(run_channel_test(channels.get_channel(bad.id), settings))
    assert result.ok and result.status == 200
    after = channels.get_channel(bad.id)
    assert after.status == channels.ENABLED
    assert after.status_reason == ""
    assert chat(sdk(make_token("again"))).choices[0].message.content == DEFAULT_REPLY


def test_a_channel_test_does_not_re_enable_a_manually_disabled_channel(gateway, upstream):
    off = add_channel(upstream, "off", "key-off")
    channels.set_channel_status(off.id, channels.MANUALLY_DISABLED)
    result = asyncio.run(run_channel_test(channels.get_channel(off.id), gateway.state.snapshots.current.settings))
    assert result.ok
    assert channels.get_channel(off.id).status == channels.MANUALLY_DISABLED
