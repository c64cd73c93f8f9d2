"""The Gemini dialect of the fake upstream (tests/fakes/gemini_routes.py)."""

from __future__ import annotations

import json

import httpx
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from tests.fakes.upstream import DEFAULT_REPLY, Behaviour, _vector, load_fixture

MODEL = "gemini-2.5-flash"
SYSTEM = "Be brief."
PROMPT_TOKENS = 2 + (4 + 3)  # systemInstruction words + content words + 3 per content
BODY = {"contents": [{"role": "user", "parts": [{"text": "Say hi to me"}]}],
        "systemInstruction": {"parts": [{"text": SYSTEM}]}}
WEATHER = types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="Weather at a place",
    parameters=types.Schema(type="OBJECT", properties={"location": types.Schema(type="STRING")}))])


@pytest.fixture
def sdk(up):
    c = genai.Client(api_key="g-key", http_options=types.HttpOptions(base_url=up.url, api_version="v1beta", timeout=5000))
    yield c
    c.close()


@pytest.fixture
def client(up):
    with httpx.Client(base_url=up.url, timeout=5, headers={"x-goog-api-key": "raw"}) as c:
        yield c


def _url(method: str, model: str = MODEL) -> str:
    return f"/v1beta/models/{model}:{method}"


def _cfg(**kw) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(system_instruction=SYSTEM, **kw)


def test_generate_content_sdk(up, sdk):
    res = sdk.models.generate_content(model=MODEL, contents="Say hi to me", config=_cfg())
    assert res.text == DEFAULT_REPLY
    assert res.candidates[0].finish_reason == types.FinishReason.STOP
    assert res.model_version == MODEL and res.response_id
    u = res.usage_metadata
    assert (u.prompt_token_count, u.candidates_token_count, u.total_token_count) == (PROMPT_TOKENS, 4, PROMPT_TOKENS + 4)
    rec = up.requests[-1]
    assert (rec.method, rec.path, rec.key) == ("POST", f"/v1beta/models/{MODEL}:generateContent", "g-key")
    assert rec.model == MODEL  # taken from the path
    assert rec.headers["x-goog-api-key"] == "g-key"
    assert rec.json["systemInstruction"]["parts"][0]["text"] == SYSTEM


def test_generate_content_shape_and_truncation(client, up):
    recorded = json.loads(load_fixture("generate_content_text.json", "gemini"))
    r = client.post(_url("generateContent"), json={**BODY, "generationConfig": {"maxOutputTokens": 2}})
    assert r.headers["content-type"] == "application/json; charset=UTF-8"
    assert r.text.startswith('{\n  "candidates": [\n') and r.text.endswith("}\n")
    body = r.json()
    assert list(body) == list(recorded)
    assert list(body["candidates"][0]) == list(recorded["candidates"][0])
    assert list(body["usageMetadata"]) == list(recorded["usageMetadata"])
    assert body["candidates"][0]["content"] == {"parts": [{"text": "Hello from"}], "role": "model"}
    assert body["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert body["usageMetadata"]["candidatesTokenCount"] == 2
    # the stable /v1 prefix works too (GET /v1/models stays the OpenAI list)
    assert client.post(f"/v1/models/{MODEL}:generateContent", json=BODY).json()["modelVersion"] == MODEL
    assert up.requests[-1].key == "raw"
    assert client.get("/v1/models").json()["object"] == "list"


def test_stream_sdk_cumulative_usage_and_override(up, sdk):
    up.behave("g-key", Behaviour(reply="one two three", usage={"promptTokenCount": 100}))
    chunks = list(sdk.models.generate_content_stream(model=MODEL, contents="Say hi to me", config=_cfg()))
    assert "".join(c.text for c in chunks) == "one two three"
    assert len(chunks) == 2  # two words per chunk
    assert [c.usage_metadata.candidates_token_count for c in chunks] == [2, 3]
    assert chunks[0].usage_metadata.prompt_token_count == PROMPT_TOKENS  # override: last chunk only
    assert (chunks[-1].usage_metadata.prompt_token_count, chunks[-1].usage_metadata.total_token_count) == (100, 103)
    assert chunks[0].candidates[0].finish_reason is None
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert up.requests[-1].query == {"alt": "sse"}
    assert up.wait_for(lambda: up.completed_streams == 1, timeout=2)


def test_sse_raw_bytes_crlf(client):
    r = client.post(_url("streamGenerateContent") + "?alt=sse", json=BODY)
    assert r.headers["content-type"] == "text/event-stream"
    assert r.headers["content-disposition"] == "attachment"
    raw = r.content
    assert raw.endswith(b"}\r\n\r\n") and b"event:" not in raw and b"[DONE]" not in raw
    frames = raw.split(b"\r\n\r\n")
    assert frames[-1] == b"" and all(f.startswith(b"data: {") for f in frames[:-1])
    assert b"\n" not in raw.replace(b"\r\n", b"")  # only CRLF line ends
    chunks = [json.loads(f[6:]) for f in frames[:-1]]
    assert [c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks] == ["Hello from ", "fake upstream."]
    assert all("usageMetadata" in c for c in chunks)
    assert b'{"candidates": [{"content": {"parts": [{"text": ' in frames[0]  # ": " after keys, none after commas
    recorded = [json.loads(f[6:]) for f in load_fixture("stream_generate_content.sse", "gemini").split(b"\r\n\r\n") if f]
    assert set(chunks[0]) <= set(recorded[0])


def test_stream_json_array_without_alt_sse(client, up):
    r = client.post(_url("streamGenerateContent"), params={"key": "q-key"}, json=BODY,
                    headers={"x-goog-api-key": ""})
    assert up.requests[-1].key == "q-key"
    assert r.headers["content-type"] == "application/json; charset=UTF-8"
    assert r.text.startswith("[{\n  ") and r.text.endswith("}\n]") and "\n,\r\n" in r.text
    arr = r.json()
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in arr) == DEFAULT_REPLY
    assert arr[-1]["candidates"][0]["finishReason"] == "STOP"
    rec = load_fixture("stream_generate_content_json_array.json", "gemini").decode()
    assert rec.startswith("[{\n  ") and rec.endswith("}\n]") and "\n,\r\n" in rec


def test_function_call_non_stream_and_stream(up, sdk):
    up.behave("g-key", Behaviour(reply='TOOL:get_weather {"location": "Paris"}'))
    cfg = _cfg(tools=[WEATHER])
    res = sdk.models.generate_content(model=MODEL, contents="Weather in Paris?", config=cfg)
    call = res.function_calls[0]
    assert (call.name, call.args) == ("get_weather", {"location": "Paris"})
    assert res.candidates[0].content.parts[0].thought_signature  # sibling signature, as recorded
    assert res.usage_metadata.candidates_token_count == 3
    chunks = list(sdk.models.generate_content_stream(model=MODEL, contents="Weather in Paris?", config=cfg))
    assert len(chunks) == 2
    assert chunks[0].function_calls[0].args == {"location": "Paris"}
    assert chunks[1].candidates[0].content.parts[0].text == ""
    assert chunks[1].candidates[0].finish_reason == types.FinishReason.STOP


def test_errors_sdk(up, sdk):
    up.behave("g-key", Behaviour.invalid_key())
    with pytest.raises(genai_errors.ClientError) as ei:
        sdk.models.generate_content(model=MODEL, contents="hi")
    assert ei.value.code == 400 and ei.value.status == "INVALID_ARGUMENT"
    assert ei.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    up.behave("g-key", Behaviour.rate_limited(retry_after=7))
    with pytest.raises(genai_errors.ClientError) as ei:
        sdk.models.generate_content(model=MODEL, contents="hi")
    assert ei.value.code == 429 and ei.value.status == "RESOURCE_EXHAUSTED"
    assert ei.value.details["error"]["details"][1]["retryDelay"] == "7s"
    up.behave("g-key", Behaviour.error(503, message="The model is overloaded."))
    with pytest.raises(genai_errors.ServerError) as ei:
        sdk.models.generate_content(model=MODEL, contents="hi")
    assert (ei.value.code, ei.value.status, ei.value.message) == (503, "UNAVAILABLE", "The model is overloaded.")


def test_error_raw_and_require_keys(up, client):
    up.behave("raw", Behaviour(status=500))
    r = client.post(_url("generateContent"), json=BODY)
    assert r.status_code == 500 and r.text.endswith("}\n")
    assert r.json() == {"error": {"code": 500, "message": "Fake upstream error 500.", "status": "INTERNAL"}}
    up.reset()
    up.require_keys({"good"})
    r = client.post(_url("generateContent"), json=BODY)
    assert r.status_code == 400 and r.content == load_fixture("error_400_api_key_invalid.json", "gemini")
    assert client.post(_url("generateContent"), json=BODY, headers={"x-goog-api-key": "good"}).status_code == 200
    assert client.post(_url("noSuchMethod"), json=BODY, headers={"x-goog-api-key": "good"}).status_code == 404


def test_midstream_error_sdk_and_raw(up, sdk, client):
    up.behave("g-key", Behaviour(midstream_error_after_chunks=1))
    got = []
    with pytest.raises(genai_errors.ServerError) as ei:
        for chunk in sdk.models.generate_content_stream(model=MODEL, contents="Say hi to me"):
            got.append(chunk.text)
    assert got == ["Hello from "] and ei.value.code == 503
    up.behave("raw", Behaviour(midstream_error_after_chunks=1))
    frames = client.post(_url("streamGenerateContent") + "?alt=sse", json=BODY).content.split(b"\r\n\r\n")
    assert len(frames) == 3 and json.loads(frames[1][6:])["error"]["status"] == "UNAVAILABLE"
    for n in (0, 1):  # JSON-array mode: the error is one more element, the array stays valid JSON
        up.behave("raw", Behaviour(midstream_error_after_chunks=n))
        arr = client.post(_url("streamGenerateContent"), json=BODY).json()
        assert len(arr) == n + 1 and arr[-1]["error"]["code"] == 503


def test_embeddings_and_count_tokens(up, sdk, client):
    res = sdk.models.embed_content(model="gemini-embedding-001", contents=["a b", "c"])
    assert [e.values for e in res.embeddings] == [pytest.approx(_vector("a b")), pytest.approx(_vector("c"))]
    assert up.requests[-1].path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    one = client.post(_url("embedContent", "gemini-embedding-001"),
                      json={"content": {"parts": [{"text": "a b"}]}}).json()
    assert list(one) == list(json.loads(load_fixture("embed_content.json", "gemini")))
    assert one["embedding"]["values"] == pytest.approx(_vector("a b"))
    assert client.post(_url("embedContent"), json={}).status_code == 400
    assert sdk.models.count_tokens(model=MODEL, contents="a b c").total_tokens == 3 + 3


def test_omit_usage_and_truncate(up, client):
    up.behave("raw", Behaviour(omit_usage=True))
    assert "usageMetadata" not in client.post(_url("generateContent"), json=BODY).json()
    frames = client.post(_url("streamGenerateContent") + "?alt=sse", json=BODY).content.split(b"\r\n\r\n")[:-1]
    assert frames and all(b"usageMetadata" not in f for f in frames)
    up.behave("raw", Behaviour(truncate_after_chunks=1))
    r = client.post(_url("streamGenerateContent") + "?alt=sse", json=BODY)
    assert r.content.count(b"data: ") == 1 and b"finishReason" not in r.content
