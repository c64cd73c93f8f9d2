"""Portal pages for password reset by mail: ask for a link, then choose a new password.

/reset-password                     posts the address to GET /api/reset_password
/reset-password/confirm?email&token  the page the mailed link opens; posts to POST /api/user/reset
Templates: resources/portal/templates/mail/, in the visitor's language (the portal's catalogs, reset.*).
The token rides in the URL, so these pages are never cached and send no Referer.
"""

from __future__ import annotations

from importlib.resources import files

from quart import Blueprint, current_app, render_template, request

from .portal.context import language_context

portal_mail_routes = Blueprint("portal_mail", __name__,
                               template_folder=str(files("voapi_desktop.resources") / "portal" / "templates"))

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Content-Type": "text/html; charset=utf-8"}


def _system_name() -> str:
    return current_app.config["VOAPI_STATE"].snapshots.current.settings["SYSTEM_NAME"]


@portal_mail_routes.get("/reset-password")
async def forgot_password():
    """The form that asks for a reset link."""
    return await render_template("mail/forgot.html", system_name=_system_name(), **language_context()), 200, _HEADERS


@portal_mail_routes.get("/reset-password/confirm")
async def choose_password():
    """The page the mailed link opens: a form for the new password."""
    email = request.args.get("email", "")[:254]
    token = request.args.get("token", "")[:1000]
    page = await render_template("mail/reset.html", system_name=_system_name(), email=email,
                                 token=token if email else "", **language_context())
    return page, 200, _HEADERS
