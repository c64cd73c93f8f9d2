"""The Realtime API: `GET /v1/realtime?model=...` relayed as a WebSocket to an OpenAI-type channel.

    authenticate -> check the route -> price + reserve -> connect upstream (channel after channel, each
    handshake's outcome told to the channel cooldown like an HTTP attempt's)
    -> accept the client -> frames both ways until either side goes -> close the other side

The key comes from `Authorization: Bearer` or the browser's `openai-insecure-api-key.<key>`
sub-protocol. Admission is HTTP's: the per-IP limit, the key, the model's route, RPM (a session is
one request) and TPM (each response's tokens are added when it is done); frames are not checked
for sensitive words. Every refusal happens before the handshake, as the usual HTTP error (401, 403,
404, 429, 502, 503 with the JSON error body): WebSocket clients see the status (the openai SDK
raises websockets' InvalidStatus). The client's `OpenAI-Beta` header (or the
`openai-beta.realtime-v1` sub-protocol) is passed on, so beta and GA clients get their own events.

Billing: one reservation (PRE_CONSUMED_QUOTA output tokens' worth) is held at a time. Each
`response.done` settles it with that response's usage, exactly like an HTTP request (its own
consume row, request id `<session id>-<n>`), and the next one is reserved; when the balance
cannot cover it the client gets an `error` event and the session closes (1008). Audio tokens are
inside input_tokens / output_tokens and are billed at the model's text ratios: the price table
has no audio ratio. When the session ends, the reservation still held is refunded.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from urllib.parse import urlencode

import aiohttp
import orjson
from quart import Blueprint, websocket

from ..core import clock, pricing
from ..core.channel_types import BY_ID
from ..core.ratelimit import client_ip
from ..core.routing import map_model
from .errors import BadRequest, NoChannel, QuotaExhausted, UpstreamFailed
from .providers.registry import adapter_for
from .relay import cooldown
from .relay.auth import authenticate, raw_key
from .relay.billing import Charge, find_price, reserve_quota, settle
from .relay.context import RelayContext
from .relay.endpoints import Endpoint
from .relay.failures import AttemptFailure, retryable_status, unreached
from .relay.ledger import record_failure, report_success
from .relay.limits import check_client_ip, check_requests, check_tokens, count_completion
from .relay.parse import ParsedRequest
from .relay.pipeline import check_route, choose_channel
from .relay.upstream import pick_key
from .relay.usage import Usage
from .routes_relay import relay_state

log = logging.getLogger(__name__)

REALTIME = Endpoint("realtime", "/realtime")
KEY_PROTOCOL = "openai-insecure-api-key."
BETA_PROTOCOL = "openai-beta.realtime-v1"
MAX_FRAME = 16 * 1024 * 1024  # uvicorn's default limit for client frames (ws_max_size)
UNSENDABLE_CODES = (1005, 1006, 1015)  # reported locally, never sent in a close frame

realtime_routes = Blueprint("realtime", __name__)


class Meter:
    """Bills a session response by response: one reservation held at a time.

    The session counts as in flight (state.inflight) from here until close() has settled its last
    reservation, also one still being written when the client left.
    """

    def __init__(self, state, ctx: RelayContext, session_id: str):
        self.state, self.ctx, self.session_id = state, ctx, session_id
        self.price = find_price(ctx)
        self.count = 0
        self.charge: Charge | None = None
        self.pending: asyncio.Future | None = None
        state.inflight += 1

    async def hold(self) -> None:
        """Reserve for the next response (raises QuotaExhausted when the balance cannot cover it).

        Shielded: a reservation the client did not wait for still commits, and close() refunds it.
        """
        self.pending = asyncio.ensure_future(self._reserve())
        await asyncio.shield(self.pending)

    async def _reserve(self) -> None:
        self.count += 1
        self.ctx.request_id, self.ctx.started = f"{self.session_id}-{self.count}", time.perf_counter()
        settings = self.ctx.settings
        charge = Charge(self.price, self.ctx.snapshot.prices.group_ratio(self.ctx.caller.group),
                        settings["QUOTA_PER_UNIT"])
        charge.reserved = pricing.estimate(charge.cost_of(Usage(0, settings["PRE_CONSUMED_QUOTA"])))
        await reserve_quota(self.state, self.ctx, charge)
        self.charge = charge

    def bill(self, usage: Usage) -> None:
        settle(self.state, self.ctx, self.charge, usage, ok=True)
        report_success(self.state, self.ctx, usage)
        count_completion(self.state, self.ctx, Usage(0, usage.total_tokens))  # TPM windows: all its tokens

    def close(self) -> None:
        """Refund what is still held (settle does nothing for a charge already settled); never blocks."""
        if self.pending is not None and not self.pending.done():
            self.pending.add_done_callback(lambda _: self.close())
            return
        if self.charge is not None:
            settle(self.state, self.ctx, self.charge, None, ok=False)
        self.state.inflight -= 1


def response_usage(text: str) -> Usage | None:
    """The usage of a `response.done` event; None for any other frame."""
    if '"response.done"' not in text:  # cheap test first: audio deltas are large
        return None
    try:
        event = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    response = event.get("response") if isinstance(event, dict) and event.get("type") == "response.done" else None
    usage = response.get("usage") if isinstance(response, dict) else None
    if not isinstance(usage, dict):
        return None
    details = usage.get("input_token_details") if isinstance(usage.get("input_token_details"), dict) else {}
    try:
        return Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0),
                     int(details.get("cached_tokens") or 0), True)
    except (TypeError, ValueError):
        return None


@realtime_routes.websocket("/v1/realtime")
async def realtime():
    state, protocols = relay_state(), websocket.requested_subprotocols
    snapshot = state.snapshots.current
    ip = client_ip(websocket.remote_addr or "", websocket.headers, snapshot.settings["TRUSTED_PROXIES"])
    await check_client_ip(state, snapshot.settings, ip)
    key = raw_key(websocket.headers, websocket.path) or next(
        (p[len(KEY_PROTOCOL):] for p in protocols if p.startswith(KEY_PROTOCOL)), "")
    caller = authenticate(snapshot, key, ip, clock.now())
    model = websocket.args.get("model", "")
    if not model:
        raise BadRequest("name the model in the URL: /v1/realtime?model=...", param="model")
    session_id = time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(6)
    ctx = RelayContext(session_id, REALTIME, snapshot, caller, ParsedRequest(model, True, {}), ip)
    check_route(ctx)
    await check_requests(state, ctx)  # the session is one request; its tokens are counted per response
    await check_tokens(state, ctx, 0)
    meter = Meter(state, ctx, session_id)
    try:
        await meter.hold()
        upstream = await connect_upstream(state, ctx, beta_header(protocols))
        try:
            await websocket.accept(subprotocol="realtime" if "realtime" in protocols else None)
            code, reason = await relay_frames(upstream, meter)
            await websocket.close(code, reason)
        finally:
            # also when the client left (the handler is cancelled then, maybe more than once): shielded, so
            # the close handshake completes even if this await is cancelled again
            await asyncio.shield(upstream.close())
    finally:
        meter.close()


def beta_header(protocols: list[str]) -> dict[str, str]:
    beta = websocket.headers.get("OpenAI-Beta") or ("realtime=v1" if BETA_PROTOCOL in protocols else "")
    return {"OpenAI-Beta": beta} if beta else {}


async def connect_upstream(state, ctx: RelayContext, extra_headers: dict) -> aiohttp.ClientWebSocketResponse:
    """The upstream session, from the first OpenAI-type channel of the route that accepts it.

    Nothing has reached the client yet, so a failed connect moves on to the next channel, as an HTTP
    request does (cooling channels passed over; RETRY_TIMES failures at most).
    """
    retries = 0 if ctx.caller.channel_pin is not None else max(ctx.settings["RETRY_TIMES"], 0)
    attempt = failures = 0
    reason = ""
    while failures <= retries:
        channel = choose_channel(state, ctx, attempt)
        if channel is None:
            break
        attempt += 1
        ctx.channel = channel
        ctx.tried.append(channel.id)
        if channel.type in BY_ID and BY_ID[channel.type].dialect != "openai":
            continue  # Azure, Anthropic, Gemini channels do not speak this API here
        outcome = await connect_watched(state, ctx, channel, extra_headers)
        if not isinstance(outcome, AttemptFailure):
            return outcome
        reason = outcome.reason
        failures += 1
        log.warning("realtime %s: channel %d failed: %s", ctx.request_id, channel.id, reason)
    if not reason:
        error = NoChannel(f"no channel can serve the Realtime API for the model '{ctx.request.model}'")
    else:
        error = UpstreamFailed(f"cannot open the realtime session: {reason}")
    record_failure(state, ctx, error.message)
    raise error


async def connect_watched(state, ctx: RelayContext, channel, extra_headers: dict):
    """One channel's handshake, its outcome told to the channel's cooldown breaker (as the HTTP relay's
    attempt_watched does): an open session is an answer, a refused or failed connect a failure."""
    cooldown.claim(state, ctx, channel.id)
    outcome = None
    try:
        outcome = await connect_once(state, ctx, channel, extra_headers)
        return outcome
    finally:
        cooldown.note(state, ctx, channel, outcome)


async def connect_once(state, ctx: RelayContext, channel,
                       extra_headers: dict) -> aiohttp.ClientWebSocketResponse | AttemptFailure:
    ctx.key_index, key = pick_key(channel, state.round_robin, state.rng, cooldown.held_keys(state, ctx, channel.id))
    ctx.upstream_model = map_model(channel.model_mapping, ctx.request.model)
    adapter = adapter_for(channel.type)
    query = urlencode({**websocket.args.to_dict(), "model": ctx.upstream_model})
    url = adapter.url(channel, REALTIME, ctx.upstream_model, ctx.settings) + "?" + query
    headers = {**adapter.headers(channel, key), **channel.header_override, **extra_headers}
    try:
        async with asyncio.timeout(ctx.settings["FIRST_BYTE_TIMEOUT"] or None):
            return await state.http.ws_connect(url, headers=headers, max_msg_size=MAX_FRAME)
    except aiohttp.WSServerHandshakeError as exc:
        # an HTTP answer instead of the upgrade: judged like the HTTP relay's (5xx, 429 and its Retry-After)
        return AttemptFailure(channel.id, f"the upstream refused the connection (HTTP {exc.status})", exc.status,
                              retryable=retryable_status(exc.status),
                              retry_after=(exc.headers or {}).get("Retry-After", "")[:40])
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        return unreached(channel.id, exc)


async def relay_frames(upstream: aiohttp.ClientWebSocketResponse, meter: Meter) -> tuple[int, str]:
    """Pump frames both ways until one side goes; how to close the client."""
    tasks = [asyncio.ensure_future(client_to_upstream(upstream)),
             asyncio.ensure_future(upstream_to_client(upstream, meter))]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await asyncio.shield(upstream.close())  # first: a waiting receive() ends by the close handshake, not a cut
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finished = tasks[1] if tasks[1] in done else tasks[0]  # the client side only ends by an error
    error = finished.exception()
    if error is None:
        return finished.result()
    if not isinstance(error, (aiohttp.ClientError, OSError)):
        log.error("realtime %s failed", meter.session_id, exc_info=error)
    return 1011, "the upstream connection failed"


async def client_to_upstream(upstream: aiohttp.ClientWebSocketResponse) -> None:
    while True:  # ends by cancellation: Quart cancels the handler when the client goes
        data = await websocket.receive()
        if isinstance(data, str):
            await upstream.send_str(data)
        else:
            await upstream.send_bytes(data)


async def upstream_to_client(upstream: aiohttp.ClientWebSocketResponse, meter: Meter) -> tuple[int, str]:
    """Forward until the upstream closes (its close code and reason); bill each response.done."""
    while True:
        message = await upstream.receive()
        if message.type is aiohttp.WSMsgType.BINARY:
            await websocket.send(message.data)
            continue
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        usage = response_usage(message.data)
        if usage is not None:
            meter.bill(usage)  # before forwarding: a client leaving now cannot skip the bill
        await websocket.send(message.data)
        if usage is not None:
            try:
                await meter.hold()
            except QuotaExhausted as exc:
                error = {"type": "error", "event_id": f"event_{secrets.token_hex(8)}",
                         "error": {"type": exc.type, "code": exc.code, "message": exc.message, "param": None}}
                await websocket.send(orjson.dumps(error).decode())
                return 1008, "quota exhausted"
    if message.type is aiohttp.WSMsgType.CLOSE:
        return (1000 if message.data in UNSENDABLE_CODES else message.data), message.extra or ""
    return 1011, "the upstream connection was lost"
