"""End to end: the official Anthropic SDK against the gateway's /v1/messages front door.

To an Anthropic channel the request is passed through (model mapped, channel key, anthropic-beta kept);
to an OpenAI-type channel it is translated to chat.completions and the answer back to a Message.

Fake upstream numbers used below: "say hello" is 2 words, so one user message is 2 + 3 = 5 input
tokens on both the Anthropic and the OpenAI routes; DEFAULT_REPLY is 4 words (output tokens).
"""

from __future__ import annotations

import json
from contextlib import closing

import anthropic
import httpx
import pytest

from tests.conftest import make_token
from tests.e2e.dialects import CLAUDE, anthropic_channel, anthropic_client, openai_channel, sse_events
from tests.e2e.helpers import consume_logs
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour

# The SDK warns that claude-sonnet-4-5 is deprecated (an end-of-life date): not what these tests are about.
pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")]

HELLO = [{"role": "user", "content": "say hello"}]
WEATHER = {"name": "get_weather", "description": "The weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
TOOL_REPLY = 'TOOL:get_weather {"city": "Paris"}'
EVENT_ORDER = ["message_start", "content_block_start", "ping"]


@pytest.fixture
def client(gateway, key):
    with closing(anthropic_client(gateway, key)) as made:
        yield made


@pytest.fixture
def claude_channel(upstream):
    """An Anthropic channel that serves claude-sonnet-4-5 as a dated model."""
    return anthropic_channel(upstream, model_mapping={CLAUDE: "claude-sonnet-4-5-20250929"})


@pytest.fixture
def gpt_channel(upstream):
    """An OpenAI-type channel serving the Claude name with gpt-4o-mini."""
    return openai_channel(upstream, models=CLAUDE, model_mapping={CLAUDE: "gpt-4o-mini"})


def raw_stream(gateway, key: str, body: dict) -> httpx.Response:
    return httpx.post(gateway.url + "/v1/messages", json={"stream": True, **body}, timeout=20,
                      headers={"x-api-key": key, "anthropic-version": "2023-06-01"})


def event_names(raw: bytes) -> list[str]:
    return [name for name, _ in sse_events(raw)]


def assert_anthropic_order(names: list[str], deltas: int) -> None:
    assert names == EVENT_ORDER + ["content_block_delta"] * deltas + \
        ["content_block_stop", "message_delta", "message_stop"]


def hello_stream_events(gateway, key: str) -> list[tuple[str | None, dict | str]]:
    """HELLO streamed without the SDK: its events, checked to be an SSE stream in Anthropic's order."""
    answer = raw_stream(gateway, key, {"model": CLAUDE, "max_tokens": 100, "messages": HELLO})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = sse_events(answer.content)
    assert_anthropic_order([name for name, _ in events], 4)
    assert all(data["type"] == name for name, data in events)  # data.type repeats the event name
    return events


def stream_with_sdk_helpers(client, **params) -> tuple[str, anthropic.types.Message]:
    """HELLO streamed with the SDK's stream helpers: the text as it came, and the final message."""
    with client.messages.stream(model=CLAUDE, max_tokens=100, messages=HELLO, **params) as stream:
        return "".join(stream.text_stream), stream.get_final_message()


def assert_streamed_reply_billed(gateway, text: str, final, prompt_tokens: int) -> None:
    """The whole reply came, ended by end_turn, and one streamed consume row bills the usage it reported."""
    assert text == final.content[0].text == DEFAULT_REPLY
    assert final.stop_reason == "end_turn"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (prompt_tokens, 4)
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"], row["is_stream"]) == (prompt_tokens, 4, True)


# --- Anthropic channel: pass-through --------------------------------------------------------------


def test_non_stream_to_an_anthropic_channel_is_passed_through_with_the_channel_key(
        gateway, upstream, claude_channel, client, key):
    reply = client.messages.create(model=CLAUDE, max_tokens=100, messages=HELLO,
                                   extra_headers={"anthropic-beta": "prompt-caching-2024-07-31"})
    assert reply.content[0].type == "text" and reply.content[0].text == DEFAULT_REPLY
    assert reply.stop_reason == "end_turn"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (5, 4)
    [sent] = upstream.requests
    assert sent.path == "/v1/messages"
    assert sent.json["model"] == "claude-sonnet-4-5-20250929"
    assert sent.json["messages"] == HELLO and sent.json["max_tokens"] == 100
    assert sent.headers["anthropic-beta"] == "prompt-caching-2024-07-31"
    assert sent.headers["anthropic-version"] == client.default_headers["anthropic-version"]  # the client's own
    assert sent.headers["x-api-key"] == "anthropic-channel-key"
    assert "authorization" not in sent.headers
    assert not any(key.removeprefix("sk-") in value for value in sent.headers.values())
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (5, 4)
    assert row["other"]["request_path"] == "/messages"


def test_stream_to_an_anthropic_channel_with_the_sdk_helpers(gateway, upstream, claude_channel, client):
    text, final = stream_with_sdk_helpers(client)
    assert_streamed_reply_billed(gateway, text, final, prompt_tokens=5)
    assert upstream.requests[-1].json["stream"] is True


def test_stream_events_come_in_anthropic_order_from_an_anthropic_channel(gateway, upstream, claude_channel, key):
    events = hello_stream_events(gateway, key)
    [delta] = [data for name, data in events if name == "message_delta"]
    assert delta["usage"]["output_tokens"] == 4  # cumulative: the whole reply, not the last increment
    [sent] = upstream.requests
    assert sent.headers["x-api-key"] == "anthropic-channel-key"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert delta["delta"]["stop_reason"] == "end_turn"


def test_tool_use_and_the_tool_result_round_trip_through_an_anthropic_channel(
        gateway, upstream, claude_channel, client):
    upstream.behave("anthropic-channel-key", Behaviour(reply=TOOL_REPLY, count=1))
    asked = client.messages.create(model=CLAUDE, max_tokens=100, tools=[WEATHER],
                                   messages=[{"role": "user", "content": "weather in Paris?"}])
    assert asked.stop_reason == "tool_use"
    [call] = [b for b in asked.content if b.type == "tool_use"]
    assert (call.name, call.input) == ("get_weather", {"city": "Paris"})
    assert upstream.requests[-1].json["tools"] == [WEATHER]

    answered = client.messages.create(model=CLAUDE, max_tokens=100, tools=[WEATHER], messages=[
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in asked.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]}])
    assert answered.content[0].text == DEFAULT_REPLY and answered.stop_reason == "end_turn"
    sent = upstream.requests[-1].json["messages"]
    assert sent[1]["content"][0]["type"] == "tool_use" and sent[1]["content"][0]["id"] == call.id
    assert sent[2]["content"] == [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]


def test_system_prompt_reaches_an_anthropic_channel(gateway, upstream, claude_channel, client):
    reply = client.messages.create(model=CLAUDE, max_tokens=100, system="Be terse.", messages=HELLO)
    assert upstream.requests[-1].json["system"] == "Be terse."
    assert reply.usage.input_tokens == 2 + 5


def test_an_upstream_error_keeps_anthropics_envelope(gateway, upstream, claude_channel, client):
    upstream.behave("anthropic-channel-key", Behaviour.error(400, message="messages.0: bad block"))
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model=CLAUDE, max_tokens=100, messages=HELLO)
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert "messages.0: bad block" in caught.value.body["error"]["message"]


# --- OpenAI-type channel: translated ---------------------------------------------------------------


def test_non_stream_to_an_openai_channel_is_translated_both_ways(gateway, upstream, gpt_channel, client, key):
    reply = client.messages.create(model=CLAUDE, max_tokens=100, system="Be terse.", messages=HELLO,
                                   stop_sequences=["STOP"], extra_body={"temperature": 0.5})
    [sent] = upstream.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.key == "openai-channel-key"
    assert sent.json["model"] == "gpt-4o-mini"
    assert sent.json["messages"] == [{"role": "system", "content": "Be terse."}, *HELLO]
    assert (sent.json["max_tokens"], sent.json["temperature"], sent.json["stop"]) == (100, 0.5, ["STOP"])
    assert "system" not in sent.json and "stop_sequences" not in sent.json
    assert reply.type == "message" and reply.role == "assistant" and reply.model == CLAUDE
    assert [(b.type, b.text) for b in reply.content] == [("text", DEFAULT_REPLY)]
    assert reply.stop_reason == "end_turn"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (5 + 5, 4)
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (10, 4)


def test_max_tokens_cut_is_reported_as_max_tokens(gateway, upstream, gpt_channel, client):
    reply = client.messages.create(model=CLAUDE, max_tokens=2, messages=HELLO)
    assert reply.content[0].text == "Hello from"
    assert reply.stop_reason == "max_tokens"


def test_tools_are_translated_and_a_tool_call_comes_back_as_tool_use(gateway, upstream, gpt_channel, client):
    upstream.behave("openai-channel-key", Behaviour(reply=TOOL_REPLY, count=1))
    asked = client.messages.create(model=CLAUDE, max_tokens=100, tools=[WEATHER],
                                   tool_choice={"type": "auto"},
                                   messages=[{"role": "user", "content": "weather in Paris?"}])
    sent = upstream.requests[-1].json
    assert sent["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "The weather in a city", "parameters": WEATHER["input_schema"]}}]
    assert sent["tool_choice"] == "auto"
    assert asked.stop_reason == "tool_use"
    [call] = [b for b in asked.content if b.type == "tool_use"]
    assert (call.name, call.input) == ("get_weather", {"city": "Paris"})

    answered = client.messages.create(model=CLAUDE, max_tokens=100, tools=[WEATHER], messages=[
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in asked.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]}])
    assert answered.content[0].text == DEFAULT_REPLY
    messages = upstream.requests[-1].json["messages"]
    assert messages[1]["role"] == "assistant"
    [tool_call] = messages[1]["tool_calls"]
    assert tool_call["id"] == call.id and tool_call["function"]["name"] == "get_weather"
    assert json.loads(tool_call["function"]["arguments"]) == {"city": "Paris"}
    assert messages[2] == {"role": "tool", "tool_call_id": call.id, "content": "sunny"}


def test_stream_to_an_openai_channel_with_the_sdk_helpers(gateway, upstream, gpt_channel, client):
    text, final = stream_with_sdk_helpers(client, system="Be terse.")
    assert_streamed_reply_billed(gateway, text, final, prompt_tokens=10)
    sent = upstream.requests[-1].json
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_translated_stream_events_come_in_anthropic_order(gateway, upstream, gpt_channel, key):
    events = hello_stream_events(gateway, key)
    start = events[0][1]["message"]
    assert (start["model"], start["role"], start["content"]) == (CLAUDE, "assistant", [])
    [delta] = [data for name, data in events if name == "message_delta"]
    assert delta["delta"]["stop_reason"] == "end_turn"
    assert (delta["usage"]["input_tokens"], delta["usage"]["output_tokens"]) == (5, 4)


def test_a_streamed_tool_call_from_an_openai_channel_becomes_a_tool_use_block(gateway, upstream, gpt_channel, client):
    upstream.behave("openai-channel-key", Behaviour(reply=TOOL_REPLY))
    with client.messages.stream(model=CLAUDE, max_tokens=100, tools=[WEATHER],
                                messages=[{"role": "user", "content": "weather in Paris?"}]) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    [call] = [b for b in final.content if b.type == "tool_use"]
    assert (call.name, call.input) == ("get_weather", {"city": "Paris"})


# --- errors, token counts, models ------------------------------------------------------------------


def test_a_bad_key_is_an_authentication_error(gateway, upstream, claude_channel):
    with anthropic_client(gateway, "sk-not-a-real-key") as client:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            client.messages.create(model=CLAUDE, max_tokens=100, messages=HELLO)
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] == "authentication_error"
    assert "not-a-real-key" not in caught.value.body["error"]["message"]
    assert caught.value.response.headers.get("request-id")
    assert upstream.requests == []


def test_an_unknown_model_is_not_found(gateway, upstream, claude_channel, client):
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="claude-does-not-exist", max_tokens=100, messages=HELLO)
    assert caught.value.body["error"]["type"] == "not_found_error"
    assert "claude-does-not-exist" in caught.value.body["error"]["message"]
    assert upstream.requests == []


def test_count_tokens_is_answered_locally_and_not_billed(gateway, upstream, claude_channel, client):
    counted = client.messages.count_tokens(model=CLAUDE, system="Be terse.", messages=HELLO)
    assert counted.input_tokens > 0
    longer = client.messages.count_tokens(model=CLAUDE, system="Be terse.",
                                          messages=[{"role": "user", "content": "say hello " * 20}])
    assert longer.input_tokens > counted.input_tokens
    assert upstream.requests == []
    assert consume_logs(gateway) == []


def test_models_list_with_anthropic_headers_has_anthropics_shape(gateway, upstream, claude_channel, client):
    page = client.models.list()
    assert [m.id for m in page.data] == [CLAUDE]
    assert page.data[0].type == "model"
    raw = httpx.get(gateway.url + "/v1/models", timeout=10,
                    headers={"x-api-key": make_token("other"), "anthropic-version": "2023-06-01"}).json()
    assert raw["has_more"] is False and raw["first_id"] == raw["last_id"] == CLAUDE
    assert "object" not in raw


# --- a failure in the middle of a stream ------------------------------------------------------------


@pytest.mark.parametrize("channel_kind", ["anthropic", "openai"])
def test_a_midstream_error_ends_the_stream_with_an_anthropic_error_event(gateway, upstream, key, channel_kind):
    if channel_kind == "anthropic":
        anthropic_channel(upstream)
        upstream.behave("anthropic-channel-key", Behaviour(midstream_error_after_chunks=4))
    else:
        openai_channel(upstream, models=CLAUDE)
        upstream.behave("openai-channel-key", Behaviour(midstream_error_after_chunks=3))
    answer = raw_stream(gateway, key, {"model": CLAUDE, "max_tokens": 100, "messages": HELLO})
    assert answer.status_code == 200
    events = sse_events(answer.content)
    names = [name for name, _ in events]
    assert names[:3] == EVENT_ORDER
    assert "content_block_delta" in names
    assert names[-1] == "error" and "message_stop" not in names
    error = events[-1][1]
    assert error["type"] == "error" and error["error"]["type"] and error["error"]["message"]
    with anthropic_client(gateway, key) as client, pytest.raises(anthropic.APIError):
        with client.messages.stream(model=CLAUDE, max_tokens=100, messages=HELLO) as stream:
            "".join(stream.text_stream)
