"""The portal's blueprint: templates and static files from resources/portal/, HTML error pages."""

from __future__ import annotations

import logging
from pathlib import Path

from quart import Blueprint, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import RelayError

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "portal"
STATIC_URL = "/console/static"

portal_routes = Blueprint("portal", __name__, template_folder=str(RESOURCES / "templates"),
                          static_folder=str(RESOURCES / "static"), static_url_path=STATIC_URL)


async def error_page(status: int, message: str):
    return await render_template("error.html", status=status, message=message, user=None), status


@portal_routes.errorhandler(RelayError)
async def relay_error(error: RelayError):
    response = await error_page(error.status, error.message)
    return (*response, error.response_headers())


@portal_routes.errorhandler(HTTPException)
async def http_error(error: HTTPException):
    return await error_page(error.code or 400, error.description or error.name)


@portal_routes.errorhandler(Exception)
async def unexpected(error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return await error_page(500, "the gateway hit an internal error; it has been logged")
