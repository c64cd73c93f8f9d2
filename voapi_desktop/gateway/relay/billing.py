"""Price a relay request, reserve its estimate, and settle what it really cost.

    price_request -> reserve (atomic, off the loop) -> ... upstream ... -> settle (once, via the ledger)

Token-metered endpoints are charged from the upstream's usage; when the
upstream reports none, from a local count (marked in the log). Per-call
(images), per-character (speech) and per-minute (transcription) endpoints are
charged by their own measure.
"""

from __future__ import annotations

import asyncio
import wave
from dataclasses import dataclass
from fractions import Fraction
from io import BytesIO

from ...core import pricing
from ...core.pricing import ModelPrice
from ...core.tokenize import count_completion, count_request_input
from ...store.billing import QuotaShort, Settlement, reserve
from ..errors import BadRequest, QuotaExhausted
from ..state import GatewayState
from .context import RelayContext
from .ledger import consume_entry
from .usage import Usage

INLINE_COUNT_LIMIT = 16 * 1024  # bytes of body counted on the loop; bigger bodies are counted in a thread
PER_CALL = ("images", "image_edits")
AUDIO_IN = ("transcriptions", "translations")


@dataclass
class Charge:
    """How this request is priced, and what was reserved for it."""
    price: ModelPrice
    group_ratio: Fraction
    quota_per_unit: int
    prompt_estimate: int = 0
    fixed_cost: Fraction | None = None  # known before the call (per call, per character)
    units: int = 1  # per-call units fixed_cost was priced for (images: n)
    reserved: int = 0
    settled: bool = False

    def bill_units(self, units: int) -> None:
        """A per-call answer delivered `units` (images) instead of the count priced: bill what came."""
        if self.fixed_cost is not None and self.units > 0 and units != self.units:
            self.fixed_cost = self.fixed_cost * units / self.units
            self.units = units

    def cost_of(self, usage: Usage) -> Fraction:
        if self.fixed_cost is not None:
            return self.fixed_cost
        return pricing.token_cost(self.price, self.group_ratio, usage.prompt_tokens, usage.completion_tokens,
                                  usage.cached_tokens, self.quota_per_unit, usage.cache_creation_tokens)


def find_price(ctx: RelayContext) -> ModelPrice:
    """The model's price, the self-use fallback, or a refusal naming the model."""
    price = ctx.snapshot.prices.find(ctx.request.model)
    if price is not None:
        return price
    if ctx.settings["SELF_USE_MODE_ENABLED"]:
        return ModelPrice(ratio=pricing.exact(ctx.settings["SELF_USE_FALLBACK_RATIO"]))
    raise BadRequest(f"the model '{ctx.request.model}' has no price on this gateway; ask its operator to set "
                     f"one (voapi-desktop price set {ctx.request.model} ...)", param="model",
                     code="model_price_not_configured")


def _max_output(body: dict, fallback: int) -> int:
    config = body.get("generationConfig") if isinstance(body.get("generationConfig"), dict) else {}
    for value in (body.get("max_tokens"), body.get("max_completion_tokens"), body.get("max_output_tokens"),
                  config.get("maxOutputTokens")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return fallback


async def price_request(ctx: RelayContext) -> Charge:
    """Price the request and estimate what to reserve."""
    settings, body, endpoint = ctx.settings, ctx.request.body, ctx.endpoint.name
    charge = Charge(find_price(ctx), ctx.snapshot.prices.group_ratio(ctx.caller.group), settings["QUOTA_PER_UNIT"])
    if endpoint in PER_CALL:
        multiplier = ctx.snapshot.prices.image_ratio(ctx.request.model, str(body.get("size", "1024x1024")),
                                                    str(body.get("quality", "standard")))
        charge.units = _image_count(body)
        charge.fixed_cost = pricing.per_call_cost(charge.price, charge.group_ratio, charge.quota_per_unit,
                                                  multiplier, charge.units)
    elif endpoint == "speech":
        characters = len(body.get("input", "")) if isinstance(body.get("input"), str) else 0
        charge.prompt_estimate = characters  # the prompt tokens of its log row
        charge.fixed_cost = pricing.token_cost(charge.price, charge.group_ratio, characters, 0, 0,
                                               charge.quota_per_unit)
    elif endpoint in AUDIO_IN:
        charge.prompt_estimate = pricing.audio_minutes_tokens(_upload_seconds(ctx))
    else:
        charge.prompt_estimate = await _count_input(ctx)
    charge.reserved = _reservation(charge, ctx)
    return charge


def _image_count(body: dict) -> int:
    """`n` of an image request (validated for JSON bodies; a form field is text)."""
    n = body.get("n", 1)
    if isinstance(n, str):
        return int(n) if n.isdigit() and int(n) > 0 else 1
    return n if isinstance(n, int) and n > 0 else 1


def _reservation(charge: Charge, ctx: RelayContext) -> int:
    if charge.fixed_cost is not None:
        return pricing.estimate(charge.fixed_cost)
    output = 0 if ctx.endpoint.name in ("embeddings", "moderations", "rerank", "gemini_embed") + AUDIO_IN else \
        _max_output(ctx.request.body, ctx.settings["PRE_CONSUMED_QUOTA"])
    usage = Usage(charge.prompt_estimate, output)
    return pricing.estimate(charge.cost_of(usage))


def _countable(ctx: RelayContext) -> tuple[str, dict]:
    """The endpoint name and body the tokenizer understands (native dialects counted as chat)."""
    body, endpoint = ctx.request.body, ctx.endpoint.name
    if endpoint in ("messages", "generate"):
        return "chat", ctx.openai_body()
    if endpoint == "gemini_embed":
        return "embeddings", {"input": [p.get("text", "") for c in _gemini_contents(body) for p in c]}
    return endpoint, body


def _gemini_contents(body: dict) -> list[list[dict]]:
    requests = body.get("requests") if isinstance(body.get("requests"), list) else [body]
    return [[p for p in ((r.get("content") or {}).get("parts") or ()) if isinstance(p, dict)]
            for r in requests if isinstance(r, dict) and isinstance(r.get("content"), dict)]


async def _count_input(ctx: RelayContext) -> int:
    model = ctx.request.model
    endpoint, body = _countable(ctx)
    if ctx.request.size <= INLINE_COUNT_LIMIT:
        return count_request_input(endpoint, body, model)
    return await asyncio.to_thread(count_request_input, endpoint, body, model)


def _upload_seconds(ctx: RelayContext) -> float:
    """Duration of an uploaded WAV; otherwise an estimate from the size (16 kB per second, documented)."""
    for upload in ctx.request.files:
        if upload.name != "file":
            continue
        try:
            with wave.open(BytesIO(upload.data)) as audio:
                return audio.getnframes() / float(audio.getframerate() or 1)
        except (wave.Error, EOFError, ValueError):
            return len(upload.data) / 16_000
    return 0.0


async def reserve_quota(state: GatewayState, ctx: RelayContext, charge: Charge) -> None:
    """Hold the estimate on the token and the user, or refuse the request before any upstream call."""
    user, token = ctx.caller.user, ctx.caller.token
    try:
        if state.quota_book is not None:  # one gateway on SQLite: exact, in memory, on the loop
            state.quota_book.reserve(user.id, user.quota, token.id,
                                     None if token.unlimited_quota else token.remain_quota, charge.reserved)
        else:
            await _reserve_in_database(state, ctx, charge)
    except QuotaShort as short:
        whose = "this API key" if short.who == "token" else "your account"
        raise QuotaExhausted(f"{whose} has {short.available} quota left but this request may cost up to "
                             f"{short.needed}; top up or lower max_tokens") from None
    _held(state, ctx, charge)


async def _reserve_in_database(state: GatewayState, ctx: RelayContext, charge: Charge) -> None:
    token = ctx.caller.token
    reserving = asyncio.ensure_future(asyncio.to_thread(reserve, ctx.request_id, ctx.caller.user.id, token.id,
                                                        not token.unlimited_quota, charge.reserved))
    try:
        await asyncio.shield(reserving)
    except asyncio.CancelledError:
        # The client left while the reservation was being written: it commits in its thread all the
        # same, so give it back as soon as it has (else it stays held until the stale-reservation sweep).
        reserving.add_done_callback(lambda job: _refund_abandoned(state, ctx, charge, job))
        raise


def _held(state: GatewayState, ctx: RelayContext, charge: Charge) -> None:
    state.inflight += 1


def _refund_abandoned(state: GatewayState, ctx: RelayContext, charge: Charge, job: asyncio.Future) -> None:
    if job.cancelled() or job.exception() is not None:
        return  # nothing was reserved
    _held(state, ctx, charge)
    settle(state, ctx, charge, None, ok=False)


def measured_usage(ctx: RelayContext, charge: Charge, usage: Usage | None, output_text: str) -> Usage:
    """The upstream's usage, or a local count when it sent none."""
    if usage is not None and usage.reported:
        return usage
    if ctx.endpoint.name in AUDIO_IN:
        return Usage(charge.prompt_estimate, 0, 0, False)
    completion = count_completion(output_text, ctx.request.model) if output_text else 0
    return Usage(charge.prompt_estimate, completion, 0, False)


def settle(state: GatewayState, ctx: RelayContext, charge: Charge, usage: Usage | None, ok: bool) -> None:
    """Charge what the request cost (`usage` as measured), or refund all of it when not ok.

    Runs at most once per request and never blocks: the ledger writer applies it.
    """
    if charge.settled:
        return
    charge.settled = True
    state.inflight -= 1
    user, token = ctx.caller.user, ctx.caller.token
    limited = not token.unlimited_quota
    cost, entry = 0, None
    if ok and usage is not None:
        if usage.total_tokens or charge.fixed_cost is not None:
            cost = pricing.charge(charge.cost_of(usage))
        if ctx.settings["LOG_CONSUME_ENABLED"]:
            entry = consume_entry(ctx, usage, charge)
    channel_id = ctx.channel.id if ctx.channel else 0
    book = state.quota_book
    if book is None:
        state.ledger.write(Settlement(ctx.request_id, user.id, token.id, limited, channel_id, charge.reserved, cost,
                                      entry, counts_as_request=ok))
        return
    charged = book.settle(user.id, token.id, limited, charge.reserved, cost)
    if entry is not None:
        entry.quota = charged
        if charged < cost:
            entry.other["unpaid_quota"] = cost - charged
    state.ledger.write(Settlement(ctx.request_id, user.id, token.id, limited, channel_id, 0, charged, entry,
                                  counts_as_request=ok, held_in_db=False))
