"""OpenAI <-> Gemini translation, driven by recorded upstream bodies and streams."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import orjson
import pytest

from voapi_desktop.gateway.dialects.gemini_openai import (
    GeminiStreamToOpenAI,
    OpenAIStreamToGemini,
    format_sse,
    gemini_embeddings_to_openai,
    gemini_error,
    gemini_models_list,
    gemini_request_to_openai,
    gemini_response_to_openai,
    openai_embeddings_to_gemini,
    openai_request_to_gemini,
    openai_response_to_gemini,
)
from voapi_desktop.gateway.dialects.sse_events import iter_sse_events

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "upstream"


def load(vendor: str, name: str) -> dict:
    return orjson.loads((FIXTURES / vendor / name).read_bytes())


def sse_objects(vendor: str, name: str) -> list[dict]:
    """The data objects of a recorded stream (CRLF or LF), without ``[DONE]``."""
    return [orjson.loads(data) for _, data in iter_sse_events((FIXTURES / vendor / name).read_bytes())
            if data.strip() and data != "[DONE]"]


# ------------------------------------------------------------------ Gemini responses -> OpenAI

def test_text_response():
    out = gemini_response_to_openai(load("gemini", "generate_content_text.json"), "gemini-2.5-pro")
    assert out["object"] == "chat.completion" and out["model"] == "gemini-2.5-pro"
    assert out["id"] == "chatcmpl-5o7JaNbPNtSs1MkPgdfM-A0"
    choice = out["choices"][0]
    text = 'OK. I found a reference for "recurring revenue". What would you like to know about it? \n'
    assert choice["message"] == {"role": "assistant", "content": text}
    assert choice["finish_reason"] == "stop"
    assert out["usage"] == {"prompt_tokens": 207, "completion_tokens": 20, "total_tokens": 227,
                            "prompt_tokens_details": {"cached_tokens": 0},
                            "completion_tokens_details": {"reasoning_tokens": 0}}


def test_function_call_response_keeps_the_thought_signature():
    resp = load("gemini", "generate_content_function_call.json")
    signature = resp["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    out = gemini_response_to_openai(resp, "gemini-2.5-pro")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [{
        "id": "call_0", "type": "function",
        "function": {"name": "search_docs", "arguments": '{"query":"recurring revenue"}'},
        "extra_content": {"google": {"thought_signature": signature}}}]
    # thoughts are billed as completion tokens and reported as reasoning tokens
    assert out["usage"]["prompt_tokens"] == 170
    assert out["usage"]["completion_tokens"] == 16 + 132
    assert out["usage"]["total_tokens"] == resp["usageMetadata"]["totalTokenCount"]
    assert out["usage"]["completion_tokens_details"] == {"reasoning_tokens": 132}

    # the client sends the call back with the tool result: signature restored, name looked up by id
    follow_up = {"messages": [
        {"role": "user", "content": "Find recurring revenue"},
        choice["message"],
        {"role": "tool", "tool_call_id": "call_0", "content": '{"hits": 3}'},
    ]}
    gemini = openai_request_to_gemini(follow_up)
    assert gemini["contents"] == [
        {"role": "user", "parts": [{"text": "Find recurring revenue"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "search_docs", "args": {"query": "recurring revenue"}},
                                     "thoughtSignature": signature}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "search_docs",
                                                         "response": {"content": {"hits": 3}}}}]},
    ]


def test_code_execution_parts_are_rendered_as_fenced_text():
    resp = load("gemini", "generate_content_code_execution.json")
    out = gemini_response_to_openai(resp, "gemini-2.5-flash")
    content = out["choices"][0]["message"]["content"]
    assert content.startswith("To find the sum of the first 50 prime numbers")
    assert "\n```python\nimport math\n" in content
    assert "while len(prime_numbers) < 50:" in content  # \u003c decoded
    assert "\n```output\nThe first 50 prime numbers are:" in content
    assert content.endswith("223, 227, 229.")
    assert out["choices"][0]["finish_reason"] == "stop"
    # tool-use prompt tokens are prompt tokens; the sum matches Gemini's total
    assert out["usage"]["prompt_tokens"] == 32 + 619
    assert out["usage"]["completion_tokens"] == 575 + 199
    assert out["usage"]["total_tokens"] == 1425


@pytest.mark.parametrize("reason, expected", [
    ("STOP", "stop"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("RECITATION", "content_filter"),
    ("BLOCKLIST", "content_filter"), ("PROHIBITED_CONTENT", "content_filter"), ("SPII", "content_filter"),
    ("MALFORMED_FUNCTION_CALL", "stop"), ("OTHER", "stop"),
])
def test_finish_reasons(reason, expected):
    resp = {"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]}, "finishReason": reason}]}
    assert gemini_response_to_openai(resp, "m")["choices"][0]["finish_reason"] == expected


def test_thought_parts_become_reasoning_content_and_cached_tokens_are_reported():
    resp = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Thinking about it", "thought": True}, {"text": "Answer"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 100, "cachedContentTokenCount": 64, "candidatesTokenCount": 5,
                          "thoughtsTokenCount": 7, "totalTokenCount": 112}}
    out = gemini_response_to_openai(resp, "m")
    assert out["choices"][0]["message"] == {"role": "assistant", "content": "Answer",
                                            "reasoning_content": "Thinking about it"}
    assert out["usage"]["prompt_tokens_details"] == {"cached_tokens": 64}
    assert out["usage"]["completion_tokens"] == 12


def test_blocked_prompt_is_a_content_filter_with_empty_content():
    resp = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}}
    out = gemini_response_to_openai(resp, "m")
    assert out["choices"] == [{"index": 0, "message": {"role": "assistant", "content": ""},
                               "finish_reason": "content_filter", "logprobs": None}]
    assert out["usage"]["prompt_tokens"] == 9


# ------------------------------------------------------------------ Gemini streams -> OpenAI chunks

def run_gemini_stream(name: str, include_usage: bool = True) -> tuple[GeminiStreamToOpenAI, list[dict]]:
    conv = GeminiStreamToOpenAI("gemini-x", include_usage)
    chunks = []
    for obj in sse_objects("gemini", name):
        chunks += conv.feed(obj)
    chunks += conv.finish()
    return conv, chunks


def test_stream_crlf_text():
    raw = (FIXTURES / "gemini" / "stream_generate_content.sse").read_bytes()
    assert b"\r\n\r\n" in raw  # the recording really is CRLF-framed
    conv, chunks = run_gemini_stream("stream_generate_content.sse")
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "gemini-x" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"] == "chatcmpl-ru1garvBEoOiqtsP2fznmQw"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "\n".join(str(i) for i in range(1, 31))
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finishes == ["stop"]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["prompt_tokens"] == 18
    assert chunks[-1]["usage"]["completion_tokens"] == 80 + 35
    assert chunks[-1]["usage"]["completion_tokens_details"] == {"reasoning_tokens": 35}
    assert conv.usage == {"prompt_tokens": 18, "completion_tokens": 115, "cached_tokens": 0}
    assert conv.error is None


def test_stream_usage_revised_in_the_last_chunk_last_wins():
    conv, chunks = run_gemini_stream("stream_generate_content_gemini2.sse")
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "The capital of France is Paris.\n"
    # earlier chunks said 15 prompt tokens and no candidates; the last one says 13 + 8
    assert conv.usage == {"prompt_tokens": 13, "completion_tokens": 8, "cached_tokens": 0}
    assert chunks[-1]["usage"]["total_tokens"] == 21


def test_stream_without_include_usage_has_no_usage_chunk_but_still_bills():
    conv, chunks = run_gemini_stream("stream_generate_content_gemini2.sse", include_usage=False)
    assert all(c["choices"] for c in chunks)
    assert conv.usage["prompt_tokens"] == 13


def test_stream_function_call_is_one_tool_call_delta_with_its_signature():
    objects = sse_objects("gemini", "stream_generate_content_function_call.sse")
    signature = objects[0]["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    conv, chunks = run_gemini_stream("stream_generate_content_function_call.sse")
    calls = [c["choices"][0]["delta"]["tool_calls"] for c in chunks
             if c["choices"] and "tool_calls" in c["choices"][0]["delta"]]
    assert calls == [[{"index": 0, "id": "call_0", "type": "function",
                       "function": {"name": "get_country", "arguments": "{}"},
                       "extra_content": {"google": {"thought_signature": signature}}}]]
    # the final chunk's empty text part produces no content delta
    assert not [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finishes == ["tool_calls"]
    assert conv.usage == {"prompt_tokens": 29, "completion_tokens": 10 + 202, "cached_tokens": 0}


def test_stream_closed_without_finish_reason_gets_a_stop():
    conv = GeminiStreamToOpenAI("m", include_usage=True)
    chunks = conv.feed({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}}]})
    assert [c["choices"][0]["delta"] for c in chunks] == [{"role": "assistant", "content": ""}, {"content": "Hi"}]
    tail = conv.finish()
    assert [c["choices"][0]["finish_reason"] for c in tail] == ["stop"]  # no usageMetadata: no usage chunk
    assert conv.usage is None


def test_stream_error_object():
    conv = GeminiStreamToOpenAI("m", include_usage=True)
    error = load("gemini", "error_429_resource_exhausted.json")
    assert conv.feed(error) == []
    assert conv.error["status"] == "RESOURCE_EXHAUSTED"
    assert conv.finish() == []


# ------------------------------------------------------------------ embeddings

def test_embeddings_single_and_batch_requests():
    endpoint, body = openai_embeddings_to_gemini({"input": "hello", "dimensions": 768}, "gemini-embedding-001")
    assert endpoint == "embedContent"
    assert body == {"content": {"parts": [{"text": "hello"}]}, "outputDimensionality": 768}
    endpoint, body = openai_embeddings_to_gemini({"input": ["a", "b"]}, "gemini-embedding-001")
    assert endpoint == "batchEmbedContents"
    assert body == {"requests": [
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}]}},
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "b"}]}}]}


@pytest.mark.parametrize("tokens", [[1, 2, 3], [[1, 2], [3]], [], None])
def test_embeddings_need_text(tokens):
    with pytest.raises(ValueError, match="Gemini embeddings need text input"):
        openai_embeddings_to_gemini({"input": tokens}, "gemini-embedding-001")


@pytest.mark.parametrize("name, key", [("embed_content.json", "embedding"),
                                       ("batch_embed_contents.json", "embeddings")])
def test_embedding_responses(name, key):
    resp = load("gemini", name)
    values = resp["embedding"]["values"] if key == "embedding" else resp["embeddings"][0]["values"]
    out = gemini_embeddings_to_openai(resp, "gemini-embedding-001", None)
    assert out == {"object": "list", "model": "gemini-embedding-001",
                   "data": [{"object": "embedding", "index": 0, "embedding": values}],
                   "usage": {"prompt_tokens": 0, "total_tokens": 0}}
    b64 = gemini_embeddings_to_openai(resp, "gemini-embedding-001", "base64")["data"][0]["embedding"]
    raw = base64.b64decode(b64)
    assert len(raw) == 4 * len(values)
    assert struct.unpack(f"<{len(values)}f", raw) == pytest.approx(values, rel=1e-6)


def test_base64_matches_openai_encoding():
    """OpenAI's base64 embeddings are little-endian float32: decode the recording the same way."""
    recorded = load("openai", "embeddings_base64.json")["data"][0]["embedding"]
    floats = list(struct.unpack(f"<{len(base64.b64decode(recorded)) // 4}f", base64.b64decode(recorded)))
    resp = {"embedding": {"values": floats}}
    assert gemini_embeddings_to_openai(resp, "m", "base64")["data"][0]["embedding"] == recorded


# ------------------------------------------------------------------ OpenAI requests -> Gemini

FULL_OPENAI_REQUEST = {
    "model": "gemini-2.5-flash",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
        {"role": "user", "content": [
            {"type": "text", "text": "What is in this picture, and the weather?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.webp?size=2"}},
        ]},
        {"role": "user", "content": "Paris please."},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}},
            {"id": "call_b", "type": "function", "function": {"name": "time", "arguments": "not json"}},
        ]},
        {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_b", "content": '{"hour": 12}'},
        {"role": "assistant", "content": "Sunny, noon."},
    ],
    "tools": [
        {"type": "function", "function": {"name": "weather", "description": "Weather for a city", "parameters": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": False,
            "properties": {"city": {"type": "string"},
                           "strict": {"type": "object", "additionalProperties": False,
                                      "properties": {"on": {"type": "boolean"}}}},
            "required": ["city"]}, "strict": True}},
        {"type": "function", "function": {"name": "time", "parameters": {"type": "object", "properties": {}}}},
    ],
    "tool_choice": {"type": "function", "function": {"name": "weather"}},
    "temperature": 0.2, "top_p": 0.9, "max_completion_tokens": 300, "max_tokens": 100, "stop": "END", "n": 2,
    "seed": 7, "presence_penalty": 0.1, "frequency_penalty": 0.3, "reasoning_effort": "medium",
    "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": {
        "type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer"}}}}},
}


def test_openai_request_to_gemini_full():
    out = openai_request_to_gemini(FULL_OPENAI_REQUEST)
    assert out["systemInstruction"] == {"parts": [{"text": "Be brief."}, {"text": "Use tools."}]}
    assert out["contents"] == [
        {"role": "user", "parts": [  # two user messages merged
            {"text": "What is in this picture, and the weather?"},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {"fileData": {"mimeType": "image/webp", "fileUri": "https://example.com/cat.webp?size=2"}},
            {"text": "Paris please."}]},
        {"role": "model", "parts": [
            {"text": "Checking."},
            {"functionCall": {"name": "weather", "args": {"city": "Paris"}}},
            {"functionCall": {"name": "time", "args": {}}}]},  # invalid JSON arguments -> {}
        {"role": "user", "parts": [
            {"functionResponse": {"name": "weather", "response": {"content": "sunny"}}},
            {"functionResponse": {"name": "time", "response": {"content": {"hour": 12}}}}]},
        {"role": "model", "parts": [{"text": "Sunny, noon."}]},
    ]
    assert out["tools"] == [{"functionDeclarations": [
        {"name": "weather", "description": "Weather for a city", "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"},
                           "strict": {"type": "object", "properties": {"on": {"type": "boolean"}}}},
            "required": ["city"]}},
        {"name": "time"}]}]  # no properties: declared without parameters
    assert out["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["weather"]}}
    assert out["generationConfig"] == {
        "temperature": 0.2, "topP": 0.9, "seed": 7, "presencePenalty": 0.1, "frequencyPenalty": 0.3,
        "candidateCount": 2, "maxOutputTokens": 300, "stopSequences": ["END"],
        "responseMimeType": "application/json",
        "responseSchema": {"type": "object", "properties": {"a": {"type": "integer"}}},
        "thinkingConfig": {"thinkingBudget": 8192}}


@pytest.mark.parametrize("choice, config", [
    ("auto", {"mode": "AUTO"}), ("none", {"mode": "NONE"}), ("required", {"mode": "ANY"})])
def test_tool_choice_modes(choice, config):
    body = {"messages": [{"role": "user", "content": "hi"}], "tool_choice": choice,
            "tools": [{"type": "function", "function": {"name": "f"}}]}
    assert openai_request_to_gemini(body)["toolConfig"] == {"functionCallingConfig": config}


@pytest.mark.parametrize("effort, budget", [("low", 1024), ("medium", 8192), ("high", 24576)])
def test_reasoning_effort_budgets(effort, budget):
    body = {"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": effort}
    assert openai_request_to_gemini(body)["generationConfig"] == {"thinkingConfig": {"thinkingBudget": budget}}


def test_json_object_and_plain_request():
    body = {"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"},
            "max_tokens": 5}
    out = openai_request_to_gemini(body)
    assert out == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                   "generationConfig": {"maxOutputTokens": 5, "responseMimeType": "application/json"}}


# ------------------------------------------------------------------ Gemini requests -> OpenAI

def test_gemini_request_to_openai_full():
    body = {
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Look:"},
                                       {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]},
            {"role": "model", "parts": [
                {"text": "thinking", "thought": True},
                {"functionCall": {"name": "weather", "args": {"city": "Paris"}}, "thoughtSignature": "sig"},
                {"functionCall": {"name": "weather", "args": {"city": "Rome"}}}]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "weather", "response": {"content": "sunny"}}},
                {"functionResponse": {"name": "weather", "response": {"temp": 20}}}]},
        ],
        "tools": [{"functionDeclarations": [{"name": "weather", "description": "d", "parameters": {
            "type": "OBJECT", "properties": {"city": {"type": "STRING"}}}}]}, {"googleSearch": {}}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["weather"]}},
        "generationConfig": {"temperature": 0.5, "topP": 0.8, "maxOutputTokens": 64, "stopSequences": ["x"],
                             "candidateCount": 1, "seed": 3, "responseMimeType": "application/json",
                             "thinkingConfig": {"thinkingBudget": 2000}},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }
    out = gemini_request_to_openai(body, "gpt-4o", stream=True)
    assert out["model"] == "gpt-4o"
    assert out["stream"] is True and out["stream_options"] == {"include_usage": True}
    assert out["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "text", "text": "Look:"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_0", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
             "extra_content": {"google": {"thought_signature": "sig"}}},
            {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Rome"}'}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp":20}'},
    ]
    assert out["tools"] == [{"type": "function", "function": {"name": "weather", "description": "d", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    assert out["tool_choice"] == {"type": "function", "function": {"name": "weather"}}
    assert out["temperature"] == 0.5 and out["top_p"] == 0.8 and out["max_tokens"] == 64
    assert out["stop"] == ["x"] and out["n"] == 1 and out["seed"] == 3
    assert out["response_format"] == {"type": "json_object"}
    assert out["reasoning_effort"] == "medium"
    assert "safetySettings" not in out


def test_gemini_request_accepts_snake_case():
    body = {"system_instruction": {"parts": [{"text": "S"}]},
            "contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "image/jpeg", "data": "AAA="}},
                                                    {"text": "hi"}]}],
            "generation_config": {"max_output_tokens": 9, "response_mime_type": "application/json",
                                  "response_schema": {"type": "OBJECT", "properties": {"a": {"type": "INTEGER"}}}}}
    out = gemini_request_to_openai(body, "m", stream=False)
    assert "stream" not in out
    assert out["messages"][0] == {"role": "system", "content": "S"}
    assert out["messages"][1]["content"][0] == {"type": "image_url",
                                                "image_url": {"url": "data:image/jpeg;base64,AAA="}}
    assert out["max_tokens"] == 9
    assert out["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "response", "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}}


def test_request_round_trip_openai_gemini_openai():
    original = {"model": "m", "messages": [
        {"role": "system", "content": "Sys"},
        {"role": "user", "content": [{"type": "text", "text": "Hi"},
                                     {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAA="}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_0", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'},
             "extra_content": {"google": {"thought_signature": "c2ln"}}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": "result"},
        {"role": "assistant", "content": "Done"},
        {"role": "user", "content": "Thanks"},
    ], "tools": [{"type": "function", "function": {"name": "f", "description": "F", "parameters": {
        "type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}],
        "tool_choice": "auto", "temperature": 0.1, "top_p": 0.5, "max_tokens": 50, "stop": ["a", "b"],
        "seed": 1, "n": 1, "presence_penalty": 0.0, "frequency_penalty": 0.5, "reasoning_effort": "high",
        "response_format": {"type": "json_object"}}
    back = gemini_request_to_openai(openai_request_to_gemini(original), "m", stream=False)
    assert back == original


def test_request_round_trip_gemini_openai_gemini():
    original = {
        "systemInstruction": {"parts": [{"text": "Sys"}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}, {"inlineData": {"mimeType": "image/png", "data": "AAA="}}]},
            {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"x": 1}}, "thoughtSignature": "s"}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"content": {"ok": True}}}}]},
            {"role": "model", "parts": [{"text": "Done"}]},
        ],
        "tools": [{"functionDeclarations": [{"name": "f", "description": "F", "parameters": {
            "type": "object", "properties": {"x": {"type": "integer"}}}}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "NONE"}},
        "generationConfig": {"temperature": 1.0, "topP": 0.95, "maxOutputTokens": 10, "stopSequences": ["."],
                             "candidateCount": 1, "seed": 2, "responseMimeType": "application/json",
                             "responseSchema": {"type": "object", "properties": {"y": {"type": "string"}}},
                             "thinkingConfig": {"thinkingBudget": 1024}},
    }
    openai_body = gemini_request_to_openai(original, "m", stream=False)
    assert openai_request_to_gemini(openai_body) == original


# ------------------------------------------------------------------ OpenAI responses -> Gemini

def test_openai_completion_to_gemini():
    resp = load("openai", "chat_completion.json")
    out = openai_response_to_gemini(resp, "gpt-4o-mini")
    candidate = out["candidates"][0]
    assert candidate["content"] == {"role": "model", "parts": [{"text": resp["choices"][0]["message"]["content"]}]}
    assert candidate["finishReason"] == "STOP" and candidate["index"] == 0
    usage = resp["usage"]
    assert out["usageMetadata"] == {"promptTokenCount": usage["prompt_tokens"],
                                    "candidatesTokenCount": usage["completion_tokens"],
                                    "totalTokenCount": usage["total_tokens"], "cachedContentTokenCount": 0}
    assert out["modelVersion"] == "gpt-4o-mini" and out["responseId"] == resp["id"]


def test_openai_tool_call_completion_to_gemini_and_back():
    resp = load("openai", "chat_completion_tool_calls.json")
    out = openai_response_to_gemini(resp, "gpt-4o-mini")
    call = resp["choices"][0]["message"]["tool_calls"][0]["function"]
    assert out["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"name": call["name"], "args": orjson.loads(call["arguments"])}}]
    assert out["candidates"][0]["finishReason"] == "STOP"
    back = gemini_response_to_openai(out, "gpt-4o-mini")
    assert back["choices"][0]["finish_reason"] == "tool_calls"
    assert orjson.loads(back["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == \
        orjson.loads(call["arguments"])
    assert back["usage"]["prompt_tokens"] == resp["usage"]["prompt_tokens"]
    assert back["usage"]["completion_tokens"] == resp["usage"]["completion_tokens"]


def test_openai_reasoning_and_finish_mapping_to_gemini():
    resp = {"id": "x", "choices": [{"index": 0, "finish_reason": "length", "message": {
        "role": "assistant", "content": "A", "reasoning_content": "R"}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 30, "total_tokens": 40,
                  "prompt_tokens_details": {"cached_tokens": 4}, "completion_tokens_details": {"reasoning_tokens": 20}}}
    out = openai_response_to_gemini(resp, "o")
    assert out["candidates"][0]["content"]["parts"] == [{"text": "R", "thought": True}, {"text": "A"}]
    assert out["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert out["usageMetadata"] == {"promptTokenCount": 10, "candidatesTokenCount": 10, "thoughtsTokenCount": 20,
                                    "totalTokenCount": 40, "cachedContentTokenCount": 4}
    filtered = {"choices": [{"finish_reason": "content_filter", "message": {"role": "assistant", "content": None}}]}
    candidate = openai_response_to_gemini(filtered, "o")["candidates"][0]
    assert candidate["finishReason"] == "SAFETY" and candidate["content"]["parts"] == [{"text": ""}]


# ------------------------------------------------------------------ OpenAI streams -> Gemini stream

def run_openai_stream(name: str) -> tuple[OpenAIStreamToGemini, list[dict]]:
    conv = OpenAIStreamToGemini("gpt-x")
    out = []
    for chunk in sse_objects("openai", name):
        out += conv.feed(chunk)
    out += conv.finish()
    return conv, out


def test_openai_text_stream_to_gemini():
    chunks = sse_objects("openai", "chat_stream_include_usage.sse")
    expected_text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    usage = chunks[-1]["usage"]
    conv, out = run_openai_stream("chat_stream_include_usage.sse")
    text = "".join(p.get("text", "") for o in out for c in o["candidates"] for p in c["content"]["parts"])
    assert text == expected_text
    assert all(o["modelVersion"] == "gpt-x" and o["responseId"] == chunks[0]["id"] for o in out)
    assert [o["candidates"][0].get("finishReason") for o in out].count("STOP") == 1
    last = out[-1]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"]["promptTokenCount"] == usage["prompt_tokens"]
    assert last["usageMetadata"]["candidatesTokenCount"] == usage["completion_tokens"]
    assert last["usageMetadata"]["totalTokenCount"] == usage["total_tokens"]
    assert "usageMetadata" not in out[0]
    assert conv.usage == usage


def test_openai_tool_call_stream_assembles_one_function_call():
    conv, out = run_openai_stream("chat_stream_tool_call.sse")
    calls = [p for o in out for c in o["candidates"] for p in c["content"]["parts"] if "functionCall" in p]
    assert calls == [{"functionCall": {"name": "get_capital", "args": {"country": "UK"}}}]
    assert len(out) == 1  # nothing but the assembled call, on the finishing object with usage
    assert out[0]["candidates"][0]["finishReason"] == "STOP"
    assert out[0]["usageMetadata"] == {"promptTokenCount": 53, "candidatesTokenCount": 15, "totalTokenCount": 68,
                                       "cachedContentTokenCount": 0}


def test_openai_stream_without_usage_or_finish_is_flushed_by_finish():
    conv = OpenAIStreamToGemini("m")
    assert conv.feed({"id": "c1", "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [
        {"index": 0, "id": "call_x", "type": "function",
         "function": {"name": "f", "arguments": '{"a":'}}]}}]}) == []
    assert conv.feed({"id": "c1", "choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "function": {"arguments": "1}"}}]}}]}) == []
    out = conv.finish()
    part = {"functionCall": {"name": "f", "args": {"a": 1}}}
    assert out == [{"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
                    "modelVersion": "m", "responseId": "c1"}]
    assert conv.finish() == []


def test_openai_stream_midstream_error():
    conv, out = run_openai_stream("chat_stream_midstream_error.sse")
    assert conv.error is not None and conv.error["type"] == "server_error"
    assert all("finishReason" not in c for o in out for c in o["candidates"])


def test_format_sse_is_compact_and_crlf():
    frame = format_sse({"candidates": [{"content": {"parts": [{"text": "é"}]}}]})
    assert frame == b'data: {"candidates":[{"content":{"parts":[{"text":"\xc3\xa9"}]}}]}\r\n\r\n'
    assert [orjson.loads(d) for _, d in iter_sse_events(frame + frame)] == \
        [{"candidates": [{"content": {"parts": [{"text": "é"}]}}]}] * 2


# ------------------------------------------------------------------ models and errors

def test_models_list():
    out = gemini_models_list(["gemini-2.5-flash", "models/gemini-embedding-001"])
    assert out == {"models": [
        {"name": "models/gemini-2.5-flash", "version": "001", "displayName": "gemini-2.5-flash",
         "supportedGenerationMethods": ["generateContent", "streamGenerateContent"]},
        {"name": "models/gemini-embedding-001", "version": "001", "displayName": "gemini-embedding-001",
         "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "embedContent"]}]}


@pytest.mark.parametrize("name", ["error_400_api_key_invalid.json", "error_404_model_not_found.json",
                                  "error_429_resource_exhausted.json"])
def test_error_shape_matches_recordings(name):
    recorded = load("gemini", name)["error"]
    made = gemini_error(recorded["code"], recorded["message"])
    assert made == {"error": {"code": recorded["code"], "message": recorded["message"], "status": recorded["status"]}}


@pytest.mark.parametrize("status, name", [(401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED"),
                                          (413, "INVALID_ARGUMENT"), (500, "INTERNAL"), (503, "UNAVAILABLE"),
                                          (504, "DEADLINE_EXCEEDED")])
def test_error_status_names(status, name):
    assert gemini_error(status, "m")["error"]["status"] == name


def test_null_max_completion_tokens_falls_back_to_max_tokens():
    body = {"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": None, "max_tokens": 7}
    assert openai_request_to_gemini(body)["generationConfig"] == {"maxOutputTokens": 7}


def test_gemini_file_data_to_openai():
    body = {"contents": [{"parts": [
        {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/a.png"}},
        {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/doc.pdf"}}]}]}
    assert gemini_request_to_openai(body, "m", stream=False)["messages"] == [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "text", "text": "[application/pdf file: gs://bucket/doc.pdf]"}]}]


def test_openai_parallel_tool_call_stream_gives_two_whole_function_calls_in_order():
    conv, out = run_openai_stream("chat_stream_parallel_tool_calls.sse")
    calls = [p["functionCall"]["name"] for o in out for c in o["candidates"] for p in c["content"]["parts"]
             if "functionCall" in p]
    assert calls == ["get_country", "get_product_name"]
    assert "usageMetadata" in out[-1] and out[-1]["candidates"][0]["finishReason"] == "STOP"


def test_repeated_generated_ids_resolve_to_the_latest_call():
    """Gemini replies always number calls from call_0: a tool result names the nearest earlier call."""
    first = gemini_response_to_openai({"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "a", "args": {}}}]}, "finishReason": "STOP"}]}, "m")["choices"][0]["message"]
    second = gemini_response_to_openai({"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "b", "args": {}}}]}, "finishReason": "STOP"}]}, "m")["choices"][0]["message"]
    body = {"messages": [{"role": "user", "content": "go"}, first,
                         {"role": "tool", "tool_call_id": "call_0", "content": "1"}, second,
                         {"role": "tool", "tool_call_id": "call_0", "content": "2"}]}
    responses = [p["functionResponse"] for c in openai_request_to_gemini(body)["contents"] for p in c["parts"]
                 if "functionResponse" in p]
    assert responses == [{"name": "a", "response": {"content": "1"}}, {"name": "b", "response": {"content": "2"}}]


def test_several_candidates_become_several_choices():
    resp = {"candidates": [
        {"content": {"role": "model", "parts": [{"text": "one"}]}, "finishReason": "STOP", "index": 0},
        {"content": {"role": "model", "parts": [{"text": "two"}]}, "finishReason": "MAX_TOKENS", "index": 1}]}
    choices = gemini_response_to_openai(resp, "m")["choices"]
    assert [(c["index"], c["message"]["content"], c["finish_reason"]) for c in choices] == \
        [(0, "one", "stop"), (1, "two", "length")]


@pytest.mark.parametrize("messages", [
    [], [None, "x", 3], [{"role": "user", "content": None}], [{"role": "user", "content": [None, 5, {"type": "?"}]}],
    [{"role": "assistant", "content": "", "tool_calls": [None, {"function": "f"}, {"id": "c"}]}],
    [{"role": "tool", "content": None}], [{"role": "tool", "tool_call_id": "nope", "content": "[1, 2"}],
])
def test_odd_openai_messages_do_not_crash(messages):
    out = openai_request_to_gemini({"messages": messages, "tools": [None, {"type": "function"}]})
    assert all(content["parts"] for content in out["contents"])


def test_tool_result_text_that_looks_like_a_number_stays_text():
    body = {"messages": [{"role": "tool", "tool_call_id": "x", "name": "f", "content": "42"}]}
    assert openai_request_to_gemini(body)["contents"][0]["parts"] == [
        {"functionResponse": {"name": "f", "response": {"content": "42"}}}]
