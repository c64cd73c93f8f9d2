"""End to end: streams that break after their first byte, and clients that leave mid-stream."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import consume_logs, sse_data
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
LONG_REPLY = " ".join(f"word{i}" for i in range(60))
DONE = b"data: [DONE]\n\n"


@pytest.fixture
def key(gateway, upstream) -> str:
    add_channel(upstream, key="up-key", models="gpt-4o-mini,gpt-4o")
    return make_token()


def raw_stream(gateway, key: str, path: str = "/chat/completions", **body) -> httpx.Response:
    """POST a streaming request and read the whole answer as bytes."""
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True, **body}
    response = httpx.post(gateway.base_url + path, json=body, headers={"Authorization": f"Bearer {key}"},
                          timeout=20)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return response


def error_payload(raw: bytes) -> dict:
    """The error object of the one error event before the terminator."""
    errors = [orjson.loads(d)["error"] for d in sse_data(raw) if d.startswith(b'{"error"')]
    assert len(errors) == 1, raw
    return errors[0]


BREAKS = {
    "reset": Behaviour(reset_after_chunks=2, chunk_delay=0.05),
    "truncated": Behaviour(truncate_after_chunks=2, chunk_delay=0.05),
    "midstream-error": Behaviour(midstream_error_after_chunks=2, chunk_delay=0.05),
}


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_a_broken_stream_ends_with_an_error_event_and_done(gateway, upstream, key, how):
    upstream.behave("up-key", BREAKS[how])
    raw = raw_stream(gateway, key).content
    assert raw.endswith(b"\n\n" + DONE)
    assert raw.count(DONE) == 1
    data = sse_data(raw)
    first = orjson.loads(data[0])
    assert first["object"] == "chat.completion.chunk"  # what the upstream sent first got through
    assert data[-2].startswith(b'{"error"')  # the error event comes right before [DONE]
    assert error_payload(raw)["message"]
    assert len(consume_logs(gateway)) == 1  # what was streamed is on the ledger


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_a_broken_stream_raises_in_the_sdk(gateway, upstream, key, sdk, how):
    upstream.behave("up-key", BREAKS[how])
    stream = sdk(key).chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
    seen = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            seen.append(chunk)
    assert seen and seen[0].choices[0].delta.role == "assistant"
    assert caught.value.message


def test_the_upstreams_own_midstream_error_is_passed_on(gateway, upstream, key):
    upstream.behave("up-key", Behaviour(midstream_error_after_chunks=2))
    raw = raw_stream(gateway, key).content
    assert error_payload(raw)["message"] == "The server had an error while processing your request. Sorry about that!"


def test_a_stalled_stream_is_cut_after_the_idle_timeout(gateway, upstream, key):
    set_option("STREAMING_TIMEOUT", "1")
    upstream.behave("up-key", Behaviour(stall_after_chunks=2, stall_seconds=10))
    raw = raw_stream(gateway, key).content
    assert raw.endswith(b"\n\n" + DONE)
    assert error_payload(raw)["code"] == "upstream_timeout"
    assert upstream.wait_for(lambda: upstream.disconnects == 1, timeout=3)  # the upstream was let go


def test_a_broken_responses_stream_ends_with_an_error_event(gateway, upstream, key, sdk):
    upstream.behave("up-key", Behaviour(reset_after_chunks=3, chunk_delay=0.05))
    events = list(sdk(key).responses.create(model="gpt-4o", input="say hello", stream=True))
    assert events[0].type == "response.created"
    assert events[-1].type == "error"
    assert not any(e.type == "response.completed" for e in events)


def test_a_broken_audio_stream_is_not_passed_off_as_a_whole_file(gateway, upstream, sdk):
    """Audio has no in-band error event: the client must see an incomplete body, not a short file."""
    add_channel(upstream, key="up-key", models="tts-1")
    upstream.speech_bytes = 40_000
    upstream.behave("up-key", Behaviour(reset_after_chunks=2, chunk_delay=0.05))
    key = make_token()
    with pytest.raises(openai.APIConnectionError):
        sdk(key).audio.speech.create(model="tts-1", voice="alloy", input="hello")
    upstream.behave("up-key", Behaviour(reset_after_chunks=2, chunk_delay=0.05))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(gateway.base_url + "/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "hello"},
                   headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_a_complete_stream_gets_no_extra_events(gateway, upstream, key):
    raw = raw_stream(gateway, key, stream_options={"include_usage": True}).content
    assert raw.endswith(b"}\n\n" + DONE)
    assert raw.count(DONE) == 1
    assert not any(d.startswith(b'{"error"') for d in sse_data(raw))


def test_a_client_that_leaves_before_the_first_chunk_cancels_the_upstream_request(gateway, upstream, key):
    upstream.behave("up-key", Behaviour(stall_after_chunks=0, stall_seconds=10))  # headers, then nothing
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(gateway.base_url + "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                   timeout=0.5)
    assert upstream.wait_for(lambda: upstream.disconnects == 1, timeout=3)


def test_a_client_that_leaves_before_the_answer_cancels_the_upstream_request(gateway, upstream, key):
    upstream.behave("up-key", Behaviour(first_byte_delay=10))
    body = {"model": "gpt-4o-mini", "messages": HELLO}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(gateway.base_url + "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                   timeout=0.5)
    assert upstream.wait_for(lambda: upstream.disconnects == 1, timeout=3)


def test_a_client_that_leaves_mid_stream_cancels_the_upstream_request(gateway, upstream, key):
    upstream.behave("up-key", Behaviour(chunk_delay=0.2, reply=LONG_REPLY))  # about 12 s in full
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    with httpx.Client(timeout=10) as client:
        with client.stream("POST", gateway.base_url + "/chat/completions", json=body,
                           headers={"Authorization": f"Bearer {key}"}) as response:
            assert response.status_code == 200
            received = []
            for chunk in response.iter_raw():
                received.append(chunk)
                if len(received) == 2:
                    break
    assert b"chat.completion.chunk" in b"".join(received)
    assert upstream.wait_for(lambda: upstream.disconnects == 1, timeout=3)
    assert upstream.completed_streams == 0
    assert upstream.wait_for(lambda: len(consume_logs(gateway)) == 1, timeout=3)
    [row] = consume_logs(gateway)
    assert row["is_stream"]
    assert row["model_name"] == "gpt-4o-mini"


def test_concurrent_streams_with_failover_each_complete_and_are_each_logged(gateway, upstream):
    a = add_channel(upstream, "A", "key-a", priority=10)
    b = add_channel(upstream, "B", "key-b")
    set_option("RETRY_TIMES", "1")
    # every stream must fail over from A: without this, A's cooldown (after 3 failures) could send late
    # starters straight to B (tests/e2e/test_cooldown.py covers that)
    set_option("CHANNEL_COOLDOWN_SECONDS", "0")
    upstream.behave("key-a", Behaviour.error(500, "server_error"))
    upstream.behave("key-b", Behaviour(chunk_delay=0.05))
    key = make_token()

    async def run_all() -> list[str]:
        async with openai.AsyncOpenAI(base_url=gateway.base_url, api_key=key, max_retries=0, timeout=20) as client:
            async def one(i: int) -> str:
                stream = await client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"hello {i}"}], stream=True,
                    stream_options={"include_usage": True})
                return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            return await asyncio.gather(*(one(i) for i in range(40)))

    assert asyncio.run(run_all()) == [DEFAULT_REPLY] * 40
    rows = consume_logs(gateway)
    assert len(rows) == 40
    assert all(row["other"]["retry_chain"] == [a.id, b.id] for row in rows)
    assert sorted({row["request_id"] for row in rows}) == sorted(row["request_id"] for row in rows)
    assert all(row["completion_tokens"] == 4 for row in rows)
