"""Pick a key, send one upstream request, read error bodies with a bound."""

from __future__ import annotations

import asyncio

import aiohttp

from ...store.channels import ChannelInfo
from .wires.base import UpstreamRequest

MAX_ERROR_BODY = 64 * 1024


def pick_key(channel: ChannelInfo, round_robin: dict[int, int], rng,
             held: set[int] | frozenset[int] = frozenset()) -> tuple[int, str]:
    """One usable key of a (possibly multi-key) channel: random or round-robin; keys in `held`
    (cooling down after a Retry-After) only when no other is left."""
    usable = channel.usable_key_indexes or list(range(len(channel.keys)))
    if held:
        usable = [i for i in usable if i not in held] or usable
    if channel.key_mode == "round-robin":
        turn = round_robin.get(channel.id, 0)
        round_robin[channel.id] = turn + 1
        index = usable[turn % len(usable)]
    else:
        index = usable[rng.randrange(len(usable))] if len(usable) > 1 else usable[0]
    return index, channel.keys[index]


async def send(session: aiohttp.ClientSession, request: UpstreamRequest,
               first_byte_timeout: float) -> aiohttp.ClientResponse:
    """POST to the channel and wait (bounded) for the status line and headers."""
    async with asyncio.timeout(first_byte_timeout or None):
        return await session.post(request.url, data=request.data, headers=request.headers, allow_redirects=False)


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
