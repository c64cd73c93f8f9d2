"""Odd shapes in Anthropic and Gemini bodies are the client's 400, never a 500, and reach no upstream."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import add_channel, make_token
from voapi_desktop.store import prices

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
