"""Build and send one upstream request; read error bodies with a bound."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from ...core.routing import map_model
from ...store.channels import ChannelInfo
from ..providers.registry import adapter_for
from .context import RelayContext

MAX_ERROR_BODY = 64 * 1024
# Client headers worth passing on; everything else (auth, cookies, X-Stainless-*) stays here.
PASSED_HEADERS = ("openai-beta", "accept")


def pick_key(channel: ChannelInfo, round_robin: dict[int, int], rng) -> tuple[int, str]:
    """One usable key of a (possibly multi-key) channel: random or round-robin."""
    usable = channel.usable_key_indexes or list(range(len(channel.keys)))
    if channel.key_mode == "round-robin":
        turn = round_robin.get(channel.id, 0)
        round_robin[channel.id] = turn + 1
        index = usable[turn % len(usable)]
    else:
        index = usable[rng.randrange(len(usable))] if len(usable) > 1 else usable[0]
    return index, channel.keys[index]


def build_body(ctx: RelayContext, channel: ChannelInfo, upstream_model: str):
    """The upstream body: the client's, with the mapped model and the channel's overrides."""
    body = dict(ctx.request.body)
    body["model"] = upstream_model
    if ctx.request.stream and ctx.endpoint.name in ("chat", "completions") and ctx.settings["FORCE_STREAM_OPTION"]:
        options = body.get("stream_options") if isinstance(body.get("stream_options"), dict) else {}
        body["stream_options"] = {**options, "include_usage": True}  # so streams are billed from real usage
    body.update(channel.param_override)
    if ctx.endpoint.body == "json":
        return orjson.dumps(body), "application/json"
    form = aiohttp.FormData()
    for name, value in body.items():
        form.add_field(name, value if isinstance(value, str) else orjson.dumps(value).decode())
    for upload in ctx.request.files:
        form.add_field(upload.name, upload.data, filename=upload.filename, content_type=upload.content_type)
    return form, None


async def send(session: aiohttp.ClientSession, ctx: RelayContext, channel: ChannelInfo, key: str,
               client_headers, first_byte_timeout: float) -> aiohttp.ClientResponse:
    """POST to the channel and wait (bounded) for the status line and headers."""
    ctx.upstream_model = map_model(channel.model_mapping, ctx.request.model)
    adapter = adapter_for(channel.type)
    url = adapter.url(channel, ctx.endpoint, ctx.upstream_model, ctx.settings)
    data, content_type = build_body(ctx, channel, ctx.upstream_model)
    headers = {name: client_headers[name] for name in PASSED_HEADERS if name in client_headers}
    if content_type:
        headers["Content-Type"] = content_type
    headers.update(adapter.headers(channel, key))
    headers.update(channel.header_override)
    async with asyncio.timeout(first_byte_timeout or None):
        return await session.post(url, data=data, headers=headers, allow_redirects=False)


async def read_bounded(response: aiohttp.ClientResponse, limit: int = MAX_ERROR_BODY,
                       timeout: float = 30) -> bytes:
    """Read at most `limit` bytes of a body (error answers, HTML pages)."""
    chunks, size = [], 0
    async with asyncio.timeout(timeout):
        async for chunk in response.content.iter_any():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    return b"".join(chunks)[:limit]
