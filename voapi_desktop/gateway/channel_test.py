"""Test a channel with a minimal request; re-enable an auto-disabled one that passes.

Off the hot path, so it uses httpx (one client per call is fine at this rate).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass


from ..core.routing import map_model
from ..core.settings import Settings
from ..store import channels as channel_service
from ..store.channels import ChannelInfo
from .errors import upstream_message
from .providers.registry import adapter_for
from .relay.endpoints import ENDPOINTS
from .relay.failures import disable_reason
from .relay.upstream import pick_key
from .relay.wires import channel_dialect
from .relay.wires.anthropic import anthropic_headers, anthropic_url
from .relay.wires.gemini import gemini_headers, gemini_url

DEFAULT_TEST_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class TestResult:
    channel_id: int
    ok: bool
    model: str
    elapsed_ms: int
    status: int
    message: str


def test_model_for(channel: ChannelInfo, model: str = "") -> str:
    return model or channel.test_model or (channel.models[0] if channel.models else DEFAULT_TEST_MODEL)


def _request(channel: ChannelInfo, model: str, settings: Settings, key: str):
    """URL, headers and body of the smallest useful request in the channel's dialect (no body: a GET)."""
    upstream_model = map_model(channel.model_mapping, model)
    dialect = channel_dialect(channel)
    embedding = "embedding" in model
    if dialect == "replicate":  # a prediction costs money: checking the key and the model is enough
        base = channel.effective_base_url or "https://api.replicate.com"
        owner_name = upstream_model.split(":", 1)[0]
        return f"{base}/v1/models/{owner_name}", {"Authorization": f"Bearer {key}"}, None
    if dialect == "anthropic":
        body = {"model": upstream_model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
        return anthropic_url(channel), anthropic_headers(channel, key, None), {**body, **channel.param_override}
    if dialect == "gemini":
        action = "embedContent" if embedding else "generateContent"
        body = {"content": {"parts": [{"text": "hello world"}]}} if embedding else \
            {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 16}}
        return gemini_url(channel, upstream_model, action, False), gemini_headers(channel, key), body
    endpoint = ENDPOINTS["embeddings" if embedding else "chat"]
    body = {"model": upstream_model, "input": "hello world"} if embedding else \
        {"model": upstream_model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16}
    body.update(channel.param_override)
    adapter = adapter_for(channel.type)
    headers = {**adapter.headers(channel, key), **channel.header_override}
    return adapter.url(channel, endpoint, upstream_model, settings), headers, body


async def test_channel(channel: ChannelInfo, settings: Settings, model: str = "") -> TestResult:
    """Send one small request, record the latency, apply the enable/disable rules."""
    model = test_model_for(channel, model)
    _, key = pick_key(channel, {}, random)
    url, headers, body = _request(channel, model, settings, key)
    import httpx  # here: the idle gateway does without it
    timeout = httpx.Timeout(settings["FIRST_BYTE_TIMEOUT"] or 60, connect=settings["CONNECT_TIMEOUT"] or 10)
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await (client.get(url, headers=headers) if body is None else
                              client.post(url, json=body, headers=headers))
        status, content = response.status_code, response.content
    except httpx.HTTPError as exc:
        status, content = 0, f"cannot reach the upstream: {type(exc).__name__}".encode()
    except UnicodeEncodeError:  # httpx sends header values as ASCII
        status, content = 0, b"the key or a header override has a character that cannot be sent in an HTTP header"
    elapsed = int((time.perf_counter() - started) * 1000)
    result = TestResult(channel.id, 200 <= status < 300, model, elapsed, status,
                        "ok" if 200 <= status < 300 else upstream_message(content))
    await asyncio.to_thread(_apply_result, channel, settings, result, content)
    return result


def _apply_result(channel: ChannelInfo, settings: Settings, result: TestResult, content: bytes) -> None:
    channel_service.record_test(channel.id, result.elapsed_ms)
    if result.ok:
        if channel.status == channel_service.AUTO_DISABLED and settings["AUTOMATIC_ENABLE_CHANNEL_ENABLED"]:
            channel_service.set_channel_status(channel.id, channel_service.ENABLED)
        return
    keywords = [k for k in settings["AUTOMATIC_DISABLE_KEYWORDS"].splitlines() if k.strip()]
    reason = disable_reason(result.status, content, keywords) if result.status else ""
    if reason and channel.auto_ban and channel.status == channel_service.ENABLED \
            and settings["AUTOMATIC_DISABLE_CHANNEL_ENABLED"]:
        channel_service.set_channel_status(channel.id, channel_service.AUTO_DISABLED, reason)


async def test_all(channels: list[ChannelInfo], settings: Settings) -> list[TestResult]:
    """Test every channel that is not manually disabled, a few at a time."""
    gate = asyncio.Semaphore(4)

    async def one(channel: ChannelInfo) -> TestResult:
        async with gate:
            return await test_channel(channel, settings)
    todo = [c for c in channels if c.status != channel_service.MANUALLY_DISABLED]
    return list(await asyncio.gather(*(one(c) for c in todo)))
