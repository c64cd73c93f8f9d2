"""Fault injection, in every client dialect: what the gateway does when its upstream misbehaves.

Expected behaviour (docs/reliability.md has the observed table):

* nothing reached the client yet (refused connection, no first byte in time, a reset or an empty
  stream before any content, an HTML 502 page, a 200 that is not JSON, a 429): the next channel
  answers; with no other channel the client gets an error in its own envelope (502, 504 for a
  timeout, the upstream's 429), and nothing is billed: no consume row, the balance untouched.
* something was sent already (a stall longer than STREAMING_TIMEOUT, a reset, an EOF without the
  terminator, a trickle slower than the idle timeout, RELAY_TIMEOUT reached, the upstream's own
  error event, an upstream chunk the translator cannot handle): the stream ends with an error event
  in the client's dialect then its terminator, and what was produced is billed exactly: the
  upstream's usage when it came, else a local count of the text the client received.
* none of these faults disables the channel (only a rejected key does: test_channel_health.py).

Prices are set to 1 quota per token, prompt and completion, so a consume row costs
prompt_tokens + completion_tokens.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_token
from tests.e2e.faults import ROUTES, TRANSLATED, Route, completion_tokens
from tests.e2e.helpers import closed_port_url
from tests.fakes.upstream import Behaviour
from voapi_desktop.store import channels, prices, users
from voapi_desktop.store.logs import CONSUME, ERROR, list_logs
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

QUOTA = 1_000_000
REPLY = " ".join(f"w{i}" for i in range(24))  # 24 words: several chunks in every dialect
SHORT = "one two three four"


@pytest.fixture
def payer(gateway):
    """A user with a limited key; timeouts short; the three models at 1 quota per token."""
    for model in ("gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash"):
        prices.set_price(model, ratio="1", completion_ratio="1")  # ratio 1 = $2/1M = 1 quota per token
    for name, value in {"FIRST_BYTE_TIMEOUT": "1", "STREAMING_TIMEOUT": "1", "RELAY_TIMEOUT": "0",
                        "RETRY_TIMES": "1", "ERROR_LOG_ENABLED": "true"}.items():
        set_option(name, value)
    user = users.create_user("payer", "payer-password", quota=QUOTA)
    return user.id, make_token("payer-key", username="payer", quota=QUOTA)


def books(gateway, user_id: int) -> tuple[list[dict], int]:
    """The payer's consume rows and what their balance went down by, which must be the rows' sum."""
    gateway.flush()
    rows = list_logs(type=CONSUME, username="payer", limit=100)
    spent = QUOTA - users.get_user(user_id).quota
    assert spent == sum(r["quota"] for r in rows), (spent, rows)
    return rows, spent


def ids(routes):
    return [r.id for r in routes]


# --- before the first byte: another channel takes over, or an error and no charge ------------------

EARLY = {
    "refused": None,  # the channel points at a closed port
    "stall_before_headers": Behaviour(first_byte_delay=4),
    "reset_before_content": Behaviour(reset_after_chunks=0),
    "html_502": Behaviour.html(502),
    "non_json_200": Behaviour(non_json_200=True),
    "429_retry_after": Behaviour.rate_limited(retry_after=7),
}
EARLY_STREAM_ONLY = {
    "stall_before_first_event": Behaviour(stall_after_chunks=0, stall_seconds=4),
    "eof_before_content": Behaviour(truncate_after_chunks=0),
}
EARLY_CASES = [(f, s) for f in EARLY for s in (False, True)] + [(f, True) for f in EARLY_STREAM_ONLY]
WAITS = {"stall_before_headers", "stall_before_first_event", "stall_mid_stream"}  # a timeout has to fire: ~1 s


def cases(pairs):
    """(fault, stream) pairs as test params, the ones that wait for a timeout marked slow."""
    return [pytest.param(f, s, id=f"{f}-{'stream' if s else 'plain'}", marks=[pytest.mark.slow] if f in WAITS else [])
            for f, s in pairs]
EXPECTED_STATUS = {"refused": 502, "stall_before_headers": 504, "reset_before_content": 502, "html_502": 502,
                   "non_json_200": 502, "429_retry_after": 429, "stall_before_first_event": 504,
                   "eof_before_content": 502}


def faulty_channel(route: Route, upstream, fault: str, **fields):
    if fault == "refused":
        channel = route.channel(upstream, "broken", "bad-key", **fields)
        return channels.update_channel(channel.id, base_url=closed_port_url()) or channel
    upstream.behave("bad-key", EARLY.get(fault) or EARLY_STREAM_ONLY[fault])
    return route.channel(upstream, "broken", "bad-key", **fields)


@pytest.mark.parametrize("fault,stream", cases(EARLY_CASES))
@pytest.mark.parametrize("route", ROUTES, ids=ids(ROUTES))
def test_an_early_fault_fails_over_to_the_next_channel(gateway, upstream, payer, route, fault, stream):
    user_id, key = payer
    broken = faulty_channel(route, upstream, fault, priority=10)
    good = route.channel(upstream, "good", "good-key", priority=0)
    upstream.behave("good-key", Behaviour(reply=SHORT))

    response = route.ask(gateway, key, stream)

    assert response.status_code == 200, response.text
    assert route.text(response, stream) == SHORT
    if stream:
        assert route.stream_end(response) == "ok"
    assert [r.key for r in upstream.requests if r.key == "good-key"] == ["good-key"]
    rows, spent = books(gateway, user_id)
    assert len(rows) == 1 and rows[0]["channel_id"] == good.id
    assert rows[0]["completion_tokens"] == 4  # the upstream's usage of the answer that came
    assert spent == rows[0]["prompt_tokens"] + 4
    assert channels.get_channel(broken.id).status == channels.ENABLED  # not a key problem: stays in service


@pytest.mark.parametrize("fault,stream", cases(EARLY_CASES))
@pytest.mark.parametrize("route", ROUTES, ids=ids(ROUTES))
def test_an_early_fault_on_the_only_channel_is_an_error_and_costs_nothing(gateway, upstream, payer, route, fault,
                                                                         stream):
    user_id, key = payer
    broken = faulty_channel(route, upstream, fault)

    response = route.ask(gateway, key, stream)

    assert response.status_code == EXPECTED_STATUS[fault], response.text
    assert "json" in response.headers["content-type"]
    message = route.error_message(response)
    assert "<html" not in message.lower() and "Traceback" not in message
    if fault == "429_retry_after":
        assert response.headers.get("retry-after") == "7"
    rows, spent = books(gateway, user_id)
    assert rows == [] and spent == 0
    assert len(list_logs(type=ERROR, limit=10)) == 1  # the failure is on the error log
    assert channels.get_channel(broken.id).status == channels.ENABLED


# --- after the first byte: an error event, the terminator, and what was produced billed ------------

LATE = {
    "stall_mid_stream": Behaviour(reply=REPLY, stall_after_chunks=8, stall_seconds=5),
    "reset_mid_stream": Behaviour(reply=REPLY, reset_after_chunks=8),
    "truncated": Behaviour(reply=REPLY, truncate_after_chunks=8),
    "upstream_error_event": Behaviour(reply=REPLY, midstream_error_after_chunks=8),
}
LATE_ROUTES = ROUTES + TRANSLATED


@pytest.mark.parametrize("fault", [pytest.param(f, marks=[pytest.mark.slow] if f in WAITS else []) for f in sorted(LATE)])
@pytest.mark.parametrize("route", LATE_ROUTES, ids=ids(LATE_ROUTES))
def test_a_late_fault_ends_the_stream_with_an_error_and_bills_what_was_produced(gateway, upstream, payer, route,
                                                                               fault):
    user_id, key = payer
    route.channel(upstream, "only", "up-key")
    route.channel(upstream, "spare", "spare-key", priority=-1)  # never used: the client already has bytes
    upstream.behave("up-key", LATE[fault])

    response = route.ask(gateway, key, stream=True)

    assert route.stream_end(response) == "error"
    received = route.text(response, stream=True)
    assert received and REPLY.startswith(received) and received != REPLY
    assert not upstream.requests_for("spare-key")
    assert_billed_for(gateway, user_id, route, received)


def assert_billed_for(gateway, user_id: int, route: Route, received: str) -> None:
    """One consume row charging the prompt and the completion the client received, exactly."""
    rows, spent = books(gateway, user_id)
    assert len(rows) == 1, rows
    row = rows[0]
    words = len(received.split())
    # the upstream's own running count (Gemini sends one per chunk) or a local count of the text
    assert row["completion_tokens"] in (words, completion_tokens(route, received)), (row, received)
    assert row["prompt_tokens"] > 0
    assert spent == row["quota"] == row["prompt_tokens"] + row["completion_tokens"]


def assert_cut_short_and_billed(gateway, user_id: int, route: Route, response) -> None:
    """The stream ended with an error event after part of the reply, and was billed for that part."""
    assert route.stream_end(response) == "error"
    received = route.text(response, stream=True)
    assert received and received != REPLY
    assert_billed_for(gateway, user_id, route, received)


# --- timeouts and trickles ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES, ids=ids(ROUTES))
def test_a_trickle_slower_than_the_idle_timeout_is_cut(gateway, upstream, payer, route):
    user_id, key = payer
    set_option("FIRST_BYTE_TIMEOUT", "10")  # Anthropic's first text is the 4th event: 3 gaps in
    route.channel(upstream, "only", "up-key")
    upstream.behave("up-key", Behaviour(reply=REPLY, chunk_delay=1.5))

    response = route.ask(gateway, key, stream=True)

    assert_cut_short_and_billed(gateway, user_id, route, response)


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES, ids=ids(ROUTES))
def test_a_trickle_within_the_idle_timeout_completes(gateway, upstream, payer, route):
    """Bytes a few at a time, each gap shorter than STREAMING_TIMEOUT: the whole answer, billed in full."""
    user_id, key = payer
    route.channel(upstream, "only", "up-key")
    upstream.behave("up-key", Behaviour(reply=SHORT, chunk_delay=0.05, trickle_bytes=64))

    response = route.ask(gateway, key, stream=True)

    assert route.stream_end(response) == "ok"
    assert route.text(response, stream=True) == SHORT
    rows, spent = books(gateway, user_id)
    assert len(rows) == 1 and rows[0]["completion_tokens"] == 4 and spent == rows[0]["prompt_tokens"] + 4


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES, ids=ids(ROUTES))
def test_relay_timeout_cuts_a_stream_that_never_goes_idle(gateway, upstream, payer, route):
    user_id, key = payer
    set_option("RELAY_TIMEOUT", "1")
    route.channel(upstream, "only", "up-key")
    upstream.behave("up-key", Behaviour(reply=REPLY, chunk_delay=0.3))

    response = route.ask(gateway, key, stream=True)

    assert_cut_short_and_billed(gateway, user_id, route, response)


# --- a chunk the translator cannot take ----------------------------------------------------------------

def openai_sse(*chunks: object) -> str:
    """A canned OpenAI chat stream: each chunk a `data:` event (dicts as chat.completion.chunk), then [DONE]."""
    events = []
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = {"choices": [{"index": 0, "delta": {"content": chunk}, "finish_reason": None}]}
        events.append("data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1,
                                             "model": "m", **chunk}) + "\n\n")
    return "".join(events) + "data: [DONE]\n\n"


UNTRANSLATABLE = {"choices": [{"index": 0, "delta": "not an object", "finish_reason": None}]}
SSE_HEADERS = {"content-type": "text/event-stream"}


@pytest.mark.parametrize("route", TRANSLATED, ids=ids(TRANSLATED))
def test_a_chunk_the_translator_cannot_take_mid_stream_ends_with_an_error_event(gateway, upstream, payer, route):
    user_id, key = payer
    route.channel(upstream, "only", "up-key")
    bad = ("data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", **UNTRANSLATABLE}) + "\n\n").encode()
    upstream.behave("up-key", Behaviour(reply=REPLY, chunk_delay=0.05, midstream_error_after_chunks=4,
                                        midstream_event=bad))

    response = route.ask(gateway, key, stream=True)

    assert route.stream_end(response) == "error"
    assert route.text(response, stream=True) == "w0 w1 w2 "  # chunk 0 is the role, then a word a chunk
    assert_billed_for(gateway, user_id, route, "w0 w1 w2 ")


@pytest.mark.parametrize("route", TRANSLATED, ids=ids(TRANSLATED))
def test_a_chunk_the_translator_cannot_take_first_fails_over(gateway, upstream, payer, route):
    user_id, key = payer
    route.channel(upstream, "broken", "bad-key", priority=10)
    good = route.channel(upstream, "good", "good-key")
    upstream.behave("bad-key", Behaviour(body=openai_sse(UNTRANSLATABLE, "w0"), headers=SSE_HEADERS))
    upstream.behave("good-key", Behaviour(reply=SHORT))

    response = route.ask(gateway, key, stream=True)

    assert route.stream_end(response) == "ok" and route.text(response, stream=True) == SHORT
    rows, spent = books(gateway, user_id)
    assert len(rows) == 1 and rows[0]["channel_id"] == good.id and spent == rows[0]["prompt_tokens"] + 4
