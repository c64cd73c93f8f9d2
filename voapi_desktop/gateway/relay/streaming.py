"""Forward a streamed answer chunk by chunk, with our own first-byte, idle and total timeouts.

Until the first content arrives nothing reaches the client, so another channel can
still take over (errors, empty replies); after that a failure ends the stream with
an error event in the client's dialect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import aiohttp

from ..state import GatewayState
from .answer import Answer
from .billing import Charge, measured_usage, settle
from .context import RelayContext
from .failures import AttemptFailure, empty_reply
from .ledger import report_success
from .usage import Usage
from .wires.base import StreamRelay

log = logging.getLogger(__name__)


class BinaryRelay:
    """Audio and other binary bodies: bytes through as they are."""
    done = False
    error = None

    def feed(self, chunk: bytes) -> bytes:
        return chunk

    def finish(self) -> bytes:
        self.done = True
        return b""

    def has_content(self) -> bool:
        return True

    def usage(self) -> Usage | None:
        return None

    def text(self) -> str:
        return ""


async def open_stream(ctx: RelayContext, upstream: aiohttp.ClientResponse, relay) -> bytes | AttemptFailure:
    """Read until content arrives (or the stream ends); what was read so far is returned to send first."""
    channel_id, held = ctx.channel.id, []
    try:
        async with asyncio.timeout(ctx.settings["FIRST_BYTE_TIMEOUT"] or None):
            while True:
                chunk = await upstream.content.readany()
                if not chunk:
                    break
                held.append(relay.feed(chunk))
                if relay.error is not None and not relay.has_content():
                    upstream.close()
                    return AttemptFailure(channel_id, "upstream stream began with an error", 502, chunk,
                                          "text/event-stream")
                if relay.has_content():
                    return b"".join(held)
    except TimeoutError:
        upstream.close()
        return AttemptFailure(channel_id, "timed out waiting for the first chunk")
    except (aiohttp.ClientError, OSError) as exc:
        upstream.close()
        return AttemptFailure(channel_id, f"stream broke before its first chunk: {type(exc).__name__}")
    except asyncio.CancelledError:
        upstream.close()  # the client went away while we waited: let the upstream go too
        raise
    except Exception as exc:  # noqa: BLE001 - a chunk the translator cannot take: another channel may do better
        log.exception("request %s: cannot relay the upstream stream", ctx.request_id)
        upstream.close()
        return AttemptFailure(channel_id, f"could not translate the upstream stream ({type(exc).__name__})",
                              upstream_fault=False)
    upstream.release()
    held.append(relay.finish())
    if not any(held):
        return AttemptFailure(channel_id, "upstream closed the stream without sending anything")
    if relay.done:
        return empty_reply(channel_id)
    return AttemptFailure(channel_id, "upstream closed the stream before sending any content")


async def stream_response(state: GatewayState, ctx: RelayContext, charge: Charge,
                          upstream: aiohttp.ClientResponse, relay: StreamRelay, opened: bytes) -> Answer:
    content_type = upstream.headers.get("Content-Type", "text/event-stream")
    binary = ctx.endpoint.binary_response
    headers = {"Cache-Control": "no-cache"}
    if not binary:
        headers["X-Accel-Buffering"] = "no"
        content_type = relay_content_type(ctx, content_type)
    body = _forward(state, ctx, charge, upstream, relay, opened, binary)
    # Started here, so it is closed (and settles) even when the client leaves before the server
    # begins to send it: a generator that never started would never run its `finally`.
    first = await anext(body, b"")
    return Answer(upstream.status, content_type, stream=_then(first, body), headers=headers)


async def _then(first: bytes, body):
    """`first`, then the rest of an already started body, which is closed whatever happens."""
    try:
        if first:
            yield first
        async for chunk in body:
            yield chunk
    finally:
        await body.aclose()


def relay_content_type(ctx: RelayContext, upstream_type: str) -> str:
    """A translated stream is SSE whatever the upstream said."""
    return "text/event-stream" if ctx.inbound != "openai" or "event-stream" not in upstream_type \
        else upstream_type


def measure(ctx: RelayContext, charge: Charge, relay, complete: bool = True) -> Usage:
    """The stream's usage: reported by the upstream, or counted from the text it sent.

    A stream cut short may carry only a running count that lags what was sent (Anthropic's
    message_start says 1 output token; the real count comes at the end): then the larger of
    it and a local count of the text that went through is billed."""
    reported = relay.usage()
    if reported is not None and reported.reported and not complete:
        counted = measured_usage(ctx, charge, None, relay.text()).completion_tokens
        if counted > reported.completion_tokens:
            reported = replace(reported, completion_tokens=counted)
    return measured_usage(ctx, charge, reported, "" if reported else relay.text())


async def _forward(state: GatewayState, ctx: RelayContext, charge: Charge, upstream: aiohttp.ClientResponse,
                   relay, opened: bytes, binary: bool):
    idle = ctx.settings["STREAMING_TIMEOUT"] or None
    total = ctx.settings["RELAY_TIMEOUT"]
    deadline = time.monotonic() + total if total else None
    complete = False  # the upstream's own terminator came, without an error
    try:
        if opened:
            yield opened
        while True:
            if deadline and time.monotonic() > deadline:
                raise TimeoutError
            wait = idle if deadline is None else max(0.0, min(idle or total, deadline - time.monotonic()))
            async with asyncio.timeout(wait):
                chunk = await upstream.content.readany()
            if not chunk:
                break
            out = relay.feed(chunk)
            if out:
                yield out
        rest = relay.finish()
        complete = relay.done and relay.error is None
        if rest:
            yield rest
        if not binary and not relay.done:
            yield relay.ending()
    except TimeoutError:
        if binary:
            raise  # audio has no error event: abort, so the client sees an incomplete body, not a short file
        yield relay.error_event("the upstream stream stalled and was stopped", "upstream_timeout")
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("request %s: stream broke: %s", ctx.request_id, type(exc).__name__)
        if binary:
            raise
        yield relay.error_event("the upstream stream broke off")
    except Exception as exc:  # noqa: BLE001 - e.g. a chunk the translator cannot take: end in the client's dialect
        log.exception("request %s: cannot relay the upstream stream", ctx.request_id)
        if binary:
            raise
        cause = exc.__cause__ or exc
        yield getattr(exc, "relayed", b"") + relay.error_event(
            f"the gateway could not relay a chunk of the upstream stream ({type(cause).__name__})")
    finally:
        upstream.close()  # also what cancels the upstream when the client went away
        usage = Usage(charge.prompt_estimate) if binary else measure(ctx, charge, relay, complete)  # speech: chars
        settle(state, ctx, charge, usage, ok=True)  # what was produced is billed, also after a disconnect
        report_success(state, ctx, usage)
