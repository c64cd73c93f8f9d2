"""Helpers of the dialect tests: official Anthropic and Gemini clients, channels of each type, SSE events."""

from __future__ import annotations

import anthropic
import orjson
from google import genai
from google.genai import types

from tests.conftest import add_channel
from voapi_desktop.store import channels

CLAUDE = "claude-sonnet-4-5"
GEMINI = "gemini-2.5-flash"


def anthropic_client(gateway, key: str, **options) -> anthropic.Anthropic:
    """The official Anthropic client against the live gateway (it appends /v1/messages itself)."""
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", 20)
    return anthropic.Anthropic(base_url=gateway.url, api_key=key, **options)


def genai_client(gateway, key: str) -> genai.Client:
    """The official google-genai client against the live gateway (no retries)."""
    return genai.Client(api_key=key, http_options=types.HttpOptions(base_url=gateway.url, timeout=20_000))


def anthropic_channel(upstream, name: str = "claude", key: str = "anthropic-channel-key", *,
                      models: str = CLAUDE, **fields) -> channels.ChannelInfo:
    return channels.create_channel(type="Anthropic", name=name, key=key, base_url=upstream.url, models=models,
                                   **fields)


def gemini_channel(upstream, name: str = "gemini", key: str = "gemini-channel-key", *,
                   models: str = GEMINI, **fields) -> channels.ChannelInfo:
    return channels.create_channel(type="Gemini", name=name, key=key, base_url=upstream.url, models=models,
                                   **fields)


def openai_channel(upstream, name: str = "openai", key: str = "openai-channel-key", *, models: str,
                   **fields) -> channels.ChannelInfo:
    return add_channel(upstream, name, key, models=models, **fields)


def sse_events(raw: bytes) -> list[tuple[str | None, dict | str]]:
    """(event name, parsed data) of every event of an SSE body, in order (data not JSON: the text)."""
    events = []
    for block in raw.replace(b"\r\n", b"\n").split(b"\n\n"):
        name, data = None, []
        for line in block.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                data.append(line[5:].strip())
        if data:
            text = b"\n".join(data)
            try:
                events.append((name, orjson.loads(text)))
            except orjson.JSONDecodeError:
                events.append((name, text.decode()))
    return events
