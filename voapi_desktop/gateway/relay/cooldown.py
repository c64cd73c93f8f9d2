"""The relay's side of the channel cooldown (core.cooldown): what selection passes over, and what an
attempt's outcome tells the breaker. Runs on the gateway's loop only, like the breaker itself."""

from __future__ import annotations

import re
from typing import Callable

from ...core.cooldown import Policy, retry_after_seconds
from ..state import GatewayState
from .answer import Answer
from .context import RelayContext
from .failures import AttemptFailure

# Gemini's 429 says when to retry in its body: "RetryInfo" ... "retryDelay": "7s"
RETRY_DELAY = re.compile(rb'"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"')
NO_KEYS: frozenset[int] = frozenset()


def policy(settings) -> Policy:
    return Policy(settings["CHANNEL_COOLDOWN_FAILURES"], settings["CHANNEL_COOLDOWN_SECONDS"],
                  settings["CHANNEL_COOLDOWN_MAX_SECONDS"])


def cooling(state: GatewayState, ctx: RelayContext) -> Callable[[int], float] | None:
    """What selection asks about each candidate, or None while no channel is troubled (the usual case)."""
    breaker = state.breaker
    if not breaker or not ctx.settings["CHANNEL_COOLDOWN_SECONDS"]:
        return None
    channels = ctx.snapshot.channels

    def until(channel_id: int) -> float:
        channel = channels.get(channel_id)
        return breaker.cooling_until(channel_id, len(channel.usable_key_indexes) if channel else 1)
    return until


def held_keys(state: GatewayState, ctx: RelayContext, channel_id: int) -> frozenset[int] | set[int]:
    """Keys of a multi-key channel that a Retry-After holds (pick_key passes them over while it can)."""
    if not state.breaker or not ctx.settings["CHANNEL_COOLDOWN_SECONDS"]:
        return NO_KEYS
    return state.breaker.held_keys(channel_id)


def claim(state: GatewayState, ctx: RelayContext, channel_id: int) -> None:
    """The channel was picked; after its cooldown this request is the one half-open probe."""
    if state.breaker and ctx.settings["CHANNEL_COOLDOWN_SECONDS"]:
        state.breaker.claim(channel_id, policy(ctx.settings))


def note(state: GatewayState, ctx: RelayContext, channel, outcome: Answer | AttemptFailure | object | None) -> None:
    """Tell the breaker how an attempt went: an AttemptFailure, None (cancelled: no verdict), or what the
    upstream answered (an Answer, or a realtime session it opened)."""
    breaker, settings = state.breaker, ctx.settings
    if outcome is not None and not isinstance(outcome, AttemptFailure):
        if breaker:
            breaker.succeeded(channel.id)
        return
    if not settings["CHANNEL_COOLDOWN_SECONDS"]:
        return
    wait = outcome and upstream_wait(outcome)
    if wait:
        seconds = min(wait, max(settings["CHANNEL_COOLDOWN_MAX_SECONDS"], settings["CHANNEL_COOLDOWN_SECONDS"]))
        breaker.hold(channel.id, seconds, ctx.key_index if len(channel.keys) > 1 else None)
    elif outcome is not None and outcome.transient:
        breaker.failed(channel.id, policy(settings))
    elif breaker:
        breaker.released(channel.id)


def upstream_wait(failure: AttemptFailure) -> float | None:
    """Seconds a 429/503 asked us to wait (Retry-After, or Gemini's RetryInfo), None when it did not."""
    if failure.status not in (429, 503):
        return None
    seconds = retry_after_seconds(failure.retry_after)
    if seconds is None and failure.status == 429 and b"retryDelay" in failure.body:
        found = RETRY_DELAY.search(failure.body)
        seconds = float(found.group(1)) if found else None
    return seconds or None
