"""Usage a key holder may read with the key itself: new-api's /api/usage/token and OpenAI's legacy billing.

Figures are the token's own (new-api's default, DisplayTokenStatEnabled), read
fresh from the database off the event loop. An exhausted key may still read its
usage: that is how its holder finds out why requests are refused.
"""

from __future__ import annotations

import asyncio

from quart import Blueprint, current_app, request

from ..core import clock
from ..store.errors import NotFound
from ..store.snapshot import Snapshot
from ..store.usage import TokenUsage, usage_totals
from .errors import Unauthorized
from .relay.auth import Caller, authenticate, raw_key
from .routes_relay import client_address, limit_api_client

usage_routes = Blueprint("usage", __name__)
usage_routes.before_request(limit_api_client)
UNLIMITED_USD = 100000000


def _authenticate(snapshot: Snapshot) -> Caller:
    """The key's holder; an exhausted key may still read its usage (authenticate does not check balances)."""
    return authenticate(snapshot, raw_key(request.headers, request.path), client_address(), clock.now())


async def _token_usage() -> tuple[Snapshot, TokenUsage]:
    snapshot = current_app.config["VOAPI_STATE"].snapshots.current
    caller = _authenticate(snapshot)
    try:
        return snapshot, await asyncio.to_thread(usage_totals, caller.token.id)
    except NotFound:  # deleted since the snapshot was taken
        raise Unauthorized("this API key no longer exists") from None


def _expires_at(usage: TokenUsage) -> int:
    return usage.expired_time if usage.expired_time > 0 else 0


@usage_routes.get("/api/usage/token")
async def token_usage():
    _, usage = await _token_usage()
    return {"success": True, "code": True, "message": "ok", "data": {
        "object": "token_usage",
        "name": usage.name,
        "total_granted": usage.total_granted,
        "total_used": usage.used_quota,
        "total_available": usage.remain_quota,
        "unlimited_quota": usage.unlimited_quota,
        "model_limits": {model: True for model in usage.model_limits},
        "model_limits_enabled": bool(usage.model_limits),
        "expires_at": _expires_at(usage),
    }}


def _amount(snapshot: Snapshot, quota: int) -> float:
    """Quota in USD (or raw units when DISPLAY_IN_CURRENCY is off, as in new-api)."""
    settings = snapshot.settings
    return quota / settings["QUOTA_PER_UNIT"] if settings["DISPLAY_IN_CURRENCY"] else float(quota)


@usage_routes.get("/dashboard/billing/subscription")
@usage_routes.get("/v1/dashboard/billing/subscription")
async def billing_subscription():
    snapshot, usage = await _token_usage()
    limit = UNLIMITED_USD if usage.unlimited_quota else _amount(snapshot, usage.total_granted)
    return {"object": "billing_subscription", "has_payment_method": True, "soft_limit_usd": limit,
            "hard_limit_usd": limit, "system_hard_limit_usd": limit, "access_until": _expires_at(usage)}


@usage_routes.get("/dashboard/billing/usage")
@usage_routes.get("/v1/dashboard/billing/usage")
async def billing_usage():
    snapshot, usage = await _token_usage()
    return {"object": "list", "total_usage": _amount(snapshot, usage.used_quota) * 100}
