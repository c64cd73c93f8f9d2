"""Tests of the fake OpenAI upstream (tests/fakes/upstream.py)."""

from __future__ import annotations

import base64
import json
import struct

import httpx
import openai
import pytest

from tests.fakes.upstream import DEFAULT_REPLY, Behaviour, FakeUpstream, load_fixture


@pytest.fixture
def client(up):
    with httpx.Client(base_url=up.url, timeout=5) as c:
        yield c


@pytest.fixture
def sdk(up):
    c = openai.OpenAI(base_url=up.base_url, api_key="sk-good", max_retries=0, timeout=5)
    yield c
    c.close()


def _sse_data(text: str) -> list[str]:
    return [ln[len("data: "):] for ln in text.split("\n") if ln.startswith("data: ")]


MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi to me"}]
PROMPT_TOKENS = (2 + 3) + (4 + 3)


def test_start_stop_and_urls():
    fake = FakeUpstream().start()
    try:
        assert fake.url.startswith("http://127.0.0.1:")
        assert fake.base_url == fake.url + "/v1"
        r = httpx.get(fake.base_url + "/models")
        assert r.status_code == 200
        assert [m["id"] for m in r.json()["data"]] == fake.models
    finally:
        fake.stop()
    fake.stop()  # idempotent


def test_chat_non_stream_sdk(up, sdk):
    res = sdk.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    assert res.choices[0].message.content == DEFAULT_REPLY
    assert res.choices[0].finish_reason == "stop"
    assert res.model == "gpt-4o-mini"
    assert res.usage.prompt_tokens == PROMPT_TOKENS
    assert res.usage.completion_tokens == 4
    assert res.usage.total_tokens == PROMPT_TOKENS + 4
    assert res.usage.prompt_tokens_details.cached_tokens == 0
    rec = up.requests[-1]
    assert (rec.method, rec.path, rec.key) == ("POST", "/v1/chat/completions", "sk-good")
    assert rec.json["messages"] == MSGS
    assert rec.headers["authorization"] == "Bearer sk-good"
    assert up.requests_for("sk-good") == [rec]
    # same top-level shape as the real recording
    recorded = json.loads(load_fixture("chat_completion.json"))
    raw = httpx.post(up.base_url + "/chat/completions", json={"model": "m", "messages": MSGS}).json()
    assert set(raw) == set(recorded)
    assert set(raw["usage"]) == set(recorded["usage"])


def test_chat_max_tokens_truncates(client):
    r = client.post("/v1/chat/completions", json={"model": "m", "messages": MSGS, "max_tokens": 2})
    body = r.json()
    assert body["choices"][0]["message"]["content"] == "Hello from"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 2


def test_chat_stream_include_usage_sdk(up, sdk):
    up.behave("sk-good", Behaviour(reply="one two three", usage={"prompt_tokens": 100}))
    stream = sdk.chat.completions.create(
        model="gpt-4o", messages=MSGS, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.prompt_tokens == 100
    assert chunks[-1].usage.completion_tokens == 3
    assert chunks[-1].usage.total_tokens == 103
    assert up.wait_for(lambda: up.completed_streams == 1, timeout=2)


def test_chat_stream_wire_format(client):
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": MSGS, "stream": True,
                                                  "stream_options": {"include_usage": True}})
    assert r.headers["content-type"].startswith("text/event-stream")
    data = _sse_data(r.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all("usage" in c for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:5]] == ["Hello ", "from ", "fake ", "upstream."]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == PROMPT_TOKENS + 4
    assert ", " not in data[1]  # compact JSON like the recording
    rec = [json.loads(d) for d in _sse_data(load_fixture("chat_stream_include_usage.sse").decode())[:-1]]
    assert set(chunks[1]) <= set(rec[1]) | {"obfuscation"}


def test_chat_stream_without_usage_option_has_no_usage(client):
    r = client.post("/v1/chat/completions", json={"model": "m", "messages": MSGS, "stream": True})
    chunks = [json.loads(d) for d in _sse_data(r.text)[:-1]]
    assert all("usage" not in c for c in chunks)


def test_tool_call(sdk, up):
    up.behave("sk-good", Behaviour(reply='TOOL:get_capital {"country": "UK"}'))
    tools = [{"type": "function", "function": {"name": "get_capital", "parameters": {"type": "object"}}}]
    res = sdk.chat.completions.create(model="m", messages=MSGS, tools=tools)
    call = res.choices[0].message.tool_calls[0]
    assert res.choices[0].finish_reason == "tool_calls"
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_capital", {"country": "UK"})
    chunks = list(sdk.chat.completions.create(model="m", messages=MSGS, tools=tools, stream=True))
    args = "".join(c.choices[0].delta.tool_calls[0].function.arguments
                   for c in chunks if c.choices and c.choices[0].delta.tool_calls)
    assert json.loads(args) == {"country": "UK"}


def test_embeddings_float_and_base64(sdk, client):
    r = client.post("/v1/embeddings", json={"model": "text-embedding-3-small", "input": ["a b", "c"]})
    body = r.json()
    assert [len(d["embedding"]) for d in body["data"]] == [8, 8]
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    # the SDK asks for base64 by default and decodes it
    res = sdk.embeddings.create(model="text-embedding-3-small", input=["a b", "c"])
    for got, want in zip(res.data, body["data"], strict=True):
        assert got.embedding == pytest.approx(want["embedding"], rel=1e-6)
    b64 = client.post("/v1/embeddings", json={"model": "x", "input": "a b", "encoding_format": "base64"}).json()
    raw = base64.b64decode(b64["data"][0]["embedding"])
    assert struct.unpack("<8f", raw) == pytest.approx(body["data"][0]["embedding"], rel=1e-6)


def test_invalid_key_sdk_exception(up, sdk):
    up.behave("sk-good", Behaviour.invalid_key())
    with pytest.raises(openai.AuthenticationError) as ei:
        sdk.chat.completions.create(model="m", messages=MSGS)
    assert ei.value.code == "invalid_api_key"


def test_require_keys(up, client):
    up.require_keys({"sk-ok"})
    bad = client.post("/v1/chat/completions", json={"model": "m", "messages": MSGS},
                      headers={"authorization": "Bearer sk-nope"})
    assert bad.status_code == 401
    assert bad.content == load_fixture("error_401_invalid_api_key.json")
    ok = client.post("/v1/chat/completions", json={"model": "m", "messages": MSGS},
                     headers={"authorization": "Bearer sk-ok"})
    assert ok.status_code == 200


def test_quota_and_rate_limit(up, sdk):
    up.behave("sk-good", Behaviour.insufficient_quota())
    with pytest.raises(openai.RateLimitError) as ei:
        sdk.chat.completions.create(model="m", messages=MSGS)
    assert ei.value.code == "insufficient_quota"
    up.behave("sk-good", Behaviour.rate_limited(retry_after=2))
    with pytest.raises(openai.RateLimitError) as ei:
        sdk.chat.completions.create(model="m", messages=MSGS)
    assert ei.value.code == "rate_limit_exceeded"
    assert ei.value.response.headers["retry-after"] == "2"


def test_html_502(up, client, sdk):
    up.behave("sk-good", Behaviour.html(502))
    r = client.post("/v1/chat/completions", json={"model": "m", "messages": MSGS},
                    headers={"authorization": "Bearer sk-good"})
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in r.text
    with pytest.raises(openai.InternalServerError):
        sdk.chat.completions.create(model="m", messages=MSGS)


def test_error_helper_and_non_json_200(up, client):
    up.behave("k1", Behaviour.error(400, "invalid_request_error", "context_length_exceeded", "too long"))
    up.behave("k2", Behaviour(non_json_200=True))
    r1 = client.post("/v1/chat/completions", json={}, headers={"api-key": "k1"})
    assert r1.status_code == 400 and r1.json()["error"]["code"] == "context_length_exceeded"
    r2 = client.post("/v1/chat/completions", json={}, headers={"api-key": "k2"})
    assert r2.status_code == 200 and r2.headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError):
        r2.json()


def test_reset_mid_stream(up, client):
    up.behave("sk-r", Behaviour(reset_after_chunks=2))
    got = []
    with pytest.raises(httpx.TransportError):
        with client.stream("POST", "/v1/chat/completions", headers={"authorization": "Bearer sk-r"},
                           json={"model": "m", "messages": MSGS, "stream": True}) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                got.append(line)
    assert not any("[DONE]" in g for g in got)


def test_truncate_and_midstream_error(up, client):
    up.behave("t", Behaviour(truncate_after_chunks=3))
    up.behave("e", Behaviour(midstream_error_after_chunks=4))
    body = {"model": "m", "messages": MSGS, "stream": True}
    t = _sse_data(client.post("/v1/chat/completions", json=body, headers={"api-key": "t"}).text)
    assert len(t) == 3 and "[DONE]" not in t
    e = _sse_data(client.post("/v1/chat/completions", json=body, headers={"api-key": "e"}).text)
    assert len(e) == 5 and json.loads(e[-1])["error"]["type"] == "server_error"


def test_client_disconnect_during_stall_is_seen(up, client):
    up.behave("s", Behaviour(stall_after_chunks=1, stall_seconds=10))
    with client.stream("POST", "/v1/chat/completions", headers={"api-key": "s"},
                       json={"model": "m", "messages": MSGS, "stream": True}) as r:
        first = next(r.iter_lines())
        assert first.startswith("data: ")
        assert up.wait_for(lambda: up.active_streams == 1, timeout=2)
    client.close()
    assert up.wait_for(lambda: up.disconnects == 1, timeout=3)
    assert up.wait_for(lambda: up.active_streams == 0, timeout=2)


def test_first_byte_delay_timeout(up):
    up.behave("slow", Behaviour(first_byte_delay=2))
    with httpx.Client(timeout=0.2) as c, pytest.raises(httpx.ReadTimeout):
        c.post(up.base_url + "/chat/completions", json={"model": "m", "messages": MSGS},
               headers={"api-key": "slow"})
    assert up.wait_for(lambda: up.disconnects == 1, timeout=3)


def test_count_expires(up, client):
    up.behave("c", Behaviour.error(500, "server_error", None, "boom", count=2))
    codes = [client.post("/v1/chat/completions", json={"model": "m", "messages": MSGS},
                         headers={"authorization": "Bearer c"}).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    assert len(up.requests_for("c")) == 3


def test_azure_path(up, client):
    r = client.post("/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21",
                    json={"messages": MSGS}, headers={"api-key": "az-key"})
    assert r.status_code == 200 and r.json()["model"] == "my-gpt4o"
    rec = up.requests[-1]
    assert rec.key == "az-key" and rec.query == {"api-version": "2024-10-21"}
    sdk = openai.AzureOpenAI(azure_endpoint=up.url, api_key="az-key", api_version="2024-10-21", max_retries=0)
    try:
        res = sdk.embeddings.create(model="emb-deploy", input="x y")
        assert res.model == "emb-deploy" and len(res.data[0].embedding) == 8
    finally:
        sdk.close()


def test_other_endpoints(up, sdk):
    assert sdk.completions.create(model="gpt-3.5-turbo-instruct", prompt="a b").choices[0].text == DEFAULT_REPLY
    assert sdk.moderations.create(model="omni-moderation-latest", input="hi").model == "omni-moderation-latest"
    assert len(sdk.images.generate(model="dall-e-2", prompt="otter", n=2).data) == 2
    assert len(sdk.images.edit(model="dall-e-2", image=("a.png", b"\x89PNG"), prompt="hat").data) == 1
    speech = sdk.audio.speech.create(model="tts-1", voice="alloy", input="hello")
    assert len(speech.content) == up.speech_bytes
    assert sdk.audio.transcriptions.create(model="whisper-1", file=("a.mp3", b"ID3")).text == DEFAULT_REPLY
    txt = httpx.post(up.base_url + "/audio/translations", files={"file": ("a.mp3", b"ID3")},
                     data={"model": "whisper-1", "response_format": "text"})
    assert txt.headers["content-type"].startswith("text/plain") and txt.text.strip() == DEFAULT_REPLY
    resp = sdk.responses.create(model="gpt-5", input="ping me")
    assert resp.output_text == DEFAULT_REPLY
    assert (resp.usage.input_tokens, resp.usage.output_tokens, resp.usage.total_tokens) == (5, 4, 9)
    events = list(sdk.responses.create(model="gpt-5", input="ping", stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.usage.output_tokens == 4
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == DEFAULT_REPLY
    r = httpx.post(up.base_url + "/rerank", json={"model": "rr", "query": "red fox",
                                                   "documents": ["blue sky", "a red fox"], "top_n": 1})
    assert r.json()["results"][0]["index"] == 1 and r.json()["usage"]["total_tokens"] == 7


def test_multipart_validation(client):
    r = client.post("/v1/audio/transcriptions", files={"file": ("a.mp3", b"x")})
    assert r.status_code == 400 and "model" in r.json()["error"]["message"]
    r = client.post("/v1/images/edits", data={"prompt": "p"}, files={"mask": ("m.png", b"x")})
    assert r.status_code == 400 and "image" in r.json()["error"]["message"]


def test_stop_while_stream_is_stalled():
    import threading
    import time

    fake = FakeUpstream().start()
    fake.behave("*", Behaviour(stall_after_chunks=1, stall_seconds=30))
    errors: list[BaseException] = []

    def consume():
        try:
            with httpx.Client(timeout=10) as c, c.stream(
                "POST", fake.base_url + "/chat/completions", json={"model": "m", "messages": MSGS, "stream": True}
            ) as r:
                for _ in r.iter_lines():
                    pass
        except httpx.HTTPError as exc:  # the fake may cut the stream while stopping
            errors.append(exc)

    t = threading.Thread(target=consume)
    t.start()
    assert fake.wait_for(lambda: fake.active_streams == 1, timeout=3)
    t0 = time.monotonic()
    fake.stop()
    assert time.monotonic() - t0 < 3
    t.join(5)
    assert not t.is_alive()
