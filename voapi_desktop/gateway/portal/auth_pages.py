"""Sign-in, sign-up and sign-out pages; the forms post JSON to the REST API (/api/user/login, /register).

Each module is hidden when the operator turns it off (PASSWORD_LOGIN_ENABLED, REGISTER_ENABLED);
the REST API refuses it too, so hiding is cosmetic, never the only guard.
"""

from __future__ import annotations

from quart import redirect, request

from ..api.session import COOKIE
from .blueprint import portal_routes
from .context import console_page, page, render, signed_in_user

HOME_PATH = "/console/wallet"


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: a path on this site only (no `//host` or scheme tricks)."""
    target = (raw or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return HOME_PATH
    return target


@portal_routes.get("/console/login")
@page
async def login_page():
    if await signed_in_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    return await render("login.html", title="console.login.title", next=safe_next(request.args.get("next")))


@portal_routes.get("/console/register")
@page
async def register_page():
    aff = request.args.get("aff", "").strip()[:32]
    return await render("register.html", title="console.register.title", aff=aff, next=HOME_PATH)


@portal_routes.get("/console/logout")
@page
async def logout_page():
    response = redirect("/console/login")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
    return response


@portal_routes.get("/console")
@portal_routes.get("/console/")
@console_page
async def console_home(user):
    return redirect(HOME_PATH)
