"""The user console's keys and wallet pages: read server-side through the services, changed in the
browser through the REST API (fetch with the New-Api-User header, so a cross-site form cannot)."""

from __future__ import annotations

import asyncio

from quart import request

from ...core import clock
from ...core.keys import KEY_PREFIX, mask_key
from ...core.pricing import quota_per_display_unit
from ...store import checkin, invitations, tokens, users
from .blueprint import portal_routes
from .context import console_page, display_unit, render, settings
from .markdown import render_markdown


def key_rows(user_id: int) -> list[dict]:
    """The user's keys, newest first, masked."""
    now = clock.now()
    return [{"id": t.id, "name": t.name, "key": mask_key(KEY_PREFIX + t.key), "state": t.state(now),
             "enabled": t.status == tokens.ENABLED, "unlimited": t.unlimited_quota,
             "remain_quota": t.remain_quota, "used_quota": t.used_quota, "created": t.created_time,
             "expires": t.expired_time, "group": t.group}
            for t in reversed(tokens.list_tokens(user_id))]


@portal_routes.get("/console/keys")
@console_page
async def keys_page(user):
    rows = await asyncio.to_thread(key_rows, user.id)
    return await render("keys.html", title="console.keys.title", keys=rows, **quota_input(settings()))


def quota_input(current) -> dict:
    """The key form's amount field: its unit and the exact quota per unit (a fraction), so keys.js
    converts a typed amount the way core.pricing.from_display does."""
    unit = display_unit(current)
    factor = quota_per_display_unit(unit, current["QUOTA_PER_UNIT"], current["USD_EXCHANGE_RATE"])
    return {"quota_unit": unit, "quota_factor": (factor.numerator, factor.denominator)}


def wallet_facts(user_id: int, current) -> dict:
    """Balance, invitation and check-in facts for the wallet page (blocking)."""
    date = checkin.today(current)
    return {"account": users.get_user(user_id), "aff": invitations.aff_info(user_id),
            "checked_in": checkin.checked_in(user_id, date), "checkins": checkin.history(user_id, 7)}


def invitation_link(aff_code: str, server_address: str) -> str:
    base = (server_address or request.host_url).rstrip("/")
    return f"{base}/console/register?aff={aff_code}"


@portal_routes.get("/console/wallet")
@console_page
async def wallet_page(user):
    current = settings()
    facts = await asyncio.to_thread(wallet_facts, user.id, current)
    return await render("wallet.html", title="console.wallet.title", **facts,
                        link=invitation_link(facts["aff"].aff_code, current["SERVER_ADDRESS"]),
                        wallet_notice=render_markdown(current["WALLET_NOTICE"]))
