"""End to end: the official openai SDK on /v1/chat/completions, served by an Anthropic channel.

The chat body is translated to /v1/messages (system hoisted, tools as input_schema, max_tokens
defaulted) and the answer back to chat.completion(s). Fake numbers: "say hello" is 2 + 3 = 5 input
tokens, DEFAULT_REPLY 4 output tokens.
"""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.conftest import make_token
from tests.e2e.dialects import CLAUDE, anthropic_channel, sse_events
from tests.e2e.helpers import consume_logs, sse_data
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
CHANNEL_KEY = "anthropic-channel-key"


@pytest.fixture
def api(gateway, upstream, sdk) -> openai.OpenAI:
    anthropic_channel(upstream)
    return sdk(make_token())


def test_chat_is_translated_to_messages_with_the_channel_key(gateway, upstream, api):
    reply = api.chat.completions.create(model=CLAUDE, messages=[
        {"role": "system", "content": "Be terse."}, *HELLO], stop=["STOP", " "], user="u-1")
    assert reply.object == "chat.completion" and reply.model == CLAUDE
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert reply.choices[0].finish_reason == "stop"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens) == (7, 4, 11)
    [sent] = upstream.requests
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == CHANNEL_KEY and "authorization" not in sent.headers
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.json["model"] == CLAUDE
    assert sent.json["system"] == "Be terse."
    assert sent.json["messages"] == [{"role": "user", "content": [{"type": "text", "text": "say hello"}]}]
    assert sent.json["stop_sequences"] == ["STOP"]  # whitespace-only stops are dropped
    assert sent.json["metadata"] == {"user_id": "u-1"}
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (7, 4)


def test_max_tokens_gets_a_default_when_the_client_sends_none(gateway, upstream, api):
    api.chat.completions.create(model=CLAUDE, messages=HELLO)
    assert upstream.requests[-1].json["max_tokens"] > 0
    api.chat.completions.create(model=CLAUDE, messages=HELLO, max_completion_tokens=50)
    assert upstream.requests[-1].json["max_tokens"] == 50


def test_stop_reasons_are_mapped_to_finish_reasons(gateway, upstream, api):
    cut = api.chat.completions.create(model=CLAUDE, messages=HELLO, max_tokens=2)
    assert cut.choices[0].message.content == "Hello from"
    assert cut.choices[0].finish_reason == "length"
    upstream.behave(CHANNEL_KEY, Behaviour(reply='TOOL:get_weather {"city": "Paris"}', count=1))
    called = api.chat.completions.create(model=CLAUDE, messages=HELLO, tools=[WEATHER])
    assert called.choices[0].finish_reason == "tool_calls"


def test_tool_calls_and_tool_results_are_translated(gateway, upstream, api):
    upstream.behave(CHANNEL_KEY, Behaviour(reply='TOOL:get_weather {"city": "Paris"}', count=1))
    asked = api.chat.completions.create(model=CLAUDE, messages=[{"role": "user", "content": "weather?"}],
                                        tools=[WEATHER], tool_choice="required", parallel_tool_calls=False)
    sent = upstream.requests[-1].json
    assert sent["tools"] == [{"name": "get_weather", "description": "The weather in a city",
                              "input_schema": WEATHER["function"]["parameters"]}]
    assert sent["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    message = asked.choices[0].message
    [call] = message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}

    answered = api.chat.completions.create(model=CLAUDE, tools=[WEATHER], messages=[
        {"role": "user", "content": "weather?"}, message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"}])
    assert answered.choices[0].message.content == DEFAULT_REPLY
    messages = upstream.requests[-1].json["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == [{"type": "tool_use", "id": call.id, "name": "get_weather",
                                       "input": {"city": "Paris"}}]
    assert messages[2]["content"] == [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]


def test_stream_text_deltas_without_usage_unless_asked(gateway, upstream, api):
    chunks = list(api.chat.completions.create(model=CLAUDE, messages=HELLO, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert all(c.usage is None for c in chunks)
    assert all(c.model == CLAUDE and c.object == "chat.completion.chunk" for c in chunks)
    assert upstream.requests[-1].json["stream"] is True
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"], row["is_stream"]) == (5, 4, True)


def test_stream_with_include_usage_ends_with_the_usage_chunk(gateway, upstream, api):
    chunks = list(api.chat.completions.create(model=CLAUDE, messages=HELLO, stream=True,
                                              stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert chunks[-1].choices == []
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (5, 4)
    assert [c for c in chunks[:-1] if c.usage is not None] == []


def test_a_streamed_tool_call_arrives_as_tool_call_deltas(gateway, upstream, api):
    upstream.behave(CHANNEL_KEY, Behaviour(reply='TOOL:get_weather {"city": "Paris", "days": 3}'))
    chunks = list(api.chat.completions.create(model=CLAUDE, messages=HELLO, tools=[WEATHER], stream=True))
    calls = [call for c in chunks if c.choices for call in c.choices[0].delta.tool_calls or ()]
    assert calls[0].id and calls[0].function.name == "get_weather" and calls[0].type == "function"
    assert len(calls) > 2  # the arguments came in pieces
    assert {call.index for call in calls} == {0}
    arguments = "".join(call.function.arguments or "" for call in calls)
    assert json.loads(arguments) == {"city": "Paris", "days": 3}
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == \
        ["tool_calls"]

    with api.chat.completions.stream(model=CLAUDE, messages=HELLO, tools=[WEATHER]) as stream:
        final = stream.get_final_completion()
    [call] = final.choices[0].message.tool_calls
    assert json.loads(call.function.arguments) == {"city": "Paris", "days": 3}
    assert final.choices[0].finish_reason == "tool_calls"


def test_a_midstream_error_ends_the_stream_with_an_openai_error_and_done(gateway, upstream, api):
    upstream.behave(CHANNEL_KEY, Behaviour(midstream_error_after_chunks=4))  # after the first text delta
    key = api.api_key
    answer = httpx.post(gateway.base_url + "/chat/completions", timeout=20,
                        json={"model": CLAUDE, "messages": HELLO, "stream": True},
                        headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    data = sse_data(answer.content)
    assert data[-1] == b"[DONE]"
    error = json.loads(data[-2])
    assert error["error"]["message"] and "choices" not in error
    assert any(b'"content":"Hello ' in d for d in data[:-2])
    assert all(name is None for name, _ in sse_events(answer.content))  # OpenAI streams have no event: lines
    with pytest.raises(openai.APIError):
        list(api.chat.completions.create(model=CLAUDE, messages=HELLO, stream=True))
