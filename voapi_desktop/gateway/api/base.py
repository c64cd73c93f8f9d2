"""The REST API's frame: one route table, the envelope, auth and roles, bodies, paging, limits.

Every route is declared once with `api_route(blueprint, method, path, role=...)`: that
registers the Quart view and records the route in ROUTES, from which /api/openapi.json
is generated. Business refusals (a service's InvalidInput, NotFound, Conflict) are
HTTP 200 with `success: false`, as in new-api; auth failures are 401/403, malformed
bodies 400, limits 429, always in the `{"success", "message", "data"}` envelope.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from dataclasses import dataclass, field

import orjson
from quart import Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ...store import audit as audit_log
from ...store.errors import ServiceError
from ...store.users import ROLE_ADMIN, ROLE_ROOT, ROLE_USER, UserInfo
from ..errors import RelayError
from ..routes_relay import client_address, limit_api_client

log = logging.getLogger(__name__)
PUBLIC, USER, ADMIN, ROOT = 0, ROLE_USER, ROLE_ADMIN, ROLE_ROOT
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
MAX_INT = 2**62  # every integer column is a signed 64-bit number


class ApiError(Exception):
    """A refusal with its own HTTP status (401, 403, 400, 429), rendered in the envelope."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, dict(headers or {})


@dataclass(frozen=True)
class RouteSpec:
    """One row of the route table: what /api/openapi.json describes."""
    method: str
    path: str  # Quart rule, such as /api/token/<int:token_id>
    role: int
    summary: str
    body: dict[str, str] = field(default_factory=dict)  # field -> JSON type
    query: tuple[str, ...] = ()
    answers: str = "json"  # what a success is: the JSON envelope, "text" (plain text) or "redirect" (a 302)
    data: dict | None = None  # JSON schema of a success's `data`, when the document should describe it


ROUTES: list[RouteSpec] = []


def envelope(success: bool, message: str = "", data=None, status: int = 200,
             headers: dict[str, str] | None = None, extra: dict | None = None) -> Response:
    """new-api's `{"success", "message", "data"}` (plus `extra` top-level fields some routes add)."""
    body = orjson.dumps({"success": success, "message": message, "data": data, **(extra or {})})
    response = Response(body, status=status, content_type="application/json")
    response.headers.update(headers or {})
    return response


def ok(data=None, message: str = "", **extra) -> Response:
    return envelope(True, message, data, extra=extra)


def state():
    return current_app.config["VOAPI_STATE"]


def settings():
    return state().snapshots.current.settings


async def off_loop(call, *args, **kwargs):
    """Run a blocking store call in a worker thread."""
    return await asyncio.to_thread(call, *args, **kwargs)


def api_route(blueprint, method: str, path: str, *, role: int = USER, summary: str = "",
              body: dict[str, str] | None = None, query: tuple[str, ...] = (), audit: str = "",
              answers: str = "json", data: dict | None = None):
    """Register a view under `path`, admitted for `role` and above, and record it in ROUTES.

    `audit`: a change worth a MANAGE log row when it succeeds, such as "update channel {id}" ({name}s
    from the path and the body; see store/audit.py)."""
    def decorate(view):
        @functools.wraps(view)
        async def wrapper(**params):
            try:
                await _read_body()  # before any refusal, so the client's connection stays usable
                if any(abs(value) > MAX_INT for value in params.values() if isinstance(value, int)):
                    raise ApiError(400, "the id in the path is out of range")
                if role != PUBLIC:
                    g.api_user = await authenticate(role)
                response = await view(**params)
                if audit:
                    await _audit(audit, params, response)
                return response
            except ServiceError as exc:
                return envelope(False, str(exc))
            except ApiError as exc:
                return envelope(False, exc.message, status=exc.status, headers=exc.headers)
        wrapper.__name__ = f"{view.__name__}_{method.lower()}"
        blueprint.add_url_rule(path, view_func=wrapper, methods=[method])
        ROUTES.append(RouteSpec(method, path, role, summary or (view.__doc__ or "").strip(),
                                dict(body or {}), query, answers, data))
        return wrapper
    return decorate


async def _audit(template: str, params: dict, response) -> None:
    """A MANAGE row for a change that succeeded: the signed-in user, the client's address, the fields."""
    if not isinstance(response, Response) or response.status_code >= 400:
        return
    try:
        answer = orjson.loads(await response.get_data())
        sent = orjson.loads(await _read_body() or b"{}")
    except orjson.JSONDecodeError:
        return
    if not (isinstance(answer, dict) and answer.get("success")):
        return
    sent = sent if isinstance(sent, dict) else {}
    user = g.api_user
    await off_loop(audit_log.record, user.username, audit_log.describe(template, {**sent, **params}),
                   ip=client_address(), user_id=user.id, fields=list(sent))


def install(blueprint) -> None:
    """The per-IP API limit and envelope-shaped errors for one API blueprint."""
    blueprint.before_request(limit_api_client)

    @blueprint.errorhandler(RelayError)
    async def relay_error(error: RelayError):
        return envelope(False, error.message, status=error.status, headers=error.response_headers())

    @blueprint.errorhandler(HTTPException)
    async def http_error(error: HTTPException):
        return envelope(False, error.description or error.name, status=error.code or 400)

    @blueprint.errorhandler(Exception)
    async def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return envelope(False, "the gateway hit an internal error; it has been logged", status=500)


def caller() -> UserInfo:
    return g.api_user


async def authenticate(role: int) -> UserInfo:
    """The signed-in user (session cookie or access token) with at least `role`, or 401/403."""
    from .session import user_id_from_request  # session imports this module
    user_id = await user_id_from_request()
    if user_id is None:
        raise ApiError(401, "not signed in: sign in (POST /api/user/login) or send your access token "
                            "in the Authorization header")
    user = state().snapshots.current.users.get(user_id)
    if user is None:
        raise ApiError(401, "this account no longer exists; sign in again")
    claimed = request.headers.get("New-Api-User", "").strip()
    if not claimed:
        raise ApiError(401, f"send the header 'New-Api-User: {user.id}' (your user id) with every request")
    if claimed != str(user.id):
        raise ApiError(401, "the New-Api-User header does not match the signed-in user")
    if not user.enabled:
        raise ApiError(403, "this account is disabled")
    if user.role < role:
        raise ApiError(403, "you do not have permission for this operation")
    return user


async def _read_body() -> bytes:
    """The whole body (cached). Answering before it is read would make the server drop the connection."""
    try:
        return await request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise ApiError(413, "the request body is too large") from None


async def json_body() -> dict:
    """The request's JSON object, or 400 saying what is wrong with it."""
    raw = await _read_body()
    if not raw.strip():
        raise ApiError(400, "send a JSON object in the request body")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return data


_TYPES = {"string": str, "integer": int, "boolean": bool, "number": (int, float), "object": dict,
          "array": list}


def field_of(data: dict, name: str, kind: str, default=None, *, required: bool = False):
    """One field of a JSON body, checked against its JSON type (400 when it does not fit)."""
    if name not in data or data[name] is None:
        if required:
            raise ApiError(400, f"the field '{name}' is required")
        return default
    value = data[name]
    wrong_bool = kind in ("integer", "number") and isinstance(value, bool)
    if wrong_bool or not isinstance(value, _TYPES[kind]):
        raise ApiError(400, f"the field '{name}' must be a{'n' if kind[0] in 'aeio' else ''} {kind}")
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise ApiError(400, f"the field '{name}' is out of range")
    return value


def int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"-?\d{1,18}", raw):
        raise ApiError(400, f"the query parameter '{name}' must be an integer")
    return int(raw)


def page_args() -> tuple[int, int]:
    """new-api paging: `p` from 1, `page_size` 1-100 (default 10)."""
    page = max(int_arg("p", 1) or 1, 1)
    size = int_arg("page_size", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    return page, min(max(size, 1), MAX_PAGE_SIZE)


def paged(items: list, total: int, page: int, size: int) -> Response:
    return ok({"items": items, "total": total, "page": page, "page_size": size})


def page_of(items: list, page: int, size: int) -> Response:
    """Page a list already in memory."""
    return paged(items[(page - 1) * size: page * size], len(items), page, size)


async def limit_hit(key: str, limit: int, window: float) -> None:
    """Count one hit on the limiter (off the loop); 429 when over. A limiter that is down lets it through."""
    limiter = state().limiter
    if limiter is None:
        return
    try:
        decision = await asyncio.to_thread(limiter.hit, key, limit, window, 1)
    except Exception as exc:  # noqa: BLE001 - a backend failure must not lock users out
        log.warning("rate limiter unavailable, request let through: %s", type(exc).__name__)
        return
    if not decision.allowed:
        raise too_many(decision.retry_after)


def too_many(retry_after: float, what: str = "too many attempts from your address") -> ApiError:
    seconds = max(1, int(retry_after + 0.999))
    return ApiError(429, f"{what}; retry in {seconds} s", {"Retry-After": str(seconds)})


async def critical_limit() -> None:
    """CRITICAL_RATE_LIMIT per client IP: sign-in, sign-up, redeeming codes, revealing keys."""
    current = settings()
    if current["CRITICAL_RATE_LIMIT_ENABLE"]:
        await limit_hit(f"critical:{client_address()}", current["CRITICAL_RATE_LIMIT"],
                        float(current["CRITICAL_RATE_LIMIT_DURATION"]))
