"""Odd shapes in Anthropic and Gemini bodies are the client's 400, never a 500, and reach no upstream."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import add_channel, make_token
from voapi_desktop.store import channels, prices
from voapi_desktop.store.tables import Log

ANTHROPIC_BODIES = [
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": 5}], "tools": True},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "system": 7},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "image",
                                                                                          "source": 3}]}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}],
     "stop_sequences": {"a": 1}},
]
GEMINI_BODIES = [
    {"contents": [{"role": "user", "parts": 135}]},
    {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "systemInstruction": [False]},
    {"contents": [{"role": "user", "parts": [{"inlineData": -5}]}]},
    {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "tools": True, "generationConfig": [1]},
]


@pytest.fixture
def openai_channel(gateway, upstream):
    add_channel(upstream)
    prices.set_price("gpt-4o-mini", ratio="1")
    return make_token()


@pytest.mark.parametrize("body", ANTHROPIC_BODIES)
def test_odd_anthropic_bodies_are_refused_cleanly(gateway, upstream, openai_channel, body):
    answer = httpx.post(gateway.url + "/v1/messages", json=body, timeout=10,
                        headers={"x-api-key": openai_channel, "anthropic-version": "2023-06-01"})
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.json()["type"] == "error" and "Traceback" not in answer.text
        assert upstream.requests == []


@pytest.mark.parametrize("body", GEMINI_BODIES)
def test_odd_gemini_bodies_are_refused_cleanly(gateway, upstream, openai_channel, body):
    answer = httpx.post(gateway.url + "/v1beta/models/gpt-4o-mini:generateContent", json=body, timeout=10,
                        headers={"x-goog-api-key": openai_channel})
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert "status" in answer.json()["error"] and "Traceback" not in answer.text
        assert upstream.requests == []


@pytest.mark.parametrize("path, body, headers", [
    ("/v1beta/models/gpt-4o-mini:embedContent", {"content": {"parts": [{"text": "hi"}]}}, "gemini"),
    ("/v1/embeddings", {"model": "claude-sonnet-4-5", "input": "hi"}, "openai"),
])
def test_an_endpoint_no_channel_of_the_model_can_serve_is_a_400_not_a_502(gateway, upstream, openai_channel, path,
                                                                         body, headers):
    """Found by tests/fuzz: this was a 502 'the upstream did not answer', about an upstream never called."""
    channels.create_channel(type="Anthropic", name="claude", key="k", base_url=upstream.url, models="claude-sonnet-4-5")
    auth = {"x-goog-api-key": openai_channel} if headers == "gemini" else {"Authorization": f"Bearer {openai_channel}"}
    answer = httpx.post(gateway.url + path, json=body, headers=auth, timeout=10)
    assert answer.status_code == 400, answer.text
    assert "cannot serve" in answer.json()["error"]["message"]
    assert upstream.requests == [] and Log.select().count() == 0


@pytest.mark.parametrize("config", [{"maxOutputTokens": 0}, {"max_output_tokens": -1}, {"candidateCount": 0},
                                    {"maxOutputTokens": "10"}, {"maxOutputTokens": 2**40}])
def test_gemini_token_limit_and_candidate_count_follow_the_max_tokens_rule(gateway, upstream, openai_channel, config):
    """Found by tests/fuzz: maxOutputTokens 0 came back as an empty reply, answered 502."""
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": config}
    answer = httpx.post(gateway.url + "/v1beta/models/gpt-4o-mini:generateContent", json=body, timeout=10,
                        headers={"x-goog-api-key": openai_channel})
    assert answer.status_code == 400, answer.text
    assert next(iter(config)) in answer.json()["error"]["message"]
    assert upstream.requests == []


@pytest.mark.parametrize("model, tool_call", [
    ("claude-sonnet-4-5", {"id": "c1", "type": "function", "function": ["f"]}),
    ("gemini-2.5-flash", {"id": ["c1"], "type": "function", "function": {"name": "f", "arguments": "{}"}}),
])
def test_odd_openai_tool_calls_for_a_translated_channel_are_a_400(gateway, upstream, model, tool_call):
    """Found by tests/fuzz: the OpenAI -> Anthropic / Gemini request translators ran unguarded, so a shape they
    could not read was a 500."""
    channels.create_channel(type="Anthropic", name="claude", key="k", base_url=upstream.url, models="claude-sonnet-4-5")
    channels.create_channel(type="Gemini", name="gemini", key="k", base_url=upstream.url, models="gemini-2.5-flash")
    prices.set_price(model, ratio="1")
    body = {"model": model, "messages": [{"role": "user", "content": "hi"},
                                         {"role": "assistant", "content": None, "tool_calls": [tool_call]}]}
    answer = httpx.post(gateway.url + "/v1/chat/completions", json=body, timeout=10,
                        headers={"Authorization": f"Bearer {make_token()}"})
    assert answer.status_code == 400, answer.text
    assert "unexpected type or shape" in answer.json()["error"]["message"]
    assert upstream.requests == []
