"""The relay pipeline as named steps:

    check route -> limits -> sensitive words -> price -> token limits -> reserve quota -> for each attempt:
        choose channel -> send -> error? classify, maybe disable, next tier
                               -> stream: wait for the first chunk, then forward (settles at its end)
                               -> plain: read, measure usage -> settle -> respond
    no attempt succeeded -> refund the reservation -> the last error
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp

from ...core.routing import map_model, pick_channel
from ...store import channels as channel_service
from ..errors import (BadRequest, ModelNotFound, NoChannel, RelayError, UpstreamFailed, UpstreamResponse,
                      upstream_message)
from ..state import GatewayState
from . import cooldown
from .answer import Answer
from .auth import check_model_allowed
from .context import RelayContext
from .failures import AttemptFailure, classify, empty_reply, unreached
from .billing import Charge, measured_usage, price_request, reserve_quota, settle
from .ledger import record_failure, report_success
from .limits import check_requests, check_tokens
from .risk import check_sensitive
from .streaming import BinaryRelay, open_stream, stream_response
from .upstream import pick_key, read_bounded, send
from .wires import wire_for

log = logging.getLogger(__name__)


def check_route(ctx: RelayContext) -> None:
    """The model must be served to the caller's group (unless a channel is pinned), by a channel that can
    answer this endpoint in the client's dialect."""
    if ctx.caller.channel_pin is not None:
        channel = ctx.snapshot.channels.get(ctx.caller.channel_pin)
        if channel is None or channel.status != channel_service.ENABLED:
            raise NoChannel(f"pinned channel {ctx.caller.channel_pin} does not exist or is disabled",
                            code="channel_unavailable")
        check_servable(ctx, [channel])
        return
    check_model_allowed(ctx.caller, ctx.request.model)
    if (ctx.caller.group, ctx.request.model) not in ctx.snapshot.routes:
        raise ModelNotFound(f"the model '{ctx.request.model}' does not exist or you do not have access to it",
                            param="model")
    tiers = ctx.snapshot.routes[(ctx.caller.group, ctx.request.model)]
    check_servable(ctx, [ctx.snapshot.channels[c] for tier in tiers for c, _ in tier if c in ctx.snapshot.channels])


def check_servable(ctx: RelayContext, channels: list) -> None:
    """A model whose channels cannot take this endpoint (embeddings on a Claude model, say) is the client's
    error, found before anything is reserved or tried: not a 502 about an upstream never called."""
    if not any(wire_for(ctx, channel) for channel in channels):
        kinds = ", ".join(sorted({channel.type_name for channel in channels}))
        raise BadRequest(f"the model '{ctx.request.model}' is served by {kinds} channels, which cannot serve "
                         f"{ctx.endpoint.path}", param="model", code="unsupported_endpoint")


def choose_channel(state: GatewayState, ctx: RelayContext, attempt: int):
    if ctx.caller.channel_pin is not None:
        return ctx.snapshot.channels[ctx.caller.channel_pin] if attempt == 0 else None
    tiers = ctx.snapshot.routes.get((ctx.caller.group, ctx.request.model), [])
    channel_id = pick_channel(tiers, attempt, set(ctx.tried), state.rng, cooldown.cooling(state, ctx))
    return ctx.snapshot.channels.get(channel_id) if channel_id is not None else None


async def relay(state: GatewayState, ctx: RelayContext, client_headers) -> Answer:
    """Reserve, try channels until one answers, settle; or refund and raise the last error."""
    check_route(ctx)
    await check_requests(state, ctx)
    await check_sensitive(state, ctx)
    charge = await price_request(ctx)
    await check_tokens(state, ctx, charge.prompt_estimate)
    await reserve_quota(state, ctx, charge)
    try:
        response = await try_channels(state, ctx, charge, client_headers)
    except BaseException:
        settle(state, ctx, charge, None, ok=False)  # refund: nothing was delivered
        raise
    return response


async def try_channels(state: GatewayState, ctx: RelayContext, charge: Charge, client_headers) -> Answer:
    """Channel after channel (next tier each time) until one answers; else the last error.

    RETRY_TIMES counts failed attempts; an empty reply is retried on its own budget
    (EMPTY_REPLY_RETRY_TIMES) and is never billed.
    """
    retries = 0 if ctx.caller.channel_pin is not None else max(ctx.settings["RETRY_TIMES"], 0)
    empties_allowed = ctx.settings["EMPTY_REPLY_RETRY_TIMES"]
    attempt = failures = empties = 0
    while failures <= retries and empties <= empties_allowed:
        channel = choose_channel(state, ctx, attempt)
        if channel is None:
            break
        attempt += 1
        outcome = await attempt_watched(state, ctx, charge, channel, client_headers)
        if isinstance(outcome, Answer):
            return outcome
        ctx.failures.append(outcome)
        log.warning("request %s: channel %d failed: %s", ctx.request_id, channel.id, outcome.reason)
        if outcome.empty:
            empties += 1
            continue
        failures += 1
        await disable_if_needed(state, ctx, channel, outcome)
        if not outcome.retryable:
            break
    error = final_error(ctx)
    record_failure(state, ctx, error.message)
    raise error


async def attempt_watched(state: GatewayState, ctx: RelayContext, charge: Charge, channel, client_headers):
    """One attempt, its outcome told to the channel's cooldown breaker."""
    cooldown.claim(state, ctx, channel.id)
    outcome = None
    try:
        outcome = await attempt_once(state, ctx, charge, channel, client_headers)
        return outcome
    finally:
        cooldown.note(state, ctx, channel, outcome)


async def attempt_once(state: GatewayState, ctx: RelayContext, charge: Charge, channel, client_headers):
    """One channel: an Answer on success, an AttemptFailure otherwise."""
    ctx.channel = channel
    ctx.tried.append(channel.id)
    ctx.key_index, key = pick_key(channel, state.round_robin, state.rng, cooldown.held_keys(state, ctx, channel.id))
    ctx.upstream_model = map_model(channel.model_mapping, ctx.request.model)
    wire = wire_for(ctx, channel)
    if wire is None:
        return AttemptFailure(channel.id, f"a {channel.type_name} channel cannot serve {ctx.endpoint.path}",
                              upstream_fault=False)
    request = wire.request(ctx, channel, key, client_headers)
    try:
        upstream = await send(state.http, request, ctx.settings["FIRST_BYTE_TIMEOUT"])
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        return unreached(channel.id, exc)
    ctx.first_byte_at = time.perf_counter()
    if hasattr(wire, "follow"):  # multi-call upstreams (Replicate predictions): poll, or open the real stream
        upstream = await wire.follow(ctx, state.http, upstream)
        if isinstance(upstream, AttemptFailure):
            return upstream
    if upstream.status >= 400:
        return await failed_answer(ctx, channel, upstream, wire.wire)
    if ctx.request.stream or ctx.endpoint.binary_response:
        relay = BinaryRelay() if ctx.endpoint.binary_response else \
            wire.stream(ctx, lambda: measured_usage(ctx, charge, None, relay.text()))
        opened = await open_stream(ctx, upstream, relay)
        if isinstance(opened, AttemptFailure):
            return opened
        return await stream_response(state, ctx, charge, upstream, relay, opened)
    return await plain_response(state, ctx, charge, upstream, wire)


async def failed_answer(ctx: RelayContext, channel, upstream: aiohttp.ClientResponse, wire: str) -> AttemptFailure:
    try:
        body = await read_bounded(upstream)
    except (aiohttp.ClientError, TimeoutError, OSError):
        body = b""
    finally:
        upstream.release()
    keywords = [k for k in ctx.settings["AUTOMATIC_DISABLE_KEYWORDS"].splitlines() if k.strip()]
    failure = classify(channel.id, upstream.status, body, upstream.headers.get("Content-Type", ""), keywords, wire)
    failure.retry_after = upstream.headers.get("Retry-After", "")[:40]
    return failure


async def plain_response(state: GatewayState, ctx: RelayContext, charge: Charge,
                         upstream: aiohttp.ClientResponse, wire):
    """Read a whole non-stream answer, check it, settle, answer the client."""
    channel = ctx.channel
    try:
        async with asyncio.timeout(ctx.settings["RELAY_TIMEOUT"] or ctx.settings["STREAMING_TIMEOUT"] or None):
            body = await upstream.read()
    except TimeoutError:
        return AttemptFailure(channel.id, "timed out reading the upstream answer")
    except (aiohttp.ClientError, OSError) as exc:
        return AttemptFailure(channel.id, f"upstream answer broke off: {type(exc).__name__}")
    finally:
        upstream.release()
    content_type = upstream.headers.get("Content-Type", "application/json")
    answer = wire.plain(ctx, body, content_type)
    if answer is None:
        return AttemptFailure(channel.id, "upstream answered 200 with a body that is not JSON", 200,
                              body, content_type)
    if not answer.has_content:
        return empty_reply(channel.id)
    if answer.units is not None:  # a per-call answer that delivered another count than priced
        charge.bill_units(answer.units)
    usage = measured_usage(ctx, charge, answer.usage, answer.text)
    settle(state, ctx, charge, usage, ok=True)
    report_success(state, ctx, usage)
    return Answer(upstream.status, answer.content_type, answer.body)


async def disable_if_needed(state: GatewayState, ctx: RelayContext, channel, failure: AttemptFailure) -> None:
    """Take a key (or the whole channel) out of service when the upstream says it is bad."""
    if not failure.disable_reason or not channel.auto_ban or not ctx.settings["AUTOMATIC_DISABLE_CHANNEL_ENABLED"]:
        return
    if len(channel.keys) > 1:
        await asyncio.to_thread(channel_service.disable_key, channel.id, ctx.key_index, failure.disable_reason)
    else:
        await asyncio.to_thread(channel_service.set_channel_status, channel.id, channel_service.AUTO_DISABLED,
                                failure.disable_reason)
    state.emit("channel_disabled", channel_id=channel.id, name=channel.name, reason=failure.disable_reason)


def final_error(ctx: RelayContext) -> RelayError:
    """What the client gets when no attempt succeeded."""
    if not ctx.failures:
        return NoChannel(f"no channel is available for the model '{ctx.request.model}' right now; try again later",
                         headers={"Retry-After": "5"})
    last = ctx.failures[-1]
    if last.empty:
        return UpstreamFailed(f"the model answered with an empty reply {sum(f.empty for f in ctx.failures)} "
                              "time(s); nothing was billed, try again", code="empty_reply")
    channel = ctx.snapshot.channels.get(last.channel_id)
    mapping = channel.status_code_mapping if channel else {}
    if not last.status:
        error = UpstreamFailed(f"the upstream did not answer: {last.reason}")
        error.status = 504 if "timed out" in last.reason else 502
        return error
    status = int(mapping.get(str(last.status), last.status))
    if last.status == 200 or "json" not in last.content_type:
        error = UpstreamFailed(upstream_message(last.body), status=status if last.status != 200 else 502)
    else:
        error = UpstreamResponse(status, last.body, last.content_type, upstream_message(last.body), last.wire)
    if last.retry_after and error.status in (429, 503):  # the upstream's own wait, for the SDK's retry
        error.headers["Retry-After"] = last.retry_after
    return error
