"""The playground (/playground), chat links (/chat, /chat/open) and API lines (/lines).

The playground and the chat page's pickers run in the browser: keys listed through the REST API,
a key revealed on demand and kept in memory, models from /v1/models with that key, chats through
the relay (billed and logged like any client). A chat link is filled here, not in the browser,
so the magic-variable rule lives once (core/chat_links.py): the page posts the link's number,
the key's id and the model to /chat/open, which answers with a redirect to the filled link.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from quart import redirect, request

from ...core.api_lines import ApiLine, parse_api_lines
from ...core.chat_links import ChatLink, fill_link, parse_chat_links
from ...core.keys import KEY_PREFIX
from ...store import tokens
from ..api.base import critical_limit
from .blueprint import error_page, portal_routes
from .context import console_page, language_context, page, render, settings

MAX_MODEL = 200
# Texts the pages' scripts show, handed over in a data-texts attribute.
PICKER_TEXTS = ("pick.no_keys", "pick.loading", "pick.no_models", "pick.failed")
PLAYGROUND_TEXTS = PICKER_TEXTS + ("play.you", "play.assistant", "play.stopped", "play.error", "play.pick_first",
                                   "play.cleared", "play.empty")
LINES_TEXTS = ("lines.testing", "lines.unreachable", "lines.ms")


def gateway_address() -> str:
    """This gateway's public address: SERVER_ADDRESS, else the origin the page was asked on."""
    return (settings()["SERVER_ADDRESS"] or request.host_url).rstrip("/")


def chat_links() -> list[ChatLink]:
    return parse_chat_links(settings()["CHAT_LINKS"])  # the value passed its check when loaded


def api_lines() -> list[ApiLine]:
    """The operator's lines, or this gateway alone when there are none."""
    lines = parse_api_lines(settings()["API_INFO"])  # the value passed its check when loaded
    return lines or [ApiLine(settings()["SYSTEM_NAME"], gateway_address())]


def texts(t, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: t(key) for key in keys}


@portal_routes.get("/playground")
@console_page
async def playground_page(user):
    t = language_context()["t"]
    return await render("playground.html", title="menu.playground", texts=texts(t, PLAYGROUND_TEXTS))


@portal_routes.get("/chat")
@console_page
async def chat_page(user):
    t = language_context()["t"]
    return await render("chat.html", title="menu.chat", links=chat_links(), texts=texts(t, PICKER_TEXTS))


@portal_routes.get("/lines")
@page
async def lines_page():
    t = language_context()["t"]
    return await render("lines.html", title="menu.lines", lines=api_lines(), texts=texts(t, LINES_TEXTS))


def _same_origin() -> bool:
    """A form post from this site (browsers send Origin on POST; a missing one is an old client)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == urlsplit(request.host_url).netloc


def _enabled_key(user_id: int, token_id: int) -> str | None:
    for token in tokens.list_tokens(user_id):
        if token.id == token_id and token.status == tokens.ENABLED:
            return KEY_PREFIX + token.key
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


@portal_routes.post("/chat/open")
@console_page
async def open_chat_link(user):
    """Fill a chat link with the user's key, this gateway's address and the model, and go there."""
    t = language_context()["t"]
    if not _same_origin():
        return await error_page(403, t("chat.other_site"))
    form = await request.form
    links, number, token_id = chat_links(), _int(form.get("link")), _int(form.get("token_id"))
    model = form.get("model", "").strip()
    if number is None or not 0 <= number < len(links):
        return await error_page(400, t("chat.no_such_link"))
    if token_id is None or len(model) > MAX_MODEL:
        return await error_page(400, t("chat.pick_key"))
    await critical_limit()  # it hands out a full key, like the reveal route
    key = await asyncio.to_thread(_enabled_key, user.id, token_id)
    if key is None:
        return await error_page(400, t("chat.pick_key"))
    url = fill_link(links[number].url, key, gateway_address(), model)
    if url is None:
        return await error_page(400, t("chat.bad_link"))
    response = redirect(url, 303)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
