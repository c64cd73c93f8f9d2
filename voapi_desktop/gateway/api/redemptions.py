"""Redemption codes for admins: list (codes masked), read one, create a batch, disable, delete."""

from __future__ import annotations

from quart import Blueprint, request

from ...core import clock
from ...core.keys import mask_key
from ...store import redemptions
from ...store.errors import InvalidInput, NotFound
from ...store.redemptions import CodeInfo
from .base import ADMIN, ApiError, api_route, caller, field_of, install, json_body, off_loop, ok, page_args, page_of

redemption_routes = Blueprint("api_redemptions", __name__)
install(redemption_routes)


def code_view(code: CodeInfo, reveal: bool = False) -> dict:
    return {"id": code.id, "key": code.key if reveal else mask_key(code.key), "name": code.name,
            "status": code.status, "state": code.state(clock.now()), "quota": code.quota,
            "user_id": code.creator_id, "created_time": code.created_time, "redeemed_time": code.redeemed_time,
            "used_user_id": code.used_user_id, "expired_time": code.expired_time}


def _find(code_id: int) -> CodeInfo:
    for code in redemptions.list_codes(limit=1_000_000):
        if code.id == code_id:
            return code
    raise NotFound(f"no redemption code with id {code_id}")


@api_route(redemption_routes, "GET", "/api/redemption/", role=ADMIN, query=("p", "page_size"))
async def list_codes():
    """Redemption codes, newest first (the codes themselves masked)."""
    page, size = page_args()
    return page_of([code_view(c) for c in await off_loop(redemptions.list_codes, 1_000_000)], page, size)


@api_route(redemption_routes, "GET", "/api/redemption/search", role=ADMIN, query=("keyword", "p", "page_size"))
async def search_codes():
    """Codes whose id or name contains `keyword`."""
    page, size = page_args()
    keyword = request.args.get("keyword", "").strip().lower()
    found = [c for c in await off_loop(redemptions.list_codes, 1_000_000) if keyword in f"{c.id} {c.name}".lower()]
    return page_of([code_view(c) for c in found], page, size)


@api_route(redemption_routes, "GET", "/api/redemption/<int:code_id>", role=ADMIN)
async def get_code(code_id: int):
    """One code, in full."""
    return ok(code_view(await off_loop(_find, code_id), reveal=True))


@api_route(redemption_routes, "POST", "/api/redemption/", role=ADMIN,
           body={"name": "string", "quota": "integer", "count": "integer", "expired_time": "integer"})
async def create_codes():
    """Create `count` (1-100) codes worth `quota` each; the answer lists the codes (shown once)."""
    data = await json_body()
    keys = await off_loop(redemptions.create_codes, field_of(data, "name", "string", ""),
                          field_of(data, "quota", "integer", required=True), field_of(data, "count", "integer", 1),
                          field_of(data, "expired_time", "integer", 0), caller().id)
    return ok(keys)


def _set_status(code_id: int, status: int) -> CodeInfo:
    code = _find(code_id)
    if status != redemptions.DISABLED:
        raise InvalidInput("a code can only be disabled (status 2); create a new one instead of re-enabling")
    redemptions.disable_code(code.key)
    return _find(code_id)


@api_route(redemption_routes, "PUT", "/api/redemption/", role=ADMIN, body={"id": "integer", "status": "integer"})
async def update_code():
    """Disable an unused code (`id`, `status`: 2)."""
    data = await json_body()
    code_id = field_of(data, "id", "integer", required=True)
    status = field_of(data, "status", "integer")
    if status is None:
        raise ApiError(400, "the field 'status' is required (2 disables the code)")
    return ok(code_view(await off_loop(_set_status, code_id, status)))


def _delete(code_id: int) -> None:
    if not redemptions.delete_codes([code_id]):
        raise NotFound(f"no redemption code with id {code_id}")


@api_route(redemption_routes, "DELETE", "/api/redemption/invalid", role=ADMIN)
async def delete_invalid():
    """Delete every used, disabled or expired code; returns how many went."""
    now = clock.now()
    codes = await off_loop(redemptions.list_codes, 1_000_000)
    return ok(await off_loop(redemptions.delete_codes, [c.id for c in codes if c.state(now) != "enabled"]))


@api_route(redemption_routes, "DELETE", "/api/redemption/<int:code_id>", role=ADMIN)
async def delete_code(code_id: int):
    """Delete one code."""
    await off_loop(_delete, code_id)
    return ok()
