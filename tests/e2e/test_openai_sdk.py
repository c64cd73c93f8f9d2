"""End to end: the official openai SDK against a live gateway and the fake upstream."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import add_channel, make_token

pytestmark = pytest.mark.e2e


def client(gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0, timeout=20)


def test_chat_non_stream_returns_the_upstream_answer(gateway, upstream):
    add_channel(upstream)
    reply = client(gateway, make_token()).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "say hello"}])
    assert reply.choices[0].message.content == "Hello from fake upstream."
    assert reply.usage.completion_tokens == 4
    assert upstream.requests[-1].path == "/v1/chat/completions"
