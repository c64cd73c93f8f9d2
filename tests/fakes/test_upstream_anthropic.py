"""The Anthropic Messages dialect of the fake upstream (tests/fakes/anthropic_routes.py)."""

from __future__ import annotations

import json
import re

import anthropic
import httpx
import pytest

from tests.fakes.upstream import DEFAULT_REPLY, Behaviour, load_fixture

SYSTEM = "Be brief."
MSGS = [{"role": "user", "content": "Say hi to me"}]
INPUT_TOKENS = 2 + (4 + 3)  # system words + message words + 3 per message
HEADERS = {"anthropic-version": "2023-06-01"}
TOOLS = [{"name": "get_weather", "description": "Weather at a place",
          "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}]


@pytest.fixture
def sdk(up):
    c = anthropic.Anthropic(base_url=up.url, api_key="sk-ant", max_retries=0, timeout=5)
    yield c
    c.close()


@pytest.fixture
def client(up):
    with httpx.Client(base_url=up.url, timeout=5, headers={**HEADERS, "x-api-key": "raw"}) as c:
        yield c


def _events(text: str) -> list[tuple[str, str]]:
    """(event name, raw data line) of every SSE block."""
    out = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        if len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: "):
            out.append((lines[0][7:], lines[1][6:]))
        else:
            assert block == "", block
    return out


def test_non_stream_sdk(up, sdk):
    res = sdk.messages.create(model="claude-fake-1", max_tokens=100, system=SYSTEM, messages=MSGS)
    assert res.content[0].type == "text" and res.content[0].text == DEFAULT_REPLY
    assert (res.role, res.model, res.stop_reason, res.stop_sequence) == ("assistant", "claude-fake-1", "end_turn", None)
    assert res.id.startswith("msg_")
    assert (res.usage.input_tokens, res.usage.output_tokens) == (INPUT_TOKENS, 4)
    assert (res.usage.cache_read_input_tokens, res.usage.cache_creation_input_tokens) == (0, 0)
    rec = up.requests[-1]
    assert (rec.method, rec.path, rec.key, rec.model) == ("POST", "/v1/messages", "sk-ant", "claude-fake-1")
    # SDK versions differ: older ones send x-api-key, newer ones a Bearer token; both count
    assert "sk-ant" in (rec.headers.get("x-api-key"), rec.headers.get("authorization", "")[7:])
    assert "anthropic-version" in rec.headers
    assert res._request_id.startswith("req_")


def test_non_stream_shape_and_truncation(client):
    recorded = json.loads(load_fixture("messages_cache_read.json", "anthropic"))
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 2, "messages": MSGS})
    assert r.headers["content-type"] == "application/json"
    assert ", " not in r.text  # compact like the recording
    body = r.json()
    assert list(body) == list(recorded)
    assert list(body["usage"]) == list(recorded["usage"])
    assert body["content"] == [{"type": "text", "text": "Hello from"}]
    assert body["stop_reason"] == "max_tokens" and body["usage"]["output_tokens"] == 2


def test_stream_sdk_with_usage_override(up, sdk):
    up.behave("sk-ant", Behaviour(reply="one two three", usage={"input_tokens": 100, "cache_read_input_tokens": 7}))
    with sdk.messages.stream(model="claude-fake-2", max_tokens=50, system=SYSTEM, messages=MSGS) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "one two three" and final.content[0].text == "one two three"
    assert final.stop_reason == "end_turn"
    assert (final.usage.input_tokens, final.usage.output_tokens, final.usage.cache_read_input_tokens) == (100, 3, 7)
    assert up.wait_for(lambda: up.completed_streams == 1, timeout=2)


def test_stream_raw_bytes_order_and_padding(client):
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 9, "system": SYSTEM, "messages": MSGS,
                                          "stream": True})
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert r.headers["request-id"].startswith("req_")
    events = _events(r.text)
    names = [n for n, _ in events]
    assert names == ["message_start", "content_block_start", "ping"] + ["content_block_delta"] * 4 + [
        "content_block_stop", "message_delta", "message_stop"]
    assert events[2][1] == '{"type": "ping"}'
    data = [json.loads(d) for _, d in events]
    assert all(d["type"] == n for (n, _), d in zip(events, data, strict=True))
    # Anthropic pads the JSON with spaces before the final brace: parse it, never compare bytes
    assert re.fullmatch(r'\{"type":"message_start",.*\} +\}', events[0][1])
    assert any(re.search(r" +\}$", d) for _, d in events[1:])
    assert data[0]["message"]["usage"] == {"input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
                                           "cache_read_input_tokens": 0, "output_tokens": 1,
                                           "service_tier": "standard"}
    assert "".join(d["delta"]["text"] for d in data[3:7]) == DEFAULT_REPLY
    assert data[-2]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert data[-2]["usage"] == {"input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
                                 "cache_read_input_tokens": 0, "output_tokens": 4}
    # same event sequence as the recorded smallest stream
    recorded = [n for n, _ in _events(load_fixture("messages_stream_text.sse", "anthropic").decode())]
    assert [n for i, n in enumerate(names) if n != "content_block_delta" or i == 3] == recorded


def test_tool_use_non_stream_and_stream(up, sdk):
    up.behave("sk-ant", Behaviour(reply='TOOL:get_weather {"location": "San Francisco, CA"}'))
    res = sdk.messages.create(model="m", max_tokens=100, messages=MSGS, tools=TOOLS)
    block = res.content[0]
    assert res.stop_reason == "tool_use" and len(res.content) == 1
    assert (block.type, block.name, block.input) == ("tool_use", "get_weather", {"location": "San Francisco, CA"})
    assert block.id.startswith("toolu_") and res.usage.output_tokens == 5  # words after "TOOL:"
    with sdk.messages.stream(model="m", max_tokens=100, messages=MSGS, tools=TOOLS) as stream:
        events = list(stream)
        final = stream.get_final_message()
    fragments = [e.delta.partial_json for e in events if e.type == "content_block_delta"]
    assert fragments[0] == "" and len(fragments) >= 3
    assert json.loads("".join(fragments)) == {"location": "San Francisco, CA"}
    assert final.stop_reason == "tool_use" and final.content[0].input == {"location": "San Francisco, CA"}


def test_tool_without_arguments_streams_one_empty_fragment(up, client):
    up.behave("raw", Behaviour(reply="TOOL:"))
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS, "tools": TOOLS,
                                          "stream": True})
    data = [json.loads(d) for _, d in _events(r.text)]
    assert data[1]["content_block"]["name"] == "get_weather"  # first tool when the reply names none
    assert [d["delta"] for d in data if d["type"] == "content_block_delta"] == [
        {"type": "input_json_delta", "partial_json": ""}]


def test_errors_sdk(up, sdk):
    up.behave("sk-ant", Behaviour.invalid_key())
    with pytest.raises(anthropic.AuthenticationError) as ei:
        sdk.messages.create(model="m", max_tokens=5, messages=MSGS)
    assert ei.value.response.content == load_fixture("error_401_authentication.json", "anthropic")
    assert ei.value.response.headers["x-should-retry"] == "false"
    up.behave("sk-ant", Behaviour.rate_limited(retry_after=3))
    with pytest.raises(anthropic.RateLimitError) as ei:
        sdk.messages.create(model="m", max_tokens=5, messages=MSGS)
    assert ei.value.body["error"]["type"] == "rate_limit_error"
    assert ei.value.response.headers["retry-after"] == "3"
    assert ei.value.response.headers["x-should-retry"] == "true"
    up.behave("sk-ant", Behaviour.error(529, "overloaded_error", message="Overloaded"))
    with pytest.raises(anthropic.OverloadedError) as ei:
        sdk.messages.create(model="m", max_tokens=5, messages=MSGS)
    assert ei.value.body["error"] == {"type": "overloaded_error", "message": "Overloaded"}


def test_error_envelope_raw(up, client):
    recorded = json.loads(load_fixture("error_400_invalid_request.json", "anthropic"))
    up.behave("raw", Behaviour.error(500, "server_error", None, "boom"))
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS})
    body = r.json()
    assert r.status_code == 500 and list(body) == list(recorded)
    assert body["error"] == {"type": "api_error", "message": "boom"} and body["request_id"].startswith("req_")
    up.behave("raw", Behaviour.insufficient_quota())
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS})
    assert r.status_code == 400 and "credit balance is too low" in r.json()["error"]["message"]
    up.behave("raw", Behaviour(status=404))
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS})
    assert r.json()["error"]["type"] == "not_found_error"


def test_midstream_error_sdk_and_raw(up, sdk, client):
    up.behave("sk-ant", Behaviour(midstream_error_after_chunks=3))
    got = []
    with pytest.raises(anthropic.APIStatusError) as ei:
        with sdk.messages.stream(model="m", max_tokens=50, messages=MSGS) as stream:
            for ev in stream:
                got.append(ev.type)
    assert got == ["message_start", "content_block_start"]  # the SDK drops ping
    assert ei.value.body["error"]["type"] == "overloaded_error"
    up.behave("raw", Behaviour(midstream_error_after_chunks=3))
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS, "stream": True})
    events = _events(r.text)
    assert [n for n, _ in events] == ["message_start", "content_block_start", "ping", "error"]
    assert r.text.endswith(load_fixture("stream_error_overloaded.sse", "anthropic").decode())


def test_missing_version_header_bearer_key_and_require_keys(up):
    body = {"model": "m", "max_tokens": 5, "messages": MSGS}
    with httpx.Client(base_url=up.url, timeout=5) as c:
        r = c.post("/v1/messages", json=body, headers={"x-api-key": "k"})
        assert r.status_code == 400
        assert r.json()["error"] == {"type": "invalid_request_error", "message": "anthropic-version: header is required"}
        r = c.post("/v1/messages", json=body, headers={**HEADERS, "authorization": "Bearer oauth-tok"})
        assert r.status_code == 200 and up.requests[-1].key == "oauth-tok"
        up.require_keys({"good"})
        r = c.post("/v1/messages", json=body, headers={**HEADERS, "x-api-key": "bad"})
        assert r.status_code == 401
        assert r.content == load_fixture("error_401_authentication.json", "anthropic")
        assert c.post("/v1/messages", json=body, headers={**HEADERS, "x-api-key": "good"}).status_code == 200


def test_count_tokens_and_omit_usage(up, sdk, client):
    res = sdk.messages.count_tokens(model="m", system=SYSTEM, messages=MSGS)
    assert res.input_tokens == INPUT_TOKENS
    assert up.requests[-1].path == "/v1/messages/count_tokens"
    up.behave("raw", Behaviour(omit_usage=True))
    assert "usage" not in client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS}).json()
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS, "stream": True})
    data = [json.loads(d) for _, d in _events(r.text)]
    assert "usage" not in data[0]["message"] and "usage" not in data[-2]
    assert data[-1] == {"type": "message_stop"}


def test_truncate_and_models_list_unchanged(up, client):
    up.behave("raw", Behaviour(truncate_after_chunks=4))
    r = client.post("/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSGS, "stream": True})
    assert [n for n, _ in _events(r.text)] == ["message_start", "content_block_start", "ping", "content_block_delta"]
    models = client.get("/v1/models").json()
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == up.models
