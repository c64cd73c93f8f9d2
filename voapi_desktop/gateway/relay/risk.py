"""The sensitive-word check: before any upstream call and before any quota is held.

A hit records a risk event; a user who reaches USER_DAILY_SENSITIVE_MAX_BAN hits in one
day (in TZ) is banned. With STOP_ON_SENSITIVE_ENABLED the request is refused with the
matched words in the message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from functools import lru_cache

from ...core.periods import local_date, zone
from ...core.sensitive import WordFilter, excerpt, parse_words, prompt_texts
from ...store.risk import ban_user, record_risk_event
from ..errors import BadRequest
from ..state import GatewayState
from .context import RelayContext

log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def word_filter(words_text: str) -> WordFilter:
    """The automaton for the current word list (rebuilt only when the list changes)."""
    return WordFilter(parse_words(words_text))


def matched_words(ctx: RelayContext) -> tuple[list[str], str]:
    settings = ctx.settings
    if not (settings["CHECK_SENSITIVE_ENABLED"] and settings["CHECK_SENSITIVE_ON_PROMPT_ENABLED"]):
        return [], ""
    if not settings["SENSITIVE_WORDS"].strip():
        return [], ""
    text = "\n".join(prompt_texts(ctx.inbound, ctx.request.body))
    return word_filter(settings["SENSITIVE_WORDS"]).find(text), text


async def check_sensitive(state: GatewayState, ctx: RelayContext) -> None:
    words, text = matched_words(ctx)
    if not words:
        return
    await asyncio.to_thread(record_hit, state, ctx, words, excerpt(text, words[0]))
    if ctx.settings["STOP_ON_SENSITIVE_ENABLED"]:
        raise BadRequest(f"the prompt contains sensitive words: {', '.join(words)}; remove them and try again",
                         code="sensitive_words_detected")


def record_hit(state: GatewayState, ctx: RelayContext, words: list[str], text_excerpt: str) -> None:
    """The user's daily count, the ban when it reaches the limit, and the risk event saying what was done."""
    user, token = ctx.caller.user, ctx.caller.token
    action = "refused" if ctx.settings["STOP_ON_SENSITIVE_ENABLED"] else "recorded"
    if ban_due(state, ctx, words):
        action += ",banned"
    record_risk_event(user_id=user.id, username=user.username, token_id=token.id, token_name=token.name,
                      ip=ctx.client_ip, model=ctx.request.model, words=words, excerpt=text_excerpt,
                      dialect=ctx.inbound, action=action)


def ban_due(state: GatewayState, ctx: RelayContext, words: list[str]) -> bool:
    """Count the hit; ban the user when it reaches USER_DAILY_SENSITIVE_MAX_BAN. True when this hit banned them."""
    limit, user = ctx.settings["USER_DAILY_SENSITIVE_MAX_BAN"], ctx.caller.user
    if not limit:
        return False
    day = local_date(datetime.now(timezone.utc), zone(ctx.settings["TZ"])).isoformat()
    try:
        hits = state.limiter.incr_daily(f"sensitive:{user.id}", day)
    except Exception as exc:  # noqa: BLE001 - the counter's store is down: the event is recorded anyway
        log.warning("cannot count sensitive-word hits: %s", type(exc).__name__)
        return False
    return hits >= limit and ban_user(user.id, f"{limit} sensitive-word hits on {day} (last: {', '.join(words)})")
