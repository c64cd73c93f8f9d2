"""End to end: a channel that keeps failing is passed over for a while (docs/reliability.md, Cooldown).

Two channels: A (priority 10, tried first) and B (priority 0, healthy). The breaker's clock is
replaced by one the test moves, so cooldowns expire without sleeping; what is asserted is which
upstream key each request reached, never how long it took.
"""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import consume_logs
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.store import channels, users
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
QUOTA = 1_000_000



@pytest.fixture
def two_channels(gateway, upstream, breaker_clock):
    """A (key-a) is tried first, B (key-b) is the fallback; one retry; cooldown after 2 failures, 5 s."""
    a = add_channel(upstream, "A", "key-a", priority=10)
    b = add_channel(upstream, "B", "key-b", priority=0)
    settings = {"RETRY_TIMES": "1", "FIRST_BYTE_TIMEOUT": "1", "CHANNEL_COOLDOWN_FAILURES": "2",
                "CHANNEL_COOLDOWN_SECONDS": "5", "CHANNEL_COOLDOWN_MAX_SECONDS": "60"}
    for name, value in settings.items():
        set_option(name, value)
    return a, b


@pytest.fixture
def client(gateway, sdk):
    users.create_user("payer", "payer-password", quota=QUOTA)
    return sdk(make_token("payer-key", username="payer", quota=QUOTA))


def chat(client, **extra) -> str:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, **extra)
    if extra.get("stream"):
        return "".join(c.choices[0].delta.content or "" for c in reply if c.choices)
    return reply.choices[0].message.content


def hits(upstream, key: str) -> int:
    return len(upstream.requests_for(key))


def test_after_n_first_byte_stalls_requests_go_straight_to_the_healthy_channel(gateway, upstream, two_channels,
                                                                                client):
    a, b = two_channels
    upstream.behave("key-a", Behaviour(first_byte_delay=4))
    for _ in range(2):
        assert chat(client) == DEFAULT_REPLY  # A stalls, B answers
    assert hits(upstream, "key-a") == 2
    for stream in (False, True, False):
        assert chat(client, stream=stream) == DEFAULT_REPLY
    assert hits(upstream, "key-a") == 2  # passed over: no stall paid
    assert hits(upstream, "key-b") == 5
    rows = consume_logs(gateway)
    assert [r["other"]["retry_chain"] for r in rows] == [[b.id]] * 3 + [[a.id, b.id]] * 2
    assert channels.get_channel(a.id).status == channels.ENABLED  # cooling down is not disabling


def test_after_the_cooldown_one_probe_goes_to_the_channel_and_a_success_resets_it(gateway, upstream, breaker_clock,
                                                                                  two_channels, client):
    upstream.behave("key-a", Behaviour.error(500, "server_error"))
    chat(client), chat(client)
    assert hits(upstream, "key-a") == 2
    breaker_clock.now += 5
    assert chat(client) == DEFAULT_REPLY  # the probe: A fails again, B answers
    assert hits(upstream, "key-a") == 3
    breaker_clock.now += 9
    assert chat(client) == DEFAULT_REPLY  # the cooldown doubled to 10 s: still passed over
    assert hits(upstream, "key-a") == 3
    upstream.normal("key-a")
    breaker_clock.now += 1
    upstream.clear()
    assert chat(client) == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["key-a"]  # the probe answered
    assert chat(client) == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["key-a", "key-a"]  # closed again
    assert not gateway.state.breaker


def test_a_failure_after_a_success_does_not_count_the_old_ones(gateway, upstream, two_channels, client):
    upstream.behave("key-a", Behaviour.error(502, "server_error", count=1))
    chat(client)
    chat(client)  # A answers: its count starts again
    upstream.behave("key-a", Behaviour.error(502, "server_error", count=1))
    chat(client)
    chat(client)
    assert hits(upstream, "key-a") == 4


def test_a_429_with_retry_after_holds_the_channel_exactly_that_long(gateway, upstream, breaker_clock, two_channels,
                                                                    client):
    upstream.behave("key-a", Behaviour.rate_limited(retry_after=7, count=1))
    assert chat(client) == DEFAULT_REPLY  # one 429 is enough: no count of failures
    assert chat(client) == DEFAULT_REPLY
    breaker_clock.now += 6.9
    assert chat(client) == DEFAULT_REPLY
    assert hits(upstream, "key-a") == 1
    breaker_clock.now += 0.1
    upstream.clear()
    assert chat(client) == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["key-a"]


def test_a_retry_after_on_one_key_of_a_multi_key_channel_holds_only_that_key(gateway, upstream, breaker_clock, client):
    set_option("RETRY_TIMES", "1")
    add_channel(upstream, "multi", "key-1\nkey-2", key_mode="round-robin")
    upstream.behave("key-1", Behaviour.rate_limited(retry_after=30))
    with pytest.raises(openai.RateLimitError):
        chat(client)  # round-robin starts with key-1; no other channel to take over
    for _ in range(4):
        assert chat(client) == DEFAULT_REPLY
    assert hits(upstream, "key-1") == 1 and hits(upstream, "key-2") == 4


def test_when_every_channel_is_cooling_down_the_one_that_ends_first_is_still_tried(gateway, upstream, breaker_clock,
                                                                                  two_channels, client):
    a, b = two_channels
    upstream.behave("key-a", Behaviour.error(500, "server_error", message="a is down"))
    upstream.behave("key-b", Behaviour.error(500, "server_error", message="b is down"))
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            chat(client)
    assert gateway.state.breaker.view() == {a.id: 5, b.id: 5}
    upstream.clear()
    with pytest.raises(openai.InternalServerError) as caught:
        chat(client)  # never refused only because of the cooldown
    assert "is down" in caught.value.message
    assert len(upstream.requests) == 2
    upstream.normal("key-b")
    assert chat(client) == DEFAULT_REPLY
    gateway.flush()
    assert users.find_user("payer").quota == QUOTA - sum(r["quota"] for r in consume_logs(gateway))
    assert len(consume_logs(gateway)) == 1  # only the answer is billed


def test_the_clients_own_errors_never_cool_a_channel_down(gateway, upstream, two_channels, client):
    upstream.behave("key-a", Behaviour.error(400, "invalid_request_error", message="bad"))
    for _ in range(3):
        with pytest.raises(openai.BadRequestError):
            chat(client)
    assert hits(upstream, "key-a") == 3
    assert not gateway.state.breaker.view()


def test_cooldown_seconds_zero_turns_the_breaker_off(gateway, upstream, two_channels, client):
    set_option("CHANNEL_COOLDOWN_SECONDS", "0")
    upstream.behave("key-a", Behaviour.error(503, "server_error"))
    for _ in range(4):
        assert chat(client) == DEFAULT_REPLY
    assert hits(upstream, "key-a") == 4
    assert not gateway.state.breaker


def test_the_channel_list_says_until_when_a_channel_cools_down(gateway, upstream, breaker_clock, two_channels, client):
    a, b = two_channels
    upstream.behave("key-a", Behaviour.error(500, "server_error"))
    chat(client), chat(client)
    root = users.find_user("root")
    admin = {"Authorization": users.issue_access_token(root.id), "New-Api-User": str(root.id)}
    before = time.time()
    listed = httpx.get(gateway.url + "/api/channel/", headers=admin).json()["data"]["items"]
    until = {c["id"]: c["cooldown_until"] for c in listed}
    assert before + 4 <= until[a.id] <= before + 7 and until[b.id] == 0
    one = httpx.get(f"{gateway.url}/api/channel/{a.id}", headers=admin).json()["data"]
    assert abs(one["cooldown_until"] - until[a.id]) <= 1
