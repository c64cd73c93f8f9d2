"""The Quart app factory: blueprints, error rendering, request ids, lifecycle."""

from __future__ import annotations

import logging
import itertools
import secrets
import time

import aiohttp
import orjson
from quart import Quart, Response, g, request
from werkzeug.exceptions import HTTPException

from ..core.settings import Settings
from .errors import BadRequest, PayloadTooLarge, RelayError
from .relay.answer import Answer
from .api import register_api
from .portal import register_portal
from .portal_mail import portal_mail_routes
from .routes_anthropic import anthropic_routes
from .routes_api import api_routes
from .routes_gemini import gemini_routes
from .routes_realtime import realtime_routes
from .routes_relay import relay_routes
from .routes_usage import usage_routes
from .state import GatewayState

log = logging.getLogger(__name__)


_ID_PREFIX = secrets.token_hex(3)  # this process's; the counter makes each id unique within it
_id_counter = itertools.count()
_id_second: list = [0, ""]  # the last second formatted, and its text


def new_request_id() -> str:
    """The time to the second, then 12 hex digits: this process's random prefix and a counter
    (no system call per request, unlike a random suffix)."""
    now = int(time.time())
    if now != _id_second[0]:
        _id_second[:] = [now, time.strftime("%Y%m%d%H%M%S", time.localtime(now))]
    return f"{_id_second[1]}{_ID_PREFIX}{next(_id_counter) & 0xFFFFFF:06x}"


def error_answer(error: RelayError, dialect: str, request_id: str) -> Answer:
    """The error in the caller's dialect, with the request id."""
    headers = error.response_headers()
    if dialect == "anthropic":
        headers["request-id"] = request_id
    return Answer(error.status, "application/json", orjson.dumps(error.body_for(dialect, request_id)),
                  headers=headers)


def render_error(error: RelayError) -> Response:
    """The error in the dialect of the route that failed (g.dialect), with the request id."""
    answer = error_answer(error, getattr(g, "dialect", "openai"), getattr(g, "request_id", "") or new_request_id())
    return Response(answer.body, status=answer.status, content_type=answer.content_type, headers=answer.headers)


def create_app(state: GatewayState, settings: Settings) -> Quart:
    """A gateway app around `state`; the upstream client lives from startup to shutdown."""
    app = Quart("voapi_desktop.gateway")
    app.config.update(VOAPI_STATE=state, VOAPI_STARTED=int(time.time()),
                      MAX_CONTENT_LENGTH=settings["MAX_REQUEST_BODY_MB"] * 1024 * 1024,
                      BODY_TIMEOUT=60, PROVIDE_AUTOMATIC_OPTIONS=True)
    app.register_blueprint(relay_routes)
    app.register_blueprint(anthropic_routes)
    app.register_blueprint(gemini_routes)
    app.register_blueprint(realtime_routes)
    app.register_blueprint(api_routes)
    app.register_blueprint(usage_routes)
    register_api(app, settings)
    register_portal(app)
    app.register_blueprint(portal_mail_routes)
    _register_hooks(app, state, settings)
    _register_error_handlers(app)
    return app


def _register_hooks(app: Quart, state: GatewayState, settings: Settings) -> None:
    @app.before_serving
    async def open_upstream_client() -> None:
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=None, connect=settings["CONNECT_TIMEOUT"] or None)
        state.http = aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=True)

    @app.after_serving
    async def close_upstream_client() -> None:
        if state.http is not None:
            await state.http.close()
            state.http = None

    @app.before_request
    async def assign_request_id() -> None:
        g.request_id = new_request_id()

    @app.after_request
    async def add_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.request_id
        return response


def _register_error_handlers(app: Quart) -> None:
    @app.errorhandler(RelayError)
    async def relay_error(error: RelayError):
        return render_error(error)

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException):
        if error.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            return render_error(PayloadTooLarge(f"the request body is larger than {limit} MB"))
        if error.code == 404:
            return render_error(BadRequest(f"Invalid URL ({request.method} {request.path})", status=404,
                                           code="unknown_url"))
        if error.code == 405:
            return render_error(BadRequest(f"{request.method} is not allowed on {request.path}", status=405,
                                           code="method_not_allowed"))
        return render_error(BadRequest(error.description or error.name, status=error.code or 400))

    @app.errorhandler(Exception)
    async def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render_error(RelayError("the gateway hit an internal error; it has been logged"))
