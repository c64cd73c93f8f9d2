"""API keys: a user manages their own; an admin may also list, change and delete anyone's.

Keys are masked in every list and read; the full key is returned once by the create call
and on purpose by POST /api/token/{id}/key (counted against CRITICAL_RATE_LIMIT).
Another user's key is "not found", never "forbidden", so ids reveal nothing. A user may give
their own key one of the groups GET /api/user/self/groups lists (new-api's UserUsableGroups).
"""

from __future__ import annotations

from quart import Blueprint, request

from ...core.groups import allowed_groups
from ...core.keys import KEY_PREFIX, mask_key
from ...store import tokens
from ...store.errors import NotFound
from ...store.tokens import TokenInfo
from ...store.users import UserInfo
from .base import (ADMIN, USER, ApiError, api_route, caller, critical_limit, field_of, install, int_arg,
                   json_body, off_loop, ok, page_args, page_of, state)

token_routes = Blueprint("api_tokens", __name__)
install(token_routes)

TOKEN_FIELDS = {"name": "string", "remain_quota": "integer", "unlimited_quota": "boolean",
                "expired_time": "integer", "model_limits_enabled": "boolean", "model_limits": "string",
                "allow_ips": "string", "group": "string"}


def token_view(token: TokenInfo, reveal: bool = False) -> dict:
    key = KEY_PREFIX + token.key
    return {"id": token.id, "user_id": token.user_id, "username": token.username, "name": token.name,
            "key": key if reveal else mask_key(key), "status": token.status,
            "created_time": token.created_time, "expired_time": token.expired_time,
            "remain_quota": token.remain_quota, "unlimited_quota": token.unlimited_quota,
            "used_quota": token.used_quota, "model_limits_enabled": bool(token.model_limits),
            "model_limits": ",".join(sorted(token.model_limits)), "allow_ips": token.allow_ips,
            "group": token.group}


def _visible(user: UserInfo, owner_id: int | None) -> list[TokenInfo]:
    """The caller's tokens; an admin may ask for one user's (`owner_id`) or everyone's (0)."""
    if user.role >= ADMIN and owner_id is not None:
        return tokens.list_tokens(owner_id or None)
    return tokens.list_tokens(user.id)


def _find(user: UserInfo, token_id: int) -> TokenInfo:
    scope = None if user.role >= ADMIN else user.id
    for token in tokens.list_tokens(scope):
        if token.id == token_id:
            return token
    raise NotFound(f"no token with id {token_id}")


@api_route(token_routes, "GET", "/api/token/", role=USER, query=("p", "page_size", "user_id"))
async def list_tokens():
    """Your API keys, newest first (admins: `user_id` for one user's, 0 for all)."""
    page, size = page_args()
    found = await off_loop(_visible, caller(), int_arg("user_id"))
    return page_of([token_view(t) for t in reversed(found)], page, size)


@api_route(token_routes, "GET", "/api/token/search", role=USER, query=("keyword", "p", "page_size"))
async def search_tokens():
    """Your API keys whose name contains `keyword`."""
    page, size = page_args()
    keyword = request.args.get("keyword", "").strip().lower()
    found = await off_loop(_visible, caller(), None)
    return page_of([token_view(t) for t in reversed(found) if keyword in t.name.lower()], page, size)


@api_route(token_routes, "GET", "/api/token/<int:token_id>", role=USER)
async def get_token(token_id: int):
    """One API key (masked)."""
    return ok(token_view(await off_loop(_find, caller(), token_id)))


@api_route(token_routes, "POST", "/api/token/<int:token_id>/key", role=USER, audit="reveal token {token_id}")
async def reveal_key(token_id: int):
    """The full key of one of your API keys."""
    await critical_limit()
    token = await off_loop(_find, caller(), token_id)
    return ok({"key": KEY_PREFIX + token.key})


def _fields(data: dict, user: UserInfo) -> dict:
    """Service arguments from new-api's token fields (only those present)."""
    out: dict = {}
    for name, kind in TOKEN_FIELDS.items():
        value = field_of(data, name, kind)
        if value is not None:
            out[name] = value
    if "model_limits" in out or "model_limits_enabled" in out:
        enabled = out.pop("model_limits_enabled", True)
        limits = out.pop("model_limits", "")
        out["models"] = [m for m in limits.split(",") if m.strip()] if enabled else []
    renames = {"remain_quota": "quota", "unlimited_quota": "unlimited", "expired_time": "expires_at"}
    out = {renames.get(k, k): v for k, v in out.items()}
    if user.role < ADMIN:
        _check_group(out.get("group", "").strip(), user)
    return out


def _check_group(group: str, user: UserInfo) -> None:
    """A user's own key may take their own group ("") or one of their usable groups (an admin's, any)."""
    snapshot = state().snapshots.current
    allowed = allowed_groups(user.group, snapshot.settings["USER_USABLE_GROUPS"], snapshot.prices.groups)
    if group and group not in allowed:
        raise ApiError(400, f"you may not use the group '{group}'; choose one of {', '.join(sorted(allowed))}, "
                            "or leave the group empty for your own")


@api_route(token_routes, "POST", "/api/token/", role=USER, body=TOKEN_FIELDS, audit="create token {name}")
async def create_token():
    """Create an API key; the answer carries the full key (shown once)."""
    user = caller()
    fields = _fields(await json_body(), user)
    if "name" not in fields:
        raise ApiError(400, "the field 'name' is required")
    name = fields.pop("name")
    token = await off_loop(tokens.create_token, user.id, name, **fields)
    return ok(token_view(token, reveal=True))


def _update(user: UserInfo, token_id: int, fields: dict) -> TokenInfo:
    _find(user, token_id)
    return tokens.update_token(token_id, **fields)


@api_route(token_routes, "PUT", "/api/token/", role=USER,
           body={"id": "integer", "status": "integer", **TOKEN_FIELDS}, query=("status_only",),
           audit="update token {id}")
async def update_token():
    """Change one of your API keys (`id` in the body); `?status_only=true` changes only `status`."""
    data = await json_body()
    token_id = field_of(data, "id", "integer", required=True)
    user = caller()
    status = field_of(data, "status", "integer")
    if request.args.get("status_only", "").lower() in ("true", "1"):
        if status is None:
            raise ApiError(400, "the field 'status' is required (1 enabled, 2 disabled)")
        fields = {"status": status}
    else:
        fields = _fields(data, user) | ({"status": status} if status is not None else {})
    return ok(token_view(await off_loop(_update, user, token_id, fields)))


def _delete(user: UserInfo, token_id: int) -> None:
    _find(user, token_id)
    tokens.delete_token(token_id)


@api_route(token_routes, "DELETE", "/api/token/<int:token_id>", role=USER, audit="delete token {token_id}")
async def delete_token(token_id: int):
    """Delete one of your API keys."""
    await off_loop(_delete, caller(), token_id)
    return ok()
