"""End to end: the Realtime API's upstream handshakes feed the channel cooldown (docs/reliability.md, Cooldown).

Two channels serve the realtime model: A (priority 10, tried first) and B (priority 0, healthy). A failed
handshake on A fails over to B before anything reaches the client; after two, sessions go straight to B.
The breaker's clock is moved by the test (as in test_cooldown.py); what is asserted is which upstream key
each handshake reached, never how long it took.
"""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

from tests.conftest import add_channel, free_port, make_token
from tests.e2e.helpers import consume_logs
from tests.fakes.upstream import Behaviour
from voapi_desktop.store import channels, users
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

MODEL = "gpt-4o-realtime-preview"


@pytest.fixture
def cooldown_settings(gateway):
    """One retry; cooldown after 2 failures, 5 s."""
    settings = {"RETRY_TIMES": "1", "FIRST_BYTE_TIMEOUT": "1", "CHANNEL_COOLDOWN_FAILURES": "2",
                "CHANNEL_COOLDOWN_SECONDS": "5", "CHANNEL_COOLDOWN_MAX_SECONDS": "60"}
    for name, value in settings.items():
        set_option(name, value)


@pytest.fixture
def two_channels(gateway, upstream, breaker_clock, cooldown_settings):
    return (add_channel(upstream, "A", "key-a", models=MODEL, priority=10),
            add_channel(upstream, "B", "key-b", models=MODEL, priority=0))


@pytest.fixture
def alice(gateway):
    users.create_user("alice", "alice-password", quota=10_000_000)
    return make_token("alice-key", username="alice", quota=1_000_000)


def session(gateway, key: str, respond: bool = False) -> None:
    """Open a realtime session (it must open), maybe have one response billed, and leave."""
    url = gateway.url.replace("http://", "ws://") + f"/v1/realtime?model={MODEL}"
    with connect(url, additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
        if respond:
            ws.send(json.dumps({"type": "response.create"}))
            while json.loads(ws.recv(timeout=10))["type"] != "response.done":
                pass


def handshakes(upstream, key: str) -> int:
    return len(upstream.requests_for(key))


def opened_on(upstream) -> list[str]:
    return [s.key for s in upstream.realtime_sessions]


@pytest.mark.parametrize("fault", [Behaviour.error(503, "server_error"), Behaviour.html(502),
                                   Behaviour(first_byte_delay=4)], ids=["503", "html-502", "stall"])
def test_after_n_failed_handshakes_sessions_go_straight_to_the_healthy_channel(gateway, upstream, two_channels,
                                                                               alice, fault):
    a, _ = two_channels
    upstream.behave("key-a", fault)
    for _ in range(2):
        session(gateway, alice)  # A fails, B opens the session: nothing had reached the client
    assert handshakes(upstream, "key-a") == 2
    assert set(gateway.state.breaker.view()) == {a.id}
    for _ in range(2):
        session(gateway, alice)
    assert handshakes(upstream, "key-a") == 2  # passed over
    assert opened_on(upstream) == ["key-b"] * 4
    assert channels.get_channel(a.id).status == channels.ENABLED  # cooling down is not disabling


def test_a_refused_connection_counts_as_a_failure_of_the_channel(gateway, upstream, breaker_clock, cooldown_settings,
                                                                 alice):
    dead = channels.create_channel(name="dead", key="key-a", base_url=f"http://127.0.0.1:{free_port()}",
                                   models=MODEL, type="OpenAI", priority=10)
    b = add_channel(upstream, "B", "key-b", models=MODEL, priority=0)
    for _ in range(3):
        session(gateway, alice, respond=True)
    rows = consume_logs(gateway)  # newest first
    assert [r["other"]["retry_chain"] for r in rows] == [[b.id], [dead.id, b.id], [dead.id, b.id]]
    assert set(gateway.state.breaker.view()) == {dead.id}


def test_after_the_cooldown_one_session_probes_and_its_opening_closes_the_breaker(gateway, upstream, breaker_clock,
                                                                                   two_channels, alice):
    upstream.behave("key-a", Behaviour.error(500, "server_error"))
    session(gateway, alice), session(gateway, alice)
    breaker_clock.now += 5
    session(gateway, alice)  # the probe: A fails again, the cooldown doubles to 10 s
    assert handshakes(upstream, "key-a") == 3
    breaker_clock.now += 9
    session(gateway, alice)
    assert handshakes(upstream, "key-a") == 3
    upstream.normal("key-a")
    breaker_clock.now += 1
    session(gateway, alice)  # the probe opens a session on A
    assert opened_on(upstream)[-1] == "key-a"
    assert not gateway.state.breaker
    session(gateway, alice)
    assert opened_on(upstream)[-1] == "key-a"


def test_a_429_handshake_with_retry_after_holds_the_channel_exactly_that_long(gateway, upstream, breaker_clock,
                                                                             two_channels, alice):
    upstream.behave("key-a", Behaviour.rate_limited(retry_after=7, count=1))
    session(gateway, alice)  # one 429 is enough: no count of failures
    session(gateway, alice)
    breaker_clock.now += 6.9
    session(gateway, alice)
    assert handshakes(upstream, "key-a") == 1
    assert opened_on(upstream) == ["key-b"] * 3
    breaker_clock.now += 0.1
    session(gateway, alice)
    assert handshakes(upstream, "key-a") == 2 and opened_on(upstream)[-1] == "key-a"


def test_a_handshake_the_upstream_refuses_for_the_key_never_cools_the_channel(gateway, upstream, two_channels,
                                                                              alice):
    upstream.behave("key-a", Behaviour.invalid_key())
    for _ in range(3):
        session(gateway, alice)
    assert handshakes(upstream, "key-a") == 3
    assert opened_on(upstream) == ["key-b"] * 3
    assert not gateway.state.breaker.view()
