"""gateway.server.start_in_thread, the console's way to run the gateway: it serves, reports events, reads
the runtime options, and its stop() lets go of the store so the next start can take it."""

from __future__ import annotations

import time

import httpx

from tests.conftest import add_channel, make_token
from voapi_desktop.gateway.server import GatewayEvent, start_in_thread
from voapi_desktop.store.options import set_option


def test_a_gateway_started_in_a_thread_serves_and_reports_its_requests(store, upstream):
    add_channel(upstream)
    key = make_token()
    events: list[GatewayEvent] = []
    server = start_in_thread(store.env, store.overrides, "127.0.0.1", 0, on_event=events.append)
    try:
        answer = httpx.post(server.base_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
        assert answer.status_code == 200
        deadline = time.monotonic() + 5
        while not events and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [(event.kind, event.data["model"]) for event in events] == [("request", "gpt-4o-mini")]
        set_option("SYSTEM_NAME", "Desk Gateway")
        assert server.live_settings()["SYSTEM_NAME"] == "Desk Gateway"
    finally:
        server.stop()
    assert not server.running


def test_stopping_lets_go_of_the_store_so_the_gateway_can_start_again(store):
    first = start_in_thread(store.env, store.overrides, "127.0.0.1", 0)
    first.stop()
    second = start_in_thread(store.env, store.overrides, "127.0.0.1", 0)  # the SQLite gateway lock is free
    try:
        assert httpx.get(second.base_url + "/api/status", timeout=10).status_code == 200
    finally:
        second.stop()


def test_the_cooldowns_are_read_from_another_thread_and_empty_once_stopped(store, upstream):
    cooling = add_channel(upstream, name="cooling")
    add_channel(upstream, name="fine")
    server = start_in_thread(store.env, store.overrides, "127.0.0.1", 0)
    try:
        assert server.cooldowns() == {}
        server.state.breaker.hold(cooling.id, 42)  # nothing relays meanwhile, so no race with the loop
        seconds = server.cooldowns()
        assert list(seconds) == [cooling.id] and 41 < seconds[cooling.id] <= 42
    finally:
        server.stop()
    assert server.cooldowns() == {}
