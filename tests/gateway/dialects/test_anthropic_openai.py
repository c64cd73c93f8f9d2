"""OpenAI Chat Completions <-> Anthropic Messages translation, checked against recorded upstream traffic."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from voapi_desktop.gateway.dialects.anthropic_openai import (AnthropicStreamToOpenAI, OpenAIStreamToAnthropic,
                                                             anthropic_request_to_openai,
                                                             anthropic_response_to_openai, anthropic_usage,
                                                             format_event, openai_request_to_anthropic,
                                                             openai_response_to_anthropic)
from voapi_desktop.gateway.dialects.sse_events import iter_sse_events

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "upstream"


def anthropic_events(name: str) -> list[tuple[str, dict]]:
    raw = (FIXTURES / "anthropic" / name).read_bytes()
    return [(event, orjson.loads(data)) for event, data in iter_sse_events(raw)]


def openai_chunks(name: str) -> list[dict]:
    raw = (FIXTURES / "openai" / name).read_bytes()
    return [orjson.loads(data) for _, data in iter_sse_events(raw) if data != "[DONE]"]


def load_json(kind: str, name: str) -> dict:
    return orjson.loads((FIXTURES / kind / name).read_bytes())


def run_anthropic(name: str, include_usage: bool = True) -> tuple[AnthropicStreamToOpenAI, list[dict]]:
    translator = AnthropicStreamToOpenAI("my-model", include_usage=include_usage)
    chunks = [chunk for event, data in anthropic_events(name) for chunk in translator.feed(event, data)]
    return translator, chunks


def assemble_openai(chunks: list[dict]) -> dict:
    """What an OpenAI SDK client rebuilds from chat.completion.chunk dicts."""
    out: dict = {"role": None, "content": "", "reasoning": "", "tools": {}, "finish_reason": None, "usage": None}
    for chunk in chunks:
        assert chunk["object"] == "chat.completion.chunk"
        if chunk.get("usage"):
            out["usage"] = chunk["usage"]
        for choice in chunk["choices"]:
            delta = choice["delta"]
            out["role"] = delta.get("role", out["role"])
            out["content"] += delta.get("content") or ""
            out["reasoning"] += delta.get("reasoning_content") or ""
            for call in delta.get("tool_calls") or []:
                tool = out["tools"].setdefault(call["index"], {"id": None, "name": None, "arguments": ""})
                tool["id"] = call.get("id", tool["id"])
                tool["name"] = call.get("function", {}).get("name", tool["name"])
                tool["arguments"] += call.get("function", {}).get("arguments", "")
            out["finish_reason"] = choice["finish_reason"] or out["finish_reason"]
    return out


def assemble_anthropic(events: list[tuple[str, dict]]) -> dict:
    """What the Anthropic SDK's stream accumulator rebuilds from the events (checks every event's shape)."""
    message: dict = {}
    partial: dict[int, str] = {}
    for name, data in events:
        assert data["type"] == name
        if name == "message_start":
            message = {**data["message"], "content": []}
        elif name == "content_block_start":
            assert data["index"] == len(message["content"])
            message["content"].append(dict(data["content_block"]))
        elif name == "content_block_delta":
            block, delta = message["content"][data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "input_json_delta":
                partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
        elif name == "content_block_stop":
            block = message["content"][data["index"]]
            if block["type"] == "tool_use":
                text = partial.get(data["index"], "")
                block["input"] = orjson.loads(text) if text else {}
        elif name == "message_delta":
            message.update(data["delta"])
            message["usage"] = {**message["usage"], **data["usage"]}
    return message


# ---------------------------------------------------------------- Anthropic stream -> OpenAI chunks


def test_anthropic_text_stream():
    translator, chunks = run_anthropic("messages_stream_text.sse")
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert {c["id"] for c in chunks} == {"chatcmpl-msg_01T8kTq7cYyYJeQ5DxcVUc6D"}
    assert {c["model"] for c in chunks} == {"my-model"}
    got = assemble_openai(chunks)
    assert (got["role"], got["content"], got["finish_reason"]) == ("assistant", "Hello", "stop")
    assert chunks[-1]["choices"] == []
    assert got["usage"] == {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14,
                            "prompt_tokens_details": {"cached_tokens": 0}}
    assert translator.usage == {"prompt_tokens": 10, "completion_tokens": 4, "cached_tokens": 0,
                                "cache_creation_tokens": 0}
    assert translator.done and translator.error is None


def test_usage_chunk_only_when_requested_and_usage_readable_at_any_time():
    translator = AnthropicStreamToOpenAI("m")
    events = anthropic_events("messages_stream_text.sse")
    translator.feed(*events[0])
    assert translator.usage["completion_tokens"] == 2  # message_start's small, non-final number
    chunks = [c for event, data in events[1:] for c in translator.feed(event, data)]
    assert all(c["choices"] for c in chunks)
    assert translator.usage["completion_tokens"] == 4


def test_anthropic_tool_use_stream():
    translator, chunks = run_anthropic("messages_stream_tool_use.sse")
    got = assemble_openai(chunks)
    assert got["content"].startswith("<thinking>\nThe get_weather tool is relevant")
    assert got["content"].endswith("calling the get_weather tool.\n</thinking>")
    assert got["tools"] == {0: {"id": "toolu_01DYJo37oETVsCdLTTcCWcdq", "name": "get_weather",
                                "arguments": '{"location": "San Francisco, CA"}'}}
    first_tool = next(c for c in chunks if c["choices"] and "tool_calls" in c["choices"][0]["delta"])
    assert first_tool["choices"][0]["delta"]["tool_calls"] == [{
        "index": 0, "id": "toolu_01DYJo37oETVsCdLTTcCWcdq", "type": "function",
        "function": {"name": "get_weather", "arguments": ""}}]
    assert got["finish_reason"] == "tool_calls"
    # the 2024 message_delta carries only output_tokens: the input comes from message_start
    assert translator.usage == {"prompt_tokens": 599, "completion_tokens": 135, "cached_tokens": 0,
                                "cache_creation_tokens": 0}


def test_anthropic_parallel_tool_calls_without_arguments_become_empty_objects():
    translator, chunks = run_anthropic("messages_stream_parallel_tool_use_no_args.sse")
    got = assemble_openai(chunks)
    assert got["tools"] == {
        0: {"id": "toolu_01LtHJmixrs9NcWQkK8hu8hj", "name": "pelican_name_generator", "arguments": "{}"},
        1: {"id": "toolu_01N8a4jWyf116qKTMqKKmjyt", "name": "pelican_name_generator", "arguments": "{}"}}
    assert got["content"] == "" and got["finish_reason"] == "tool_calls"
    fragments = [call["function"]["arguments"] for c in chunks if c["choices"]
                 for call in c["choices"][0]["delta"].get("tool_calls", [])]
    assert fragments == ["", "{}", "", "{}"]
    assert got["usage"]["prompt_tokens"] == 542 and got["usage"]["completion_tokens"] == 62


def test_anthropic_thinking_stream():
    translator, chunks = run_anthropic("messages_stream_thinking.sse")
    got = assemble_openai(chunks)
    assert got["reasoning"].startswith("The user wants two names for a pet pelican")
    assert got["reasoning"].endswith("Let me give two brief, catchy names:")
    assert got["content"] == ('1. **Pouch** - references their iconic bill pouch\n'
                              '2. **Pelé** - playful take on "pelican"')
    assert "signature" not in orjson.dumps(chunks).decode()
    assert not any(c["choices"] and c["choices"][0]["delta"] in ({"content": ""}, {"reasoning_content": ""})
                   for c in chunks[1:])  # empty thinking deltas are not forwarded
    assert got["finish_reason"] == "stop"
    assert translator.usage == {"prompt_tokens": 46, "completion_tokens": 133, "cached_tokens": 0,
                                "cache_creation_tokens": 0}


def test_anthropic_cache_read_stream_counts_cached_tokens_as_prompt():
    translator, chunks = run_anthropic("messages_stream_cache_read.sse")
    got = assemble_openai(chunks)
    assert got["content"].startswith("A **system** is an organized collection")
    assert got["finish_reason"] == "length"
    assert got["usage"] == {"prompt_tokens": 1042, "completion_tokens": 100, "total_tokens": 1142,
                            "prompt_tokens_details": {"cached_tokens": 1031}}
    assert translator.usage["cached_tokens"] == 1031


def test_anthropic_midstream_error_sets_error_and_stops_output():
    translator, chunks = run_anthropic("messages_stream_midstream_error.sse")
    assert translator.error == {"type": "api_error", "message": "Overloaded"}
    assert translator.finish_reason is None and not translator.done
    assert [c["choices"][0]["delta"] for c in chunks] == [{"role": "assistant", "content": ""}]
    assert translator.feed("message_stop", {"type": "message_stop"}) == []


def test_anthropic_event_name_falls_back_to_data_type():
    translator = AnthropicStreamToOpenAI("m")
    chunks = [c for _, data in anthropic_events("messages_stream_text.sse") for c in translator.feed(None, data)]
    assert assemble_openai(chunks)["content"] == "Hello"


# ---------------------------------------------------------------- Anthropic message -> chat.completion


def test_anthropic_cache_read_message_to_openai():
    resp = load_json("anthropic", "messages_cache_read.json")
    out = anthropic_response_to_openai(resp, "claude-x")
    assert out["id"] == "chatcmpl-msg_01YUFu6WCB8ZHZBNCMemdJ2B"
    assert (out["object"], out["model"]) == ("chat.completion", "claude-x")
    choice = out["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": resp["content"][0]["text"]}
    assert choice["finish_reason"] == "length"
    assert out["usage"] == {"prompt_tokens": 2066, "completion_tokens": 100, "total_tokens": 2166,
                            "prompt_tokens_details": {"cached_tokens": 2055}}
    assert anthropic_usage(resp["usage"]) == {"prompt_tokens": 2066, "completion_tokens": 100,
                                              "cached_tokens": 2055, "cache_creation_tokens": 0}


def test_anthropic_cache_creation_message_to_openai():
    resp = load_json("anthropic", "messages_cache_creation.json")
    out = anthropic_response_to_openai(resp, "claude-x")
    assert out["usage"]["prompt_tokens"] == 17 + 2056
    assert out["usage"]["prompt_tokens_details"] == {"cached_tokens": 0}
    assert anthropic_usage(resp["usage"])["cache_creation_tokens"] == 2056
    assert "_anthropic_usage" not in out


def test_anthropic_message_with_thinking_and_tools_to_openai():
    resp = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "stop_reason": "tool_use",
            "content": [{"type": "thinking", "thinking": "hmm", "signature": "sig"},
                        {"type": "redacted_thinking", "data": "xx"},
                        {"type": "text", "text": "Let me look."},
                        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                        {"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}}],
            "usage": {"input_tokens": 5, "output_tokens": 7}}
    message = anthropic_response_to_openai(resp, "m")["choices"][0]["message"]
    assert message == {"role": "assistant", "content": "Let me look.", "reasoning_content": "hmm", "tool_calls": [
        {"id": "toolu_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
        {"id": "toolu_2", "type": "function", "function": {"name": "now", "arguments": "{}"}}]}
    resp["content"] = resp["content"][3:]
    assert anthropic_response_to_openai(resp, "m")["choices"][0]["message"]["content"] is None


@pytest.mark.parametrize("stop_reason, finish", [("end_turn", "stop"), ("stop_sequence", "stop"),
                                                 ("max_tokens", "length"), ("tool_use", "tool_calls"),
                                                 ("refusal", "content_filter")])
def test_stop_reason_to_finish_reason(stop_reason, finish):
    resp = {"id": "msg_1", "content": [{"type": "text", "text": "x"}], "stop_reason": stop_reason, "usage": {}}
    assert anthropic_response_to_openai(resp, "m")["choices"][0]["finish_reason"] == finish


# ---------------------------------------------------------------- OpenAI stream -> Anthropic events


def run_openai(name: str, usage: dict | None = None) -> list[tuple[str, dict]]:
    translator = OpenAIStreamToAnthropic("claude-alias")
    events = [event for chunk in openai_chunks(name) for event in translator.feed(chunk)]
    return events + translator.finish(usage)


def test_openai_text_stream_event_order_and_usage():
    events = run_openai("chat_stream_include_usage.sse")
    assert [name for name, _ in events] == (["message_start", "content_block_start", "ping"]
                                           + ["content_block_delta"] * 8
                                           + ["content_block_stop", "message_delta", "message_stop"])
    start = events[0][1]["message"]
    assert start["id"] == "msg_chatcmpl-C2P2HtMJhPkWjQ2adKerkdVilXmRL" and start["model"] == "claude-alias"
    assert start["usage"]["output_tokens"] == 0 and start["content"] == []
    message = assemble_anthropic(events)
    assert message["content"] == [{"type": "text", "text": "The capital of Mexico is Mexico City."}]
    assert (message["stop_reason"], message["stop_sequence"]) == ("end_turn", None)
    assert events[-2][1]["usage"] == {"input_tokens": 14, "cache_creation_input_tokens": 0,
                                      "cache_read_input_tokens": 0, "output_tokens": 8}


def test_openai_finish_usage_argument_wins_and_cached_tokens_leave_input():
    usage = {"prompt_tokens": 100, "completion_tokens": 9, "prompt_tokens_details": {"cached_tokens": 64}}
    events = run_openai("chat_stream_include_usage.sse", usage)
    assert events[-2][1]["usage"] == {"input_tokens": 36, "cache_creation_input_tokens": 0,
                                      "cache_read_input_tokens": 64, "output_tokens": 9}


def test_openai_tool_call_stream():
    events = run_openai("chat_stream_tool_call.sse")
    assert [name for name, _ in events] == (["message_start", "content_block_start", "ping"]
                                           + ["content_block_delta"] * 5
                                           + ["content_block_stop", "message_delta", "message_stop"])
    assert events[1][1]["content_block"] == {"type": "tool_use", "id": "call_ZR5UUuTt3pf61kjwAJIYdVMj",
                                             "name": "get_capital", "input": {}}
    message = assemble_anthropic(events)
    assert message["content"][0]["input"] == {"country": "UK"}
    assert message["stop_reason"] == "tool_use"
    assert message["usage"]["input_tokens"] == 53 and message["usage"]["output_tokens"] == 15


def test_openai_parallel_tool_calls_stream():
    events = run_openai("chat_stream_parallel_tool_calls.sse")
    assert [(name, data.get("index")) for name, data in events] == [
        ("message_start", None), ("content_block_start", 0), ("ping", None), ("content_block_delta", 0),
        ("content_block_stop", 0), ("content_block_start", 1), ("content_block_delta", 1),
        ("content_block_stop", 1), ("message_delta", None), ("message_stop", None)]
    message = assemble_anthropic(events)
    assert [(b["id"], b["name"], b["input"]) for b in message["content"]] == [
        ("call_q2UyBRP7eXNTzAoR8lEhjc9Z", "get_country", {}),
        ("call_b51ijcpFkDiTQG1bQzsrmtW5", "get_product_name", {})]
    assert message["stop_reason"] == "tool_use"


def chunk(delta: dict, finish: str | None = None, **extra) -> dict:
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": delta, "finish_reason": finish, **extra}]}


def test_openai_reasoning_then_text_then_tool_switches_blocks():
    translator = OpenAIStreamToAnthropic("m")
    events = []
    for c in [chunk({"role": "assistant", "reasoning_content": "think"}), chunk({"reasoning_content": " more"}),
              chunk({"content": "Hi"}),
              chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                     "function": {"name": "f", "arguments": '{"a":'}}]}),
              chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}), chunk({}, "tool_calls")]:
        events += translator.feed(c)
    events += translator.finish()
    assert [(name, data.get("index")) for name, data in events] == [
        ("message_start", None), ("content_block_start", 0), ("ping", None), ("content_block_delta", 0),
        ("content_block_delta", 0), ("content_block_stop", 0), ("content_block_start", 1),
        ("content_block_delta", 1), ("content_block_stop", 1), ("content_block_start", 2),
        ("content_block_delta", 2), ("content_block_delta", 2), ("content_block_stop", 2),
        ("message_delta", None), ("message_stop", None)]
    message = assemble_anthropic(events)
    assert message["content"] == [{"type": "thinking", "thinking": "think more", "signature": ""},
                                  {"type": "text", "text": "Hi"},
                                  {"type": "tool_use", "id": "call_1", "name": "f", "input": {"a": 1}}]
    assert message["stop_reason"] == "tool_use"
    assert message["usage"]["output_tokens"] == 0  # no usage known: the gateway passes its own count


def test_openai_stream_stop_sequence_error_and_empty_stream():
    translator = OpenAIStreamToAnthropic("m")
    translator.feed(chunk({"content": "x"}))
    translator.feed(chunk({}, "stop", stop_reason="END"))  # vLLM names the matched stop string
    assert translator.finish()[-2][1]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "END"}
    assert translator.finish() == [] and translator.feed(chunk({"content": "late"})) == []

    translator = OpenAIStreamToAnthropic("m")
    translator.feed(chunk({"content": "x"}))
    assert translator.feed({"error": {"message": "boom", "type": "server_error"}}) == [
        ("error", {"type": "error", "error": {"type": "api_error", "message": "boom"}})]
    assert translator.finish() == []

    empty = OpenAIStreamToAnthropic("m").finish()
    assert [name for name, _ in empty] == ["message_start", "message_delta", "message_stop"]
    assert empty[1][1]["delta"]["stop_reason"] == "end_turn"


def test_error_event_and_format_event():
    translator = OpenAIStreamToAnthropic("m")
    name, data = translator.error_event("Overloaded", "overloaded_error")
    assert (name, data) == ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    raw = format_event(name, data)
    assert raw == b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    assert iter_sse_events(raw + format_event("ping", {"type": "ping"})) == [
        ("error", raw.split(b"data: ")[1].strip().decode()), ("ping", '{"type":"ping"}')]


@pytest.mark.parametrize("name", ["messages_stream_tool_use.sse", "messages_stream_parallel_tool_use_no_args.sse",
                                  "messages_stream_thinking.sse"])
def test_anthropic_stream_survives_a_round_trip_through_openai_chunks(name):
    original = anthropic_events(name)
    _, chunks = run_anthropic(name)
    back = OpenAIStreamToAnthropic("m")
    events = [event for c in chunks for event in back.feed(c)] + back.finish()
    want, got = assemble_anthropic(original), assemble_anthropic(events)
    strip = [{k: v for k, v in b.items() if k not in ("signature", "caller")} for b in want["content"]]
    assert [{k: v for k, v in b.items() if k != "signature"} for b in got["content"]] == strip
    assert got["stop_reason"] == want["stop_reason"]
    assert got["usage"]["output_tokens"] == want["usage"]["output_tokens"]


# ---------------------------------------------------------------- chat.completion -> Anthropic message


def test_openai_completion_to_anthropic():
    out = openai_response_to_anthropic(load_json("openai", "chat_completion.json"), "claude-alias")
    assert out == {"id": "msg_chatcmpl-BWpGTZY785VsZipCO0bAvF7Z7tjdA", "type": "message", "role": "assistant",
                   "model": "claude-alias", "content": [{"type": "text", "text": "YES"}],
                   "stop_reason": "end_turn", "stop_sequence": None,
                   "usage": {"input_tokens": 146, "output_tokens": 3, "cache_read_input_tokens": 0,
                             "cache_creation_input_tokens": 0}}


def test_openai_tool_call_completion_to_anthropic():
    out = openai_response_to_anthropic(load_json("openai", "chat_completion_tool_calls.json"), "m")
    assert out["content"] == [{"type": "tool_use", "id": "call_TTY8UFNo7rNCaOBUNtlRSvMG",
                               "name": "lookup_population", "input": {"country": "Crumpet"}}]
    assert out["stop_reason"] == "tool_use"


def test_openai_cached_completion_to_anthropic_excludes_cached_from_input():
    out = openai_response_to_anthropic(load_json("openai", "chat_completion_cached_tokens.json"), "m")
    assert out["usage"] == {"input_tokens": 68, "output_tokens": 100, "cache_read_input_tokens": 1152,
                            "cache_creation_input_tokens": 0}
    assert out["stop_reason"] == "max_tokens"


def test_openai_completion_edge_cases():
    resp = {"id": "x", "choices": [{"index": 0, "finish_reason": "content_filter", "message": {
        "role": "assistant", "content": None, "reasoning_content": "why",
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{not json"}}]}}]}
    out = openai_response_to_anthropic(resp, "m")
    assert out["content"] == [{"type": "thinking", "thinking": "why", "signature": ""},
                              {"type": "tool_use", "id": "c", "name": "f", "input": {}}]
    assert out["stop_reason"] == "refusal"
    assert out["usage"]["input_tokens"] == 0


# ---------------------------------------------------------------- requests: Anthropic -> OpenAI

PNG = "iVBORw0KGgo="
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def test_anthropic_request_to_openai_full():
    body = {
        "model": "claude-sonnet-4", "max_tokens": 512, "stop_sequences": ["END"], "temperature": 0.3,
        "top_p": 0.9, "top_k": 5, "stream": True, "metadata": {"user_id": "u-42"},
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "system": [{"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}},
                   {"type": "text", "text": "Use metric units."}],
        "tools": [{"name": "get_weather", "description": "Weather now", "input_schema": WEATHER_SCHEMA,
                   "cache_control": {"type": "ephemeral"}},
                  {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?", "cache_control": {"type": "ephemeral"}},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Rome"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "4 C"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "is_error": True,
                 "content": [{"type": "text", "text": "timeout"}]},
                {"type": "text", "text": "Compare them."}]},
        ]}
    assert anthropic_request_to_openai(body) == {
        "model": "claude-sonnet-4", "max_tokens": 512, "stop": ["END"], "temperature": 0.3, "top_p": 0.9,
        "stream": True, "stream_options": {"include_usage": True}, "user": "u-42",
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                                    "parameters": WEATHER_SCHEMA}}],
        "tool_choice": "required", "parallel_tool_calls": False,
        "messages": [
            {"role": "system", "content": "Be terse.\n\nUse metric units."},
            {"role": "user", "content": "Hi"},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}]},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "toolu_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}},
                {"id": "toolu_2", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'}}]},
            {"role": "tool", "tool_call_id": "toolu_1", "content": "4 C"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": "Error: timeout"},
            {"role": "user", "content": "Compare them."}]}


@pytest.mark.parametrize("choice, expected", [
    ({"type": "auto"}, "auto"), ({"type": "any"}, "required"), ({"type": "none"}, "none"),
    ({"type": "tool", "name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}})])
def test_anthropic_tool_choice_to_openai(choice, expected):
    body = {"messages": [{"role": "user", "content": "x"}], "max_tokens": 5, "tool_choice": choice,
            "tools": [{"name": "get_weather", "input_schema": WEATHER_SCHEMA}]}
    out = anthropic_request_to_openai(body)
    assert out["tool_choice"] == expected and "parallel_tool_calls" not in out
    assert out["tools"] == [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_SCHEMA}}]


def test_anthropic_request_minimal_and_tool_only_assistant():
    out = anthropic_request_to_openai({"model": "m", "max_tokens": 5, "system": "sys", "messages": [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "now", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]}]})
    assert out == {"model": "m", "max_tokens": 5, "messages": [
        {"role": "system", "content": "sys"}, {"role": "user", "content": "x"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "t", "type": "function", "function": {"name": "now", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "t", "content": ""}]}


# ---------------------------------------------------------------- requests: OpenAI -> Anthropic


def test_openai_request_to_anthropic_full():
    body = {
        "model": "gpt-alias", "max_tokens": 100, "max_completion_tokens": 300, "stop": ["END", "  ", ""],
        "temperature": 1.7, "top_p": 0.5, "stream": True, "stream_options": {"include_usage": True},
        "user": "u-1", "n": 1, "presence_penalty": 0.1, "frequency_penalty": 0.2, "logit_bias": {"1": 2},
        "seed": 7, "response_format": {"type": "json_object"},
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                                    "parameters": WEATHER_SCHEMA, "strict": True}},
                  {"type": "function", "function": {"name": "now"}}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}}, "parallel_tool_calls": False,
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
            {"role": "user", "content": "Hi"},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{PNG}"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg", "detail": "low"}}]},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}},
                {"id": "call_2", "type": "function", "function": {"name": "now", "arguments": "{broken"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "4 C"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "12:00"}]},
            {"role": "user", "content": "Compare them."},
        ]}
    assert openai_request_to_anthropic(body) == {
        "model": "gpt-alias", "max_tokens": 300, "stop_sequences": ["END"], "temperature": 1.0, "top_p": 0.5,
        "stream": True, "metadata": {"user_id": "u-1"}, "system": "Be terse.\n\nUse metric units.",
        "tools": [{"name": "get_weather", "description": "Weather now", "input_schema": WEATHER_SCHEMA},
                  {"name": "now", "input_schema": {"type": "object", "properties": {}}}],
        "tool_choice": {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Hi"}, {"type": "text", "text": "What is this?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": PNG}},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Oslo"}},
                {"type": "tool_use", "id": "call_2", "name": "now", "input": {}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "4 C"},
                {"type": "tool_result", "tool_use_id": "call_2", "content": [{"type": "text", "text": "12:00"}]},
                {"type": "text", "text": "Compare them."}]}]}


@pytest.mark.parametrize("choice, parallel, expected", [
    ("auto", None, {"type": "auto"}), ("required", None, {"type": "any"}), ("none", None, {"type": "none"}),
    (None, None, None), (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
    ("required", False, {"type": "any", "disable_parallel_tool_use": True})])
def test_openai_tool_choice_to_anthropic(choice, parallel, expected):
    body = {"messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": WEATHER_SCHEMA}}]}
    if choice is not None:
        body["tool_choice"] = choice
    if parallel is not None:
        body["parallel_tool_calls"] = parallel
    assert openai_request_to_anthropic(body).get("tool_choice") == expected


def test_openai_request_role_hygiene():
    out = openai_request_to_anthropic({"messages": [
        {"role": "system", "content": "s"},
        {"role": "assistant", "content": "I start."},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "Go on."},
        {"role": "user", "content": "ok"},
        {"role": "assistant", "content": ""},
    ]}, default_max_tokens=1024)
    assert out == {"max_tokens": 1024, "system": "s", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "..."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "I start."}]},
        {"role": "user", "content": [{"type": "text", "text": "..."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Go on."}]},
        {"role": "user", "content": [{"type": "text", "text": "ok"}]}]}


def test_openai_request_stop_string_and_no_tools_means_no_tool_choice():
    out = openai_request_to_anthropic({"model": "m", "stop": "###", "tool_choice": "auto", "temperature": 0.2,
                                       "messages": [{"role": "user", "content": "x"}]})
    assert out == {"model": "m", "max_tokens": 8192, "stop_sequences": ["###"], "temperature": 0.2,
                   "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}


def test_tool_round_trip_anthropic_openai_anthropic():
    """An Anthropic conversation with a tool round trip survives the trip through the OpenAI dialect."""
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "4 C"},
            {"type": "text", "text": "Thanks."},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}]},
    ]
    body = {"model": "m", "max_tokens": 64, "system": "Be terse.", "stop_sequences": ["END"],
            "tools": [{"name": "get_weather", "description": "d", "input_schema": WEATHER_SCHEMA}],
            "tool_choice": {"type": "tool", "name": "get_weather"}, "messages": messages}
    assert openai_request_to_anthropic(anthropic_request_to_openai(body)) == body


def test_openai_tool_ids_are_made_valid_for_anthropic():
    out = openai_request_to_anthropic({"messages": [
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": [{"id": "functions.get_weather:0", "type": "function",
                                              "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "4 C"}]})
    assert out["messages"][1]["content"][0]["id"] == "functions_get_weather_0"
    assert out["messages"][2]["content"][0]["tool_use_id"] == "functions_get_weather_0"


def test_anthropic_second_message_delta_makes_no_second_finish_chunk():
    translator = AnthropicStreamToOpenAI("m")
    events = anthropic_events("messages_stream_text.sse")
    delta = next(data for name, data in events if name == "message_delta")
    chunks = [c for name, data in events[:-1] for c in translator.feed(name, data)]
    later = {**delta, "usage": {"output_tokens": 9}}
    assert translator.feed("message_delta", later) == []
    assert [c["choices"][0]["finish_reason"] for c in chunks].count("stop") == 1
    assert translator.usage["completion_tokens"] == 9 and translator.usage["prompt_tokens"] == 10


@pytest.mark.parametrize("body", [
    {}, {"messages": "x"}, {"messages": [None, 1, {"role": "user", "content": 5}]},
    {"messages": [{"role": "assistant", "tool_calls": [None, {"function": None}]}]},
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": None}, "s",
                                               {"type": "tool_result", "content": 5}]}]},
    {"tools": [None, {"function": None}], "tool_choice": 5, "metadata": "x", "system": 5, "stop": 5},
    {"tools": [{"name": "x", "input_schema": {}}], "tool_choice": {"type": "weird"}, "stop_sequences": "ab"}])
def test_malformed_requests_do_not_raise(body):
    anthropic_request_to_openai(body)
    openai_request_to_anthropic(body)
