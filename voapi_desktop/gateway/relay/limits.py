"""Relay rate limits: per client IP, per user and per key (requests and tokens per minute),
per user and model. A refusal is a 429 with Retry-After and x-ratelimit-* headers; the
gateway never sleeps to wait. The in-memory limiter of a single instance is called on the loop;
a limiter that does network I/O (Redis) runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging

from ...core.ratelimit import Decision
from ..errors import RelayError
from ..state import GatewayState
from .context import RelayContext
from .usage import Usage

MINUTE = 60.0
log = logging.getLogger(__name__)


class RateLimited(RelayError):
    status = 429
    type = "requests"
    code = "rate_limit_exceeded"
    anthropic_type = "rate_limit_error"


def _refusal(decision: Decision, what: str, unit: str = "requests") -> RateLimited:
    seconds = max(1, int(decision.retry_after + 0.999))
    return RateLimited(f"rate limit reached for {what}: {decision.limit} {unit} per window; "
                       f"retry in {seconds} s", headers=decision.headers(unit))


async def _off_loop(state: GatewayState, call, *args):
    """Run a limiter call (in a thread when the limiter does I/O). A limiter that is down (Redis
    unreachable) lets the request through with a warning: limits protect the service, they must
    not take it down."""
    try:
        if getattr(state.limiter, "blocking", True):
            return await asyncio.to_thread(call, *args)
        return call(*args)
    except RateLimited:
        raise
    except Exception as exc:  # noqa: BLE001 - any backend failure
        log.warning("rate limiter unavailable, request let through: %s", type(exc).__name__)
        return None


async def _hit(state: GatewayState, key: str, limit: int, window: float, cost: int = 1) -> Decision | None:
    return await _off_loop(state, state.limiter.hit, key, limit, window, max(cost, 1))


async def check_client_ip(state: GatewayState, settings, ip: str) -> None:
    """GLOBAL_RELAY_RATE_LIMIT: requests per client IP on every relay route."""
    await _per_ip(state, settings, "GLOBAL_RELAY_RATE_LIMIT", "relay-ip", ip)


async def check_api_client(state: GatewayState, settings, ip: str) -> None:
    """GLOBAL_API_RATE_LIMIT: requests per client IP on the REST API (/api, /dashboard), apart from the relay."""
    await _per_ip(state, settings, "GLOBAL_API_RATE_LIMIT", "api-ip", ip)


async def _per_ip(state: GatewayState, settings, setting: str, scope: str, ip: str) -> None:
    """`setting` (with its _ENABLE and _DURATION) counted per client address under `scope`."""
    if not settings[setting + "_ENABLE"]:
        return
    decision = await _hit(state, f"{scope}:{ip}", settings[setting], float(settings[setting + "_DURATION"]))
    if decision is not None and not decision.allowed:
        raise _refusal(decision, f"your address {ip}")


def limit_of(ctx: RelayContext, name: str) -> int:
    """A per-minute limit, with the caller's group override (GROUP_RATE_LIMITS) when there is one."""
    override = ctx.settings["GROUP_RATE_LIMITS"].get(ctx.caller.group)
    if isinstance(override, dict) and isinstance(override.get(name), int):
        return override[name]
    return ctx.settings[name]


Rule = tuple[str, str, int, float]  # (limiter key, what it limits for the message, limit, window in seconds)


def _request_rules(ctx: RelayContext) -> list[Rule]:
    user, token, model = ctx.caller.user, ctx.caller.token, ctx.request.model
    rules = [(f"user-rpm:{user.id}", f"user {user.username}", limit_of(ctx, "USER_RPM"), MINUTE),
             (f"token-rpm:{token.id}", f"API key {token.name}", limit_of(ctx, "TOKEN_RPM"), MINUTE)]
    settings = ctx.settings
    if settings["MODEL_REQUEST_RATE_LIMIT_ENABLED"]:
        count = settings["MODEL_RATE_LIMITS"].get(model, settings["MODEL_REQUEST_RATE_LIMIT_COUNT"])
        window = settings["MODEL_REQUEST_RATE_LIMIT_DURATION_MINUTES"] * MINUTE
        rules.append((f"model:{user.id}:{model}", f"model {model}", int(count or 0), window))
    return [rule for rule in rules if rule[2] > 0]


def _count_all(state: GatewayState, rules: list[Rule], cost: int, unit: str) -> None:
    """Count `cost` against every rule, or refuse and count it against none (blocking).

    A request refused by one limit must not use up the others (a key at its TOKEN_RPM
    would lock its owner's other keys out): with several rules, all are peeked before
    any is counted. Only a request racing for the last room between the two steps can
    still be counted by a rule before a later one refuses it.
    """
    limiter, cost = state.limiter, max(cost, 1)
    if len(rules) > 1:
        for key, what, limit, window in rules:
            decision = limiter.peek(key, limit, window, cost)
            if not decision.allowed:
                raise _refusal(decision, what, unit)
    for key, what, limit, window in rules:
        decision = limiter.hit(key, limit, window, cost)
        if not decision.allowed:
            raise _refusal(decision, what, unit)


async def check_requests(state: GatewayState, ctx: RelayContext) -> None:
    """Requests per minute of the user and the key, and the per-model request limit."""
    rules = _request_rules(ctx)
    if rules:
        await _off_loop(state, _count_all, state, rules, 1, "requests")


def _token_rules(ctx: RelayContext) -> list[Rule]:
    user, token = ctx.caller.user, ctx.caller.token
    rules = [(f"user-tpm:{user.id}", f"user {user.username}", limit_of(ctx, "USER_TPM"), MINUTE),
             (f"token-tpm:{token.id}", f"API key {token.name}", limit_of(ctx, "TOKEN_TPM"), MINUTE)]
    return [rule for rule in rules if rule[2] > 0]


async def check_tokens(state: GatewayState, ctx: RelayContext, prompt_tokens: int) -> None:
    """Tokens per minute: the prompt is counted up front, the completion when it is known."""
    rules = _token_rules(ctx)
    if rules:
        await _off_loop(state, _count_all, state, rules, prompt_tokens, "tokens")


def count_completion(state: GatewayState, ctx: RelayContext, usage: Usage) -> None:
    """Add the completion tokens to the per-minute token windows (after the answer; never refuses)."""
    rules = _token_rules(ctx)
    if rules and usage.completion_tokens > 0:
        async def record() -> None:
            for key, _, limit, window in rules:
                await _hit(state, key, limit, window, usage.completion_tokens)
        state.spawn(record(), f"tpm-{ctx.request_id}")
