"""Ledger rows for relay requests (written through the ledger writer, never blocking)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...store.logs import CONSUME, ERROR, LogEntry
from ..state import GatewayState
from .context import RelayContext
from .limits import count_completion
from .usage import Usage

if TYPE_CHECKING:
    from .billing import Charge


def _entry(ctx: RelayContext, kind: int, usage: Usage, content: str = "") -> LogEntry:
    other = {"request_path": ctx.endpoint.path, "retry_chain": list(ctx.tried), "frt": ctx.first_byte_ms()}
    if ctx.upstream_model and ctx.upstream_model != ctx.request.model:
        other["upstream_model_name"] = ctx.upstream_model
    if not usage.reported:
        other["usage_counted_locally"] = True
    if usage.cached_tokens:
        other["cache_tokens"] = usage.cached_tokens
    token, user = ctx.caller.token, ctx.caller.user
    return LogEntry(type=kind, user_id=user.id, username=user.username, token_id=token.id, token_name=token.name,
                    model_name=ctx.request.model, channel_id=ctx.channel.id if ctx.channel else 0,
                    group=ctx.caller.group, prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens, use_time=ctx.elapsed_ms(),
                    is_stream=ctx.request.stream, ip=ctx.client_ip if ctx.settings["LOG_CLIENT_IP"] else "",
                    request_id=ctx.request_id, content=content,
                    other=other)


def consume_entry(ctx: RelayContext, usage: Usage, charge: "Charge") -> LogEntry:
    """The consume row of a finished request, with the ratios it was priced at."""
    entry = _entry(ctx, CONSUME, usage)
    price = charge.price
    if price.price is not None:
        entry.other.update(model_price=float(price.price), group_ratio=float(charge.group_ratio))
        entry.content = f"price ${float(price.price)} per call, group ratio {float(charge.group_ratio)}"
    else:
        entry.other.update(model_ratio=float(price.ratio), completion_ratio=float(price.completion_ratio),
                           cache_ratio=float(price.cache_ratio), group_ratio=float(charge.group_ratio))
        entry.content = (f"model ratio {float(price.ratio)}, completion ratio {float(price.completion_ratio)}, "
                         f"group ratio {float(charge.group_ratio)}")
    entry.other["reserved"] = charge.reserved
    return entry


def report_success(state: GatewayState, ctx: RelayContext, usage: Usage) -> None:
    count_completion(state, ctx, usage)
    state.emit("request", request_id=ctx.request_id, model=ctx.request.model, channel_id=ctx.channel.id,
               user=ctx.caller.user.username, prompt_tokens=usage.prompt_tokens,
               completion_tokens=usage.completion_tokens, elapsed_ms=ctx.elapsed_ms(), ok=True)


def record_failure(state: GatewayState, ctx: RelayContext, message: str) -> None:
    if ctx.settings["ERROR_LOG_ENABLED"]:
        state.ledger.write(_entry(ctx, ERROR, Usage(), content=message[:1000]))
    state.emit("request", request_id=ctx.request_id, model=ctx.request.model,
               channel_id=ctx.channel.id if ctx.channel else 0, user=ctx.caller.user.username,
               prompt_tokens=0, completion_tokens=0, elapsed_ms=ctx.elapsed_ms(), ok=False)
