"""The portal's blueprint: templates and static files from resources/portal/, HTML error pages."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from quart import Blueprint, Response, abort, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from ..api.base import ApiError
from ..errors import RelayError

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "portal"
STATIC_URL = "/console/static"

STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2"}

portal_routes = Blueprint("portal", __name__, template_folder=str(RESOURCES / "templates"))


@functools.lru_cache(maxsize=128)
def _static_file(name: str) -> tuple[bytes, str] | None:
    """A small file of resources/portal/static (read once), or None outside it or of an unknown type."""
    root = (RESOURCES / "static").resolve()
    path = (root / name).resolve()
    if root not in path.parents or path.suffix not in STATIC_TYPES or not path.is_file():
        return None
    return path.read_bytes(), STATIC_TYPES[path.suffix]


@portal_routes.get(f"{STATIC_URL}/<path:filename>")
async def static(filename: str):
    """The portal's own CSS, JS and images, from memory (no file handle per request)."""
    found = _static_file(filename)
    if found is None:
        abort(404)
    body, content_type = found
    return Response(body, content_type=content_type, headers={"Cache-Control": "public, max-age=300"})


async def error_page(status: int, message: str, generic: bool = False, **fields):
    """The error page in the visitor's language; `generic` messages give way to error.message.<status>
    (filled with `fields`)."""
    from .context import language_context
    languages = language_context()
    key = f"error.message.{status}"
    if generic and languages["t"](key) != key:
        message = languages["t"](key, **fields)
    return await render_template("error.html", status=status, message=message, user=None, **languages), status


@portal_routes.get("/lang")
async def choose_language():
    """Remember the visitor's language (?to=<code>) in a cookie and go back (?next=, this site only)."""
    from .auth_pages import safe_next
    from .context import language_context
    response = redirect(safe_next(request.args.get("next")))
    wanted = request.args.get("to", "")
    if wanted in dict(language_context()["languages"]):
        response.set_cookie("lang", wanted, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@portal_routes.errorhandler(RelayError)
async def relay_error(error: RelayError):
    response = await error_page(error.status, error.message)
    return (*response, error.response_headers())


@portal_routes.errorhandler(ApiError)
async def limit_error(error: ApiError):
    """A refusal of the API's (a 429 of the web limit, most often): a 429 is told in the visitor's language."""
    response = await error_page(error.status, error.message, generic=error.status == 429,
                                seconds=error.headers.get("Retry-After", "?"))
    return (*response, error.headers)


@portal_routes.errorhandler(HTTPException)
async def http_error(error: HTTPException):
    return await error_page(error.code or 400, error.description or error.name, generic=True)


@portal_routes.errorhandler(Exception)
async def unexpected(error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return await error_page(500, "the gateway hit an internal error; it has been logged", generic=True)
