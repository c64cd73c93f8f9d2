"""Forward a streamed answer chunk by chunk, with our own first-byte, idle and total timeouts."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
from quart import Response

from ..state import GatewayState
from .context import RelayContext
from .failures import AttemptFailure
from .billing import Charge, measured_usage, settle
from .ledger import report_success
from .sse import DONE, SseRelay, error_event, streamed_text
from .usage import Usage, usage_chunk_bytes

log = logging.getLogger(__name__)


async def open_stream(ctx: RelayContext, upstream: aiohttp.ClientResponse) -> bytes | AttemptFailure:
    """Wait for the first chunk: until it arrives, another channel can still take over."""
    channel_id = ctx.channel.id
    try:
        async with asyncio.timeout(ctx.settings["FIRST_BYTE_TIMEOUT"] or None):
            first = await upstream.content.readany()
    except TimeoutError:
        upstream.close()
        return AttemptFailure(channel_id, "timed out waiting for the first chunk")
    except (aiohttp.ClientError, OSError) as exc:
        upstream.close()
        return AttemptFailure(channel_id, f"stream broke before its first chunk: {type(exc).__name__}")
    except asyncio.CancelledError:
        upstream.close()  # the client went away while we waited: let the upstream go too
        raise
    if not first:
        upstream.release()
        return AttemptFailure(channel_id, "upstream closed the stream without sending anything")
    if first.startswith(b'data: {"error"') or first.startswith(b"event: error"):
        upstream.close()
        return AttemptFailure(channel_id, "upstream stream began with an error", 502, first, "text/event-stream")
    return first


def stream_response(state: GatewayState, ctx: RelayContext, charge: Charge, upstream: aiohttp.ClientResponse,
                    first: bytes) -> Response:
    content_type = upstream.headers.get("Content-Type", "text/event-stream")
    binary = ctx.endpoint.binary_response
    headers = {"Cache-Control": "no-cache"}
    if not binary:
        headers["X-Accel-Buffering"] = "no"
    response = Response(_forward(state, ctx, charge, upstream, first, binary), status=upstream.status,
                        content_type=content_type, headers=headers)
    response.timeout = None  # Quart's 60 s response timeout would cut long streams; ours apply instead
    return response


def make_relay(ctx: RelayContext, charge: Charge) -> SseRelay:
    """Withhold the usage chunk we asked for, or add one the client asked for and did not get."""
    if ctx.endpoint.name not in ("chat", "completions"):
        return SseRelay()
    wants = ctx.request.client_wants_usage
    forced = ctx.request.stream and ctx.settings["FORCE_STREAM_OPTION"]

    def usage_chunk(relay: SseRelay) -> bytes:
        usage = measure(ctx, charge, relay)
        return usage_chunk_bytes(relay.first_payload, usage, ctx.request.model)
    return SseRelay(withhold_usage_chunk=forced and not wants, usage_chunk=usage_chunk if wants else None)


def measure(ctx: RelayContext, charge: Charge, relay: SseRelay) -> Usage:
    """The stream's usage: reported by the upstream, or counted from the text it sent."""
    return measured_usage(ctx, charge, relay.usage, "" if relay.usage else streamed_text(relay.payloads))


async def _forward(state: GatewayState, ctx: RelayContext, charge: Charge, upstream: aiohttp.ClientResponse,
                   first: bytes, binary: bool):
    relay = make_relay(ctx, charge)
    idle = ctx.settings["STREAMING_TIMEOUT"] or None
    total = ctx.settings["RELAY_TIMEOUT"]
    deadline = time.monotonic() + total if total else None
    try:
        chunk = first
        while chunk:
            out = chunk if binary else relay.feed(chunk)
            if out:
                yield out
            if deadline and time.monotonic() > deadline:
                raise TimeoutError
            async with asyncio.timeout(idle):
                chunk = await upstream.content.readany()
        if not binary:
            rest = relay.finish()
            if rest:
                yield rest
            if not relay.done:
                yield _ending(ctx, relay, "the upstream closed the stream before it finished")
    except TimeoutError:
        if binary:
            raise  # audio has no error event: abort, so the client sees an incomplete body, not a short file
        yield error_event(ctx.endpoint.name, "the upstream stream stalled and was stopped", "upstream_timeout")
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("request %s: stream broke: %s", ctx.request_id, type(exc).__name__)
        if binary:
            raise
        yield error_event(ctx.endpoint.name, "the upstream stream broke off")
    finally:
        upstream.close()  # also what cancels the upstream when the client went away
        usage = Usage() if binary else measure(ctx, charge, relay)
        settle(state, ctx, charge, usage, ok=True)  # what was produced is billed, also after a disconnect
        report_success(state, ctx, usage)


def _ending(ctx: RelayContext, relay: SseRelay, message: str) -> bytes:
    """The upstream ended without a terminator: keep its own error if it sent one."""
    if relay.error is not None:
        return DONE if ctx.endpoint.name != "responses" else b""
    return error_event(ctx.endpoint.name, message)
