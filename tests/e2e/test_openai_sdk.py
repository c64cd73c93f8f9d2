"""End to end: the official openai SDK against a live gateway and the fake upstream."""

from __future__ import annotations

import base64
import struct

import httpx
import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import consume_logs
from tests.fakes.upstream import DEFAULT_REPLY, _parse_multipart, _vector
from voapi_desktop.store import channels

pytestmark = pytest.mark.e2e

ALL_MODELS = ("gpt-4o-mini,gpt-4o,text-embedding-3-small,gpt-3.5-turbo-instruct,omni-moderation-latest,"
              "dall-e-2,dall-e-3,tts-1,whisper-1,jina-reranker-v2-base-multilingual")
HELLO = [{"role": "user", "content": "say hello"}]


@pytest.fixture
def api(upstream, sdk) -> openai.OpenAI:
    """A client whose key may use every model of one channel serving all endpoints."""
    add_channel(upstream, models=ALL_MODELS)
    return sdk(make_token())


def test_chat_non_stream_returns_the_upstream_answer(gateway, upstream, sdk):
    add_channel(upstream)
    reply = sdk(make_token()).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "say hello"}])
    assert reply.choices[0].message.content == "Hello from fake upstream."
    assert reply.usage.completion_tokens == 4
    assert upstream.requests[-1].path == "/v1/chat/completions"


def test_chat_non_stream_is_logged_with_the_upstream_usage(gateway, upstream, api):
    reply = api.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    [row] = consume_logs(gateway)
    assert row["model_name"] == "gpt-4o-mini"
    assert (row["prompt_tokens"], row["completion_tokens"]) == (reply.usage.prompt_tokens, 4)
    assert not row["is_stream"]


def test_chat_stream_text_is_assembled_from_the_deltas(gateway, upstream, api):
    stream = api.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == DEFAULT_REPLY
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)  # not asked for
    assert upstream.requests[-1].json["stream"] is True


def test_chat_stream_with_include_usage_shows_usage_to_the_client_and_the_ledger(gateway, upstream, api):
    stream = api.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                         stream_options={"include_usage": True})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    usage = chunks[-1].usage
    assert chunks[-1].choices == []
    assert (usage.prompt_tokens, usage.completion_tokens) == (2 + 3, 4)
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (5, 4)
    assert row["is_stream"]
    assert "usage_missing" not in row["other"]


def test_embeddings_sdk_default_base64_is_decoded_by_the_sdk(gateway, upstream, api):
    result = api.embeddings.create(model="text-embedding-3-small", input="hello world")
    assert upstream.requests[-1].json["encoding_format"] == "base64"
    assert result.data[0].embedding == pytest.approx(_vector("hello world"), abs=1e-6)
    assert result.usage.prompt_tokens == 2


def test_embeddings_float(gateway, upstream, api):
    result = api.embeddings.create(model="text-embedding-3-small", input=["one two", "three"],
                                   encoding_format="float")
    assert upstream.requests[-1].json["encoding_format"] == "float"
    assert [d.embedding for d in result.data] == [_vector("one two"), _vector("three")]
    [row] = consume_logs(gateway)
    assert row["prompt_tokens"] == 3


def test_models_list_shows_exactly_what_the_key_may_use(gateway, upstream, sdk):
    add_channel(upstream, "a", models="gpt-4o-mini,gpt-4o")
    add_channel(upstream, "b", models="gpt-4o,text-embedding-3-small")
    add_channel(upstream, "vip", models="gpt-4.1", group="vip")
    everything = sdk(make_token("all"))
    assert sorted(m.id for m in everything.models.list()) == ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"]
    limited = sdk(make_token("limited", models=["gpt-4o-mini", "gpt-4.1", "not-served"]))
    assert [m.id for m in limited.models.list()] == ["gpt-4o-mini"]
    assert limited.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    with pytest.raises(openai.NotFoundError):
        limited.models.retrieve("gpt-4o")  # served, but not allowed for this key
    with pytest.raises(openai.NotFoundError):
        everything.models.retrieve("gpt-4.1")  # served to another group only
    with pytest.raises(openai.NotFoundError) as caught:
        everything.models.retrieve("no-such-model")
    assert caught.value.status_code == 404
    assert caught.value.code == "model_not_found"


def test_models_list_forgets_a_disabled_channel(gateway, upstream, sdk):
    add_channel(upstream, "a", models="gpt-4o-mini")
    b = add_channel(upstream, "b", models="gpt-4o")
    channels.set_channel_status(b.id, channels.MANUALLY_DISABLED)
    assert [m.id for m in sdk(make_token()).models.list()] == ["gpt-4o-mini"]


def test_chat_with_a_model_nobody_serves_is_not_found(gateway, upstream, api):
    with pytest.raises(openai.NotFoundError) as caught:
        api.chat.completions.create(model="gpt-5-nonexistent", messages=HELLO)
    assert caught.value.code == "model_not_found"
    assert upstream.requests == []


def test_completions(gateway, upstream, api):
    result = api.completions.create(model="gpt-3.5-turbo-instruct", prompt="say hello")
    assert result.choices[0].text == DEFAULT_REPLY
    assert upstream.requests[-1].path == "/v1/completions"
    assert result.usage.prompt_tokens == 2


def test_completions_stream(gateway, upstream, api):
    stream = api.completions.create(model="gpt-3.5-turbo-instruct", prompt="say hello", stream=True)
    assert "".join(c.choices[0].text for c in stream if c.choices) == DEFAULT_REPLY


def test_moderations_uses_the_default_model(gateway, upstream, api):
    result = api.moderations.create(input="I like kittens")
    assert result.results[0].flagged is False
    assert upstream.requests[-1].json["model"] == "omni-moderation-latest"


def test_images_generations(gateway, upstream, api):
    result = api.images.generate(model="dall-e-3", prompt="a cat", n=2)
    assert len(result.data) == 2 and all(d.url.startswith("https://") for d in result.data)
    assert upstream.requests[-1].path == "/v1/images/generations"
    assert upstream.requests[-1].json["prompt"] == "a cat"


def test_images_edits_multipart_upload(gateway, upstream, api):
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    result = api.images.edit(model="dall-e-2", image=("cat.png", image, "image/png"), prompt="add a hat",
                             response_format="b64_json")
    assert base64.b64decode(result.data[0].b64_json).startswith(b"\x89PNG")
    sent = upstream.requests[-1]
    assert sent.path == "/v1/images/edits"
    fields, files = _parse_multipart(sent.headers["content-type"], sent.body)
    assert fields["prompt"] == "add a hat" and fields["model"] == "dall-e-2"
    assert files["image"] == ("cat.png", image)


def test_images_edits_with_several_images(gateway, upstream, api):
    """The SDK sends a list of images as repeated `image[]` parts; they all reach the upstream."""
    first, second = b"\x89PNG\r\n\x1a\nfirst", b"\x89PNG\r\n\x1a\nsecond"
    result = api.images.edit(model="dall-e-2", prompt="merge them",
                             image=[("a.png", first, "image/png"), ("b.png", second, "image/png")])
    assert len(result.data) == 1
    sent = upstream.requests[-1]
    assert sent.body.count(b'name="image[]"') == 2
    assert first in sent.body and second in sent.body


def test_audio_speech_binary_content_is_what_the_upstream_sent(gateway, upstream, api):
    upstream.speech_bytes = 50_000
    pattern = b"ID3\x04\x00\x00" + b"fake-audio-" * 8
    expected = (pattern * (50_000 // len(pattern) + 1))[:50_000]
    speech = api.audio.speech.create(model="tts-1", voice="alloy", input="hello there")
    assert speech.content == expected
    assert speech.response.headers["content-type"] == "audio/mpeg"
    assert upstream.requests[-1].json["input"] == "hello there"
    assert len(consume_logs(gateway)) == 1


def test_audio_transcriptions_multipart(gateway, upstream, api):
    audio = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + bytes(64)
    result = api.audio.transcriptions.create(model="whisper-1", file=("hello.wav", audio, "audio/wav"),
                                             language="en")
    assert result.text == DEFAULT_REPLY
    sent = upstream.requests[-1]
    assert sent.path == "/v1/audio/transcriptions"
    fields, files = _parse_multipart(sent.headers["content-type"], sent.body)
    assert fields["model"] == "whisper-1" and fields["language"] == "en"
    assert files["file"] == ("hello.wav", audio)


def test_audio_transcriptions_text_format(gateway, upstream, api):
    result = api.audio.transcriptions.create(model="whisper-1", file=("a.wav", b"RIFF0000", "audio/wav"),
                                             response_format="text")
    assert result.strip() == DEFAULT_REPLY


def test_responses_non_stream(gateway, upstream, api):
    result = api.responses.create(model="gpt-4o", input="say hello")
    assert result.output_text == DEFAULT_REPLY
    assert result.status == "completed"
    assert upstream.requests[-1].path == "/v1/responses"
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (2 + 3, 4)


def test_responses_stream_ends_with_response_completed(gateway, upstream, api):
    events = list(api.responses.create(model="gpt-4o", input="say hello", stream=True))
    assert events[0].type == "response.created"
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == DEFAULT_REPLY
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == DEFAULT_REPLY
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (5, 4)


def test_rerank_over_plain_http(gateway, upstream, api):
    response = httpx.post(gateway.base_url + "/rerank", headers={"Authorization": f"Bearer {api.api_key}"},
                          json={"model": "jina-reranker-v2-base-multilingual", "query": "red apple",
                                "documents": ["a green pear", "a red apple", "blue sky"], "top_n": 2},
                          timeout=10)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["index"] for r in results] == [1, 0]
    assert upstream.requests[-1].path == "/v1/rerank"
    [row] = consume_logs(gateway)
    assert row["prompt_tokens"] == 2 + 3 + 3 + 2
