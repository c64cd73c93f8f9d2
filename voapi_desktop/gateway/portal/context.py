"""What every portal page needs: the signed-in user, the settings, money in the display unit, rendering."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import quote

from quart import current_app, g, redirect, render_template, request

from ...core.pricing import to_display
from ...store.runtime import default_data_dir
from ...store.users import ROLE_ADMIN, UserInfo
from ..api.session import user_id_from_request
from ..api.base import limit_hit
from ..routes_relay import client_address
from .chrome import chrome_context
from .i18n import COOKIE, choose_language, load_catalogs, translator
from .markdown import render_markdown

LOGIN_PATH = "/console/login"


def settings():
    return current_app.config["VOAPI_STATE"].snapshots.current.settings


async def signed_in_user() -> UserInfo | None:
    """The user of a valid session cookie (enabled, still existing), else None."""
    if "portal_user" not in g:
        user_id = await user_id_from_request() if request.cookies else None
        users = current_app.config["VOAPI_STATE"].snapshots.current.users
        user = users.get(user_id) if user_id is not None else None
        g.portal_user = user if user is not None and user.enabled else None
    return g.portal_user


def display_unit(current) -> str:
    """USD, CNY or TOKENS: the unit balances are shown in (TOKENS when DISPLAY_IN_CURRENCY is off)."""
    return current["QUOTA_DISPLAY_TYPE"] if current["DISPLAY_IN_CURRENCY"] else "TOKENS"


def money(quota: int) -> str:
    """Quota units in the operator's display unit (QUOTA_DISPLAY_TYPE, USD_EXCHANGE_RATE)."""
    current = settings()
    return to_display(int(quota), display_unit(current), current["QUOTA_PER_UNIT"], current["USD_EXCHANGE_RATE"])


async def limit_web_client() -> None:
    """GLOBAL_WEB_RATE_LIMIT: page loads per client address (static files are not counted)."""
    current = settings()
    if current["GLOBAL_WEB_RATE_LIMIT_ENABLE"]:
        await limit_hit(f"web-ip:{client_address()}", current["GLOBAL_WEB_RATE_LIMIT"],
                        float(current["GLOBAL_WEB_RATE_LIMIT_DURATION"]))


def page(view):
    """A portal page: the per-address web limit first."""
    @functools.wraps(view)
    async def wrapper(**params):
        await limit_web_client()
        return await view(**params)
    return wrapper


def console_page(view):
    """A page for signed-in users: others are sent to the sign-in page and come back afterwards."""
    @functools.wraps(view)
    async def wrapper(**params):
        await limit_web_client()
        user = await signed_in_user()
        if user is None:
            return redirect(f"{LOGIN_PATH}?next={quote(request.full_path.rstrip('?'), safe='')}")
        return await view(user, **params)
    return wrapper


def _catalogs() -> dict[str, dict[str, str]]:
    """The portal's languages, read once per app (custom files: <data dir>/i18n/portal/*.json)."""
    app = current_app
    if "VOAPI_PORTAL_CATALOGS" not in app.config:
        boot = settings()
        data_dir = Path(boot["DATA_DIR"]).expanduser() if boot["DATA_DIR"] else default_data_dir()
        app.config["VOAPI_PORTAL_CATALOGS"] = load_catalogs(data_dir / "i18n" / "portal")
    return app.config["VOAPI_PORTAL_CATALOGS"]


def language_context() -> dict:
    """`t`, `lang` and the language list for a template, in the visitor's language."""
    catalogs = _catalogs()
    lang = choose_language(list(catalogs), request.cookies.get(COOKIE), request.headers.get("Accept-Language", ""))
    languages = [(code, catalog.get("_language", code)) for code, catalog in sorted(catalogs.items())]
    return {"t": translator(catalogs, lang), "lang": lang, "languages": languages}


async def render(template: str, **context):
    """A page with the layout's context: user, site name, site chrome (chrome.py), money and markdown helpers."""
    current = settings()
    user = await signed_in_user()
    languages = language_context()
    return await render_template(
        template, user=user, is_admin=bool(user and user.role >= ROLE_ADMIN), site_name=current["SYSTEM_NAME"],
        active=request.path, money=money, markdown=render_markdown, settings=current,
        **chrome_context(current, languages["t"]), **languages, **context)
