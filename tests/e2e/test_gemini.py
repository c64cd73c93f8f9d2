"""End to end: the official google-genai SDK on the gateway's /v1beta front door, and the openai SDK
on a Gemini channel.

To a Gemini channel a Gemini request is passed through with the channel's key in x-goog-api-key; to an
OpenAI-type channel it is translated to chat.completions. Fake numbers: one content "say hello" is
2 + 3 = 5 prompt tokens on the Gemini and the OpenAI routes; DEFAULT_REPLY is 4 words.
"""

from __future__ import annotations

import base64
import json
import struct
from contextlib import closing

import httpx
import openai
import pytest
from google.genai import errors as genai_errors
from google.genai import types

from tests.conftest import make_token
from tests.e2e.dialects import GEMINI, gemini_channel, genai_client, openai_channel, sse_events
from tests.e2e.helpers import consume_logs, sse_data
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour, _vector
from voapi_desktop.store.logs import CONSUME, ERROR, list_logs
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

CHANNEL_KEY = "gemini-channel-key"
EMBEDDING = "gemini-embedding-001"
HELLO = [{"role": "user", "content": "say hello"}]


@pytest.fixture
def client(gateway, key):
    with closing(genai_client(gateway, key)) as made:
        yield made


@pytest.fixture
def native(upstream):
    """A Gemini channel serving gemini-2.5-flash (mapped to a dated name) and the embedding model."""
    return gemini_channel(upstream, models=f"{GEMINI},{EMBEDDING}",
                          model_mapping={GEMINI: "gemini-2.5-flash-001"})


@pytest.fixture
def translated(upstream):
    """An OpenAI-type channel serving the Gemini name with gpt-4o-mini."""
    return openai_channel(upstream, models=GEMINI, model_mapping={GEMINI: "gpt-4o-mini"})


def assert_channel_key_only(sent, key: str) -> None:
    """The upstream saw the channel's key in x-goog-api-key, and the client's key nowhere."""
    assert sent.headers["x-goog-api-key"] == CHANNEL_KEY
    assert "key" not in sent.query and "authorization" not in sent.headers
    secret = key.removeprefix("sk-")
    assert not any(secret in value for value in sent.headers.values())
    assert secret not in sent.path and secret.encode() not in sent.body


def assert_whole_reply(reply, prompt_tokens: int) -> None:
    """The whole DEFAULT_REPLY, finished with STOP, with the token counts the route reports."""
    assert reply.text == DEFAULT_REPLY
    assert reply.candidates[0].finish_reason == types.FinishReason.STOP
    assert (reply.usage_metadata.prompt_token_count, reply.usage_metadata.candidates_token_count) == (prompt_tokens, 4)


# --- Gemini channel: pass-through -----------------------------------------------------------------


def test_generate_content_to_a_gemini_channel_is_passed_through(gateway, upstream, native, client, key):
    reply = client.models.generate_content(
        model=GEMINI, contents="say hello",
        config=types.GenerateContentConfig(system_instruction="Be terse.", temperature=0.5))
    assert_whole_reply(reply, prompt_tokens=2 + 5)
    [sent] = upstream.requests
    assert sent.path == "/v1beta/models/gemini-2.5-flash-001:generateContent"
    assert sent.json["contents"] == [{"parts": [{"text": "say hello"}], "role": "user"}]
    assert sent.json["systemInstruction"]["parts"] == [{"text": "Be terse."}]
    assert sent.json["generationConfig"]["temperature"] == 0.5
    assert_channel_key_only(sent, key)
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"], row["model_name"]) == (7, 4, GEMINI)


def test_generate_content_stream_to_a_gemini_channel(gateway, upstream, native, client, key):
    chunks = list(client.models.generate_content_stream(model=GEMINI, contents="say hello"))
    assert "".join(c.text or "" for c in chunks) == DEFAULT_REPLY
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert chunks[-1].usage_metadata.candidates_token_count == 4
    [sent] = upstream.requests
    assert sent.path == "/v1beta/models/gemini-2.5-flash-001:streamGenerateContent"
    assert sent.query == {"alt": "sse"}
    assert_channel_key_only(sent, key)
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"], row["is_stream"]) == (5, 4, True)


def test_embed_content_to_a_gemini_channel(gateway, upstream, native, client, key):
    answer = client.models.embed_content(model=EMBEDDING, contents=["first text", "second text"])
    assert [e.values for e in answer.embeddings] == [_vector("first text"), _vector("second text")]
    [sent] = upstream.requests
    assert sent.path.startswith(f"/v1beta/models/{EMBEDDING}:")
    assert_channel_key_only(sent, key)
    [row] = consume_logs(gateway)
    assert row["prompt_tokens"] > 0 and row["completion_tokens"] == 0  # Gemini reports no usage: counted


def test_models_list_in_gemini_shape(gateway, upstream, native, client):
    names = [m.name for m in client.models.list()]
    assert sorted(names) == sorted([f"models/{GEMINI}", f"models/{EMBEDDING}"])
    assert upstream.requests == []


def test_the_key_query_parameter_works_and_is_not_forwarded(gateway, upstream, native, key):
    url = f"{gateway.url}/v1beta/models/{GEMINI}:generateContent"
    answer = httpx.post(url, params={"key": key}, timeout=20,
                        json={"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["candidates"][0]["content"]["parts"][0]["text"] == DEFAULT_REPLY
    streamed = httpx.post(f"{gateway.url}/v1beta/models/{GEMINI}:streamGenerateContent",
                          params={"alt": "sse", "key": key}, timeout=20,
                          json={"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]})
    assert streamed.status_code == 200
    text = "".join(p.get("text", "") for _, obj in sse_events(streamed.content)
                   for p in obj["candidates"][0]["content"]["parts"])
    assert text == DEFAULT_REPLY
    on_v1 = httpx.post(f"{gateway.url}/v1/models/{GEMINI}:generateContent", params={"key": key}, timeout=20,
                       json={"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]})
    assert on_v1.status_code == 200, on_v1.text  # google-genai's default API version
    listed = httpx.get(f"{gateway.url}/v1/models", params={"key": key}, timeout=20).json()
    assert sorted(m["name"] for m in listed["models"]) == sorted([f"models/{GEMINI}", f"models/{EMBEDDING}"])
    for sent in upstream.requests:
        assert_channel_key_only(sent, key)


def test_stream_generate_content_without_sse_is_one_json_array(gateway, upstream, native, key):
    answer = httpx.post(f"{gateway.url}/v1beta/models/{GEMINI}:streamGenerateContent", timeout=20,
                        headers={"x-goog-api-key": key},
                        json={"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]})
    assert answer.status_code == 200
    [whole] = answer.json()
    assert whole["candidates"][0]["content"]["parts"][0]["text"] == DEFAULT_REPLY
    assert whole["usageMetadata"]["candidatesTokenCount"] == 4


def test_the_client_key_never_shows_in_errors_or_log_rows(gateway, upstream, native, key):
    set_option("ERROR_LOG_ENABLED", "true")
    secret = key.removeprefix("sk-")
    body = {"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]}
    wrong = httpx.post(f"{gateway.url}/v1beta/models/{GEMINI}:generateContent", timeout=20, json=body,
                       params={"key": key[:-4] + "zzzz"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["status"] == "UNAUTHENTICATED"
    assert secret[:-4] not in wrong.text
    upstream.behave(CHANNEL_KEY, Behaviour.error(500, message="upstream broke"))
    failed = httpx.post(f"{gateway.url}/v1beta/models/{GEMINI}:generateContent", timeout=20, json=body,
                        params={"key": key})
    assert failed.status_code == 500 and "error" in failed.json()
    unknown = httpx.post(f"{gateway.url}/v1beta/models/gemini-nope:generateContent", timeout=20, json=body,
                         params={"key": key})
    assert unknown.status_code == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
    upstream.normal(CHANNEL_KEY)
    assert httpx.post(f"{gateway.url}/v1beta/models/{GEMINI}:generateContent", timeout=20, json=body,
                      params={"key": key}).status_code == 200
    for answer in (wrong, failed, unknown):
        assert secret not in answer.text and secret not in str(answer.headers)
    gateway.flush()
    rows = list_logs(limit=100)
    assert sorted(r["type"] for r in rows) == sorted([CONSUME, ERROR])  # the success and the upstream failure
    for row in rows:
        assert secret not in json.dumps(row, default=str)


def test_sdk_errors_come_in_googles_shape(gateway, upstream, native, client):
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="gemini-nope", contents="say hello")
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    with genai_client(gateway, "sk-wrong-key") as wrong, pytest.raises(genai_errors.ClientError) as caught:
        wrong.models.generate_content(model=GEMINI, contents="say hello")
    assert caught.value.code == 401 and "wrong-key" not in str(caught.value)


# --- OpenAI-type channel: translated --------------------------------------------------------------


def test_generate_content_to_an_openai_channel_is_translated(gateway, upstream, translated, client):
    reply = client.models.generate_content(
        model=GEMINI, contents="say hello",
        config=types.GenerateContentConfig(system_instruction="Be terse.", max_output_tokens=100))
    assert_whole_reply(reply, prompt_tokens=10)
    [sent] = upstream.requests
    assert sent.path == "/v1/chat/completions" and sent.key == "openai-channel-key"
    assert sent.json["model"] == "gpt-4o-mini"
    assert sent.json["messages"] == [{"role": "system", "content": "Be terse."}, *HELLO]
    assert sent.json["max_tokens"] == 100
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (10, 4)


def test_generate_content_stream_to_an_openai_channel_is_translated(gateway, upstream, translated, client):
    chunks = list(client.models.generate_content_stream(model=GEMINI, contents="say hello"))
    assert "".join(c.text or "" for c in chunks) == DEFAULT_REPLY
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert chunks[-1].usage_metadata.candidates_token_count == 4
    assert upstream.requests[-1].json["stream"] is True
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"], row["is_stream"]) == (5, 4, True)


def test_a_function_call_through_an_openai_channel(gateway, upstream, translated, client):
    upstream.behave("openai-channel-key", Behaviour(reply='TOOL:get_weather {"city": "Paris"}'))
    weather = types.FunctionDeclaration(name="get_weather", description="The weather in a city",
                                        parameters=types.Schema(type="OBJECT", properties={
                                            "city": types.Schema(type="STRING")}, required=["city"]))
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[weather])])
    reply = client.models.generate_content(model=GEMINI, contents="weather?", config=config)
    [call] = reply.function_calls
    assert (call.name, call.args) == ("get_weather", {"city": "Paris"})
    [tool] = upstream.requests[-1].json["tools"]
    assert tool["function"]["name"] == "get_weather"
    assert tool["function"]["parameters"]["properties"]["city"]["type"] == "string"
    chunks = list(client.models.generate_content_stream(model=GEMINI, contents="weather?", config=config))
    calls = [c for chunk in chunks for c in chunk.function_calls or ()]
    assert [(c.name, c.args) for c in calls] == [("get_weather", {"city": "Paris"})]


# --- the openai SDK on a Gemini channel ------------------------------------------------------------


@pytest.fixture
def api(gateway, native, sdk) -> openai.OpenAI:
    return sdk(make_token("openai-user"))


def test_openai_chat_on_a_gemini_channel(gateway, upstream, api):
    reply = api.chat.completions.create(model=GEMINI, messages=[{"role": "system", "content": "Be terse."}, *HELLO],
                                        max_tokens=100)
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert reply.choices[0].finish_reason == "stop"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (2 + 5, 4)
    [sent] = upstream.requests
    assert sent.path == "/v1beta/models/gemini-2.5-flash-001:generateContent"
    assert sent.headers["x-goog-api-key"] == CHANNEL_KEY
    assert sent.json["systemInstruction"] == {"parts": [{"text": "Be terse."}]}
    assert sent.json["contents"] == [{"role": "user", "parts": [{"text": "say hello"}]}]
    assert sent.json["generationConfig"]["maxOutputTokens"] == 100
    cut = api.chat.completions.create(model=GEMINI, messages=HELLO, max_tokens=2)
    assert cut.choices[0].finish_reason == "length"


def test_openai_stream_on_a_gemini_channel(gateway, upstream, api):
    chunks = list(api.chat.completions.create(model=GEMINI, messages=HELLO, stream=True,
                                              stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4
    sent = upstream.requests[-1]
    assert sent.path.endswith(":streamGenerateContent") and sent.query == {"alt": "sse"}
    plain = list(api.chat.completions.create(model=GEMINI, messages=HELLO, stream=True))
    assert all(c.usage is None for c in plain)
    rows = consume_logs(gateway)
    assert [(r["prompt_tokens"], r["completion_tokens"]) for r in rows] == [(5, 4), (5, 4)]


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_openai_embeddings_on_a_gemini_channel(gateway, upstream, api, encoding):
    answer = api.embeddings.create(model=EMBEDDING, input=["first text", "second text"], encoding_format=encoding)
    assert [e.index for e in answer.data] == [0, 1]
    vectors = [floats(e.embedding) for e in answer.data]  # asked for base64, the SDK hands it over as is
    assert [[round(v, 6) for v in vector] for vector in vectors] == [_vector("first text"), _vector("second text")]
    sent = upstream.requests[-1]
    assert sent.path.startswith(f"/v1beta/models/{EMBEDDING}:")
    assert sent.headers["x-goog-api-key"] == CHANNEL_KEY
    raw = httpx.post(gateway.base_url + "/embeddings", timeout=20, headers={"Authorization": f"Bearer {api.api_key}"},
                     json={"model": EMBEDDING, "input": "first text", "encoding_format": encoding}).json()
    vector = raw["data"][0]["embedding"]
    assert isinstance(vector, str if encoding == "base64" else list)
    assert [round(v, 6) for v in floats(vector)] == _vector("first text")
    rows = consume_logs(gateway)
    assert len(rows) == 2 and all(r["prompt_tokens"] > 0 for r in rows)  # Gemini reports no usage: counted
    assert all(r["other"].get("usage_counted_locally") for r in rows)


def floats(embedding) -> list[float]:
    """An embedding as floats, whether sent as a list or as base64 little-endian float32."""
    if isinstance(embedding, list):
        return embedding
    data = base64.b64decode(embedding)
    return list(struct.unpack(f"<{len(data) // 4}f", data))


# --- a failure in the middle of a stream ------------------------------------------------------------


@pytest.mark.parametrize("channel_kind", ["gemini", "openai"])
def test_a_midstream_error_ends_a_gemini_stream_with_a_gemini_error(gateway, upstream, key, channel_kind):
    if channel_kind == "gemini":
        gemini_channel(upstream)
        upstream.behave(CHANNEL_KEY, Behaviour(midstream_error_after_chunks=1))
    else:
        openai_channel(upstream, models=GEMINI)
        upstream.behave("openai-channel-key", Behaviour(midstream_error_after_chunks=3))
    answer = httpx.post(f"{gateway.url}/v1beta/models/{GEMINI}:streamGenerateContent?alt=sse", timeout=20,
                        headers={"x-goog-api-key": key},
                        json={"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]})
    assert answer.status_code == 200
    objects = [obj for _, obj in sse_events(answer.content)]
    assert objects[0]["candidates"][0]["content"]["parts"][0]["text"]
    assert not any(c.get("finishReason") for obj in objects[:-1] for c in obj.get("candidates", ()))
    error = objects[-1]["error"]
    assert error["code"] and error["message"] and error["status"]
    assert b"[DONE]" not in answer.content


def test_a_midstream_error_on_a_gemini_channel_reaches_an_openai_client_as_an_openai_error(gateway, upstream, api):
    upstream.behave(CHANNEL_KEY, Behaviour(midstream_error_after_chunks=1))
    answer = httpx.post(gateway.base_url + "/chat/completions", timeout=20,
                        headers={"Authorization": f"Bearer {api.api_key}"},
                        json={"model": GEMINI, "messages": HELLO, "stream": True})
    data = sse_data(answer.content)
    assert data[-1] == b"[DONE]"
    assert json.loads(data[-2])["error"]["message"]
    assert any(b'"content":"Hello from ' in d for d in data[:-2])
