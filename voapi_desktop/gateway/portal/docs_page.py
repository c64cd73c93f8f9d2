"""The public docs page (/docs): how to call this gateway, with the visitor's own key when signed in.

The page carries only a masked key and its id; the browser reveals or copies the full key through
POST /api/token/{id}/key (the same call the keys page uses), so the full key is never in any HTML.
"""

from __future__ import annotations

import asyncio

from quart import current_app, request

from ...core import clock
from ...core.keys import KEY_PREFIX, mask_key
from ...store import tokens
from .blueprint import portal_routes
from .context import page, render, settings, signed_in_user
from .docs_examples import KEY, PLACEHOLDER_KEY, dialects, example_model


def base_url() -> str:
    """SERVER_ADDRESS when the operator set it, else the address this request came to."""
    return (settings()["SERVER_ADDRESS"] or request.host_url).strip().rstrip("/")


def first_usable_key(user_id: int) -> dict | None:
    """The user's oldest key that works now (enabled, not expired, not exhausted), masked, with its id."""
    now = clock.now()
    token = next((t for t in tokens.list_tokens(user_id) if t.state(now) == "enabled"), None)
    return None if token is None else {"id": token.id, "name": token.name, "masked": mask_key(KEY_PREFIX + token.key)}


def models_for(group: str) -> list[str]:
    snapshot = current_app.config["VOAPI_STATE"].snapshots.current
    return snapshot.models_for(group) or snapshot.models_for("default")


@portal_routes.get("/docs")
@page
async def docs_page():
    user = await signed_in_user()
    key = await asyncio.to_thread(first_usable_key, user.id) if user else None
    base = base_url()
    response = await current_app.make_response(await render(
        "docs.html", title="menu.docs", base=base, key=key, key_mark=KEY,
        shown_key=key["masked"] if key else PLACEHOLDER_KEY,
        dialects=dialects(base, example_model(models_for(user.group if user else "default"))),
        extra=settings()["DOCS_EXTRA"]))
    if user:
        response.headers["Cache-Control"] = "no-store"
    return response
