"""End to end: the Realtime API WebSocket through the live gateway to the fake upstream.

Prices: the shipped gpt-4o-realtime-preview (ratio 2.5, completion ratio 4, cache ratio 0.5),
group ratio 1. The fake's usage for one text item "what is the weather like today" is
6 words + 3 = 9 input tokens, and the 4 words of DEFAULT_REPLY out.
Each response holds a reservation of PRE_CONSUMED_QUOTA (500) output tokens: 500 x 4 x 2.5 = 5000.
"""

from __future__ import annotations

import asyncio
import json

import openai
import orjson
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import token_id
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.store import channels, tokens, users
from voapi_desktop.store.logs import CONSUME, list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Channel, Reservation

pytestmark = pytest.mark.e2e

MODEL = "gpt-4o-realtime-preview"
QUESTION = {"type": "conversation.item.create",
            "item": {"type": "message", "role": "user",
                     "content": [{"type": "input_text", "text": "what is the weather like today"}]}}
RESERVED = 5000


@pytest.fixture
def channel(gateway, upstream):
    return add_channel(upstream, key="up-key", models=f"{MODEL},gpt-4o-mini,my-model")


@pytest.fixture
def alice(channel):
    users.create_user("alice", "alice-password", quota=10_000_000)
    return make_token("alice-key", username="alice", quota=1_000_000)


def ws_url(gateway, model: str | None = MODEL) -> str:
    return gateway.url.replace("http://", "ws://") + "/v1/realtime" + (f"?model={model}" if model else "")


def open_session(gateway, key: str | None, model: str | None = MODEL, beta: bool = True, **options):
    headers = ({"Authorization": f"Bearer {key}"} if key else {}) | ({"OpenAI-Beta": "realtime=v1"} if beta else {})
    return connect(ws_url(gateway, model), additional_headers=headers, open_timeout=10, **options)


def send(ws, event: dict) -> None:
    ws.send(json.dumps(event))


def events_until(ws, kind: str) -> list[dict]:
    """The JSON events received up to and including the first one of `kind`."""
    events = []
    while not events or events[-1]["type"] != kind:
        events.append(json.loads(ws.recv(timeout=10)))
    return events


def refused(gateway, key: str | None, model: str | None = MODEL) -> tuple[int, dict]:
    with pytest.raises(InvalidStatus) as caught:
        open_session(gateway, key, model)
    return caught.value.response.status_code, orjson.loads(caught.value.response.body)


def settled(gateway) -> None:
    """Every session has ended and settled (a session counts in flight until then), rows committed."""
    gateway.flush()
    assert Reservation.select().count() == 0


def assert_books(gateway, key: str, rows: list[tuple[int, int, int]], channel_id: int) -> list[dict]:
    """alice's consume rows (quota, prompt, completion), oldest first, agree with every balance."""
    settled(gateway)
    logs = list(reversed(list_logs(type=CONSUME, username="alice")))
    assert [(r["quota"], r["prompt_tokens"], r["completion_tokens"]) for r in logs] == rows
    spent = sum(quota for quota, _, _ in rows)
    user = users.find_user("alice")
    assert (user.quota, user.used_quota, user.request_count) == (10_000_000 - spent, spent, len(rows))
    [token] = [t for t in tokens.list_tokens(user.id) if t.id == token_id(key)]
    assert (token.used_quota, token.remain_quota) == (spent, 1_000_000 - spent)
    assert channels.get_channel(channel_id).used_quota == spent
    assert Reservation.select().count() == 0
    return logs


def test_frames_pass_both_ways_and_each_response_is_billed_exactly(gateway, upstream, channel, alice):
    with open_session(gateway, alice, subprotocols=["realtime"]) as ws:
        assert ws.subprotocol == "realtime"
        assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
        send(ws, QUESTION)
        send(ws, {"type": "response.create"})
        events = events_until(ws, "response.done")
        assert [e["type"] for e in events] == ["response.created"] + ["response.text.delta"] * 4 + [
            "response.text.done", "response.done"]
        assert "".join(e["delta"] for e in events if e["type"] == "response.text.delta") == DEFAULT_REPLY
        # 1000 in (400 cached), 200 out: (600 + 400 x 0.5 + 200 x 4) x 2.5 = 1600 x 2.5 = 4000
        upstream.behave("up-key", Behaviour(usage={"input_tokens": 1000, "output_tokens": 200,
                                                   "input_token_details": {"cached_tokens": 400}}, count=1))
        send(ws, {"type": "response.create"})
        assert events_until(ws, "response.done")[-1]["response"]["usage"]["input_tokens"] == 1000
        ws.send(b"\x00\x01binary")
        assert ws.recv(timeout=10) == b"\x00\x01binary"

    [session] = upstream.realtime_sessions
    assert upstream.wait_for(lambda: session.closed_by == "client")
    assert session.close_code == 1000
    assert (session.model, session.key, session.headers["openai-beta"]) == (MODEL, "up-key", "realtime=v1")
    assert session.received == [QUESTION, {"type": "response.create"}, {"type": "response.create"},
                                b"\x00\x01binary"]
    # first response: (9 + 4 x 4) x 2.5 = 62.5 -> 63
    logs = assert_books(gateway, alice, [(63, 9, 4), (4000, 1000, 200)], channel.id)
    assert [r["model_name"] for r in logs] == [MODEL, MODEL]
    assert {r["other"]["reserved"] for r in logs} == {RESERVED}
    assert logs[1]["other"]["cache_tokens"] == 400
    assert logs[0]["other"]["request_path"] == "/realtime"
    assert logs[0]["request_id"].endswith("-1") and logs[1]["request_id"] == logs[0]["request_id"][:-1] + "2"


@pytest.mark.parametrize("protocols, beta", [
    (["realtime"], False),
    (["realtime", "openai-beta.realtime-v1"], True),
])
def test_the_key_may_come_as_a_sub_protocol(gateway, upstream, channel, alice, protocols, beta):
    with open_session(gateway, None, beta=False,
                      subprotocols=protocols + [f"openai-insecure-api-key.{alice}"]) as ws:
        assert ws.subprotocol == "realtime"
        events_until(ws, "session.created")
        send(ws, {"type": "response.create"})
        kinds = [e["type"] for e in events_until(ws, "response.done")]
        assert ("response.text.delta" if beta else "response.output_text.delta") in kinds
    [session] = upstream.realtime_sessions
    assert session.key == "up-key"
    assert session.headers.get("openai-beta") == ("realtime=v1" if beta else None)
    assert all(alice not in value for value in session.headers.values())  # the caller's key stays here
    assert_books(gateway, alice, [(40, 0, 4)], channel.id)  # 4 x 4 x 2.5


@pytest.mark.parametrize("key, code", [(None, "invalid_api_key"), ("sk-nonsense", "invalid_api_key")])
def test_a_bad_key_is_refused_before_the_handshake(gateway, upstream, channel, alice, key, code):
    status, body = refused(gateway, key)
    assert (status, body["error"]["code"]) == (401, code)
    assert upstream.realtime_sessions == []


def test_a_model_that_is_not_served_is_refused(gateway, upstream, channel, alice):
    status, body = refused(gateway, alice, "gpt-nonexistent")
    assert (status, body["error"]["code"]) == (404, "model_not_found")
    status, body = refused(gateway, alice, None)
    assert (status, body["error"]["param"]) == (400, "model")
    status, body = refused(gateway, alice, "my-model")  # served, but has no price
    assert (status, body["error"]["code"]) == (400, "model_price_not_configured")
    assert upstream.realtime_sessions == []
    assert_books(gateway, alice, [], channel.id)


def test_only_openai_type_channels_serve_the_realtime_api(gateway, upstream):
    users.create_user("alice", "alice-password", quota=10_000_000)
    key = make_token("alice-key", username="alice", quota=1_000_000)
    add_channel(upstream, name="claude", type="Anthropic", models=MODEL)
    status, body = refused(gateway, key)
    assert (status, body["error"]["code"]) == (400, "unsupported_endpoint")  # the client's error, said as such
    assert "Anthropic channels" in body["error"]["message"]
    assert upstream.requests == []


def test_a_session_counts_as_one_request_of_the_key_s_rpm(gateway, upstream, channel, alice):
    set_option("TOKEN_RPM", "1")
    with open_session(gateway, alice) as ws:
        events_until(ws, "session.created")
    status, body = refused(gateway, alice)
    assert (status, body["error"]["code"]) == (429, "rate_limit_exceeded")
    assert len(upstream.realtime_sessions) == 1


def test_an_upstream_that_refuses_the_session_is_a_502_and_costs_nothing(gateway, upstream, channel, alice):
    upstream.require_keys({"another-key"})
    status, body = refused(gateway, alice)
    assert status == 502 and "HTTP 401" in body["error"]["message"]
    assert upstream.requests[-1].path == "/v1/realtime"
    assert_books(gateway, alice, [], channel.id)


def test_a_channel_key_stored_with_a_carriage_return_is_a_502_that_says_so(gateway, upstream, channel, alice):
    Channel.update(key="up-key\rX-Injected: 1").where(Channel.id == channel.id).execute()  # saved before saves checked
    gateway.state.snapshots.reload()
    status, body = refused(gateway, alice)
    assert status == 502 and "edit the channel" in body["error"]["message"]
    assert upstream.requests == []
    assert_books(gateway, alice, [], channel.id)


def test_the_upstream_closing_closes_the_client_with_its_code(gateway, upstream, channel, alice):
    with open_session(gateway, alice) as ws:
        events_until(ws, "session.created")
        send(ws, {"type": "test.close", "code": 4000, "reason": "bye"})
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=10)
    assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (4000, "bye")
    assert upstream.realtime_sessions[0].closed_by == "server"
    assert_books(gateway, alice, [], channel.id)


def test_the_client_leaving_mid_response_closes_the_upstream(gateway, upstream, channel, alice):
    upstream.behave("up-key", Behaviour(reply="word " * 2000))
    # max_queue=None: this client keeps reading what it will never look at, else its close would wait
    with open_session(gateway, alice, max_queue=None) as ws:
        events_until(ws, "session.created")
        send(ws, {"type": "response.create"})
        ws.recv(timeout=10)
    [session] = upstream.realtime_sessions
    assert upstream.wait_for(lambda: session.closed_by is not None)
    assert (session.closed_by, session.close_code) == ("client", 1000)  # a close handshake, not a cut
    settled(gateway)


def test_a_session_ends_when_the_balance_cannot_cover_the_next_response(gateway, upstream, channel):
    users.create_user("bob", "bob-password", quota=10_000_000)
    bob = make_token("bob-key", username="bob", quota=RESERVED - 1)
    status, body = refused(gateway, bob)
    assert (status, body["error"]["code"]) == (429, "insufficient_quota")

    tokens.set_token_quota(token_id(bob), RESERVED + 1000)
    upstream.behave("up-key", Behaviour(usage={"input_tokens": 1000, "output_tokens": 200}))
    with open_session(gateway, bob) as ws:
        events_until(ws, "session.created")
        send(ws, {"type": "response.create"})
        events_until(ws, "response.done")  # (1000 + 200 x 4) x 2.5 = 4500: 1500 left, under a reservation
        error = events_until(ws, "error")[-1]["error"]
        assert error["code"] == "insufficient_quota"
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=10)
    assert caught.value.rcvd.code == 1008
    assert upstream.wait_for(lambda: upstream.realtime_sessions[0].closed_by == "client")
    settled(gateway)
    [row] = list_logs(type=CONSUME, username="bob")
    assert row["quota"] == 4500
    [token] = [t for t in tokens.list_tokens() if t.id == token_id(bob)]
    assert (token.remain_quota, token.used_quota) == (1500, 4500)
    assert users.find_user("bob").quota == 10_000_000 - 4500
    assert Reservation.select().count() == 0


@pytest.mark.parametrize("beta", [False, True])
def test_the_openai_sdk_realtime_client(gateway, upstream, channel, alice, beta):
    async def talk() -> str:
        # the beta client always dials wss:// from base_url; websocket_base_url says where to go instead
        async with openai.AsyncOpenAI(base_url=gateway.base_url, api_key=alice, max_retries=0,
                                      websocket_base_url=gateway.base_url.replace("http://", "ws://")) as client:
            realtime = client.beta.realtime if beta else client.realtime
            async with realtime.connect(model=MODEL) as connection:
                assert (await connection.recv()).type == "session.created"
                await connection.conversation.item.create(item=QUESTION["item"])
                await connection.response.create()
                text = ""
                async for event in connection:
                    if event.type in ("response.output_text.delta", "response.text.delta"):
                        text += event.delta
                    if event.type == "response.done":
                        return text

    assert asyncio.run(talk()) == DEFAULT_REPLY

    async def refused_sdk() -> None:
        async with openai.AsyncOpenAI(base_url=gateway.base_url, api_key="sk-nonsense") as client:
            async with client.realtime.connect(model=MODEL):
                pass

    with pytest.raises(InvalidStatus) as caught:  # what the SDK raises for a refused key
        asyncio.run(refused_sdk())
    assert caught.value.response.status_code == 401
    [session] = upstream.realtime_sessions
    assert upstream.wait_for(lambda: session.closed_by == "client")
    assert session.headers.get("openai-beta") == ("realtime=v1" if beta else None)
    assert_books(gateway, alice, [(63, 9, 4)], channel.id)
