"""Users for admins: list, search, read, create, edit, manage (enable/disable/promote/demote/add quota), delete.

As in new-api, an admin acts only on users of a lower role than their own, and only root
makes or unmakes admins; the root account's own protections live in the user service.
"""

from __future__ import annotations

from quart import Blueprint, request

from ...store import users, wallet
from ...store.errors import InvalidInput
from ...store.users import ROLE_ADMIN, ROLE_ROOT, ROLE_USER, UserInfo
from .base import (ADMIN, ApiError, api_route, caller, field_of, install, json_body, off_loop, ok, page_args,
                   page_of)
from .session import user_view

admin_user_routes = Blueprint("api_admin_users", __name__)
install(admin_user_routes)

ACTIONS = ("disable", "enable", "delete", "promote", "demote", "add_quota")
NO_RIGHT = "you may only manage users whose role is below yours"


def _target(actor: UserInfo, user_id: int) -> UserInfo:
    """The user `actor` may manage, or a refusal."""
    target = users.get_user(user_id)
    if target.role >= actor.role:
        raise InvalidInput(NO_RIGHT)
    return target


def _check_role(actor: UserInfo, role: int) -> None:
    if role not in users.ROLE_NAMES:
        raise InvalidInput("role must be 1 (user), 10 (admin) or 100 (root)")
    if role >= actor.role:
        raise InvalidInput("you may only give roles below your own")


@api_route(admin_user_routes, "GET", "/api/user/", role=ADMIN, query=("p", "page_size"))
async def list_users():
    """Users, oldest first."""
    page, size = page_args()
    return page_of([user_view(u) for u in await off_loop(users.list_users)], page, size)


@api_route(admin_user_routes, "GET", "/api/user/search", role=ADMIN, query=("keyword", "group", "p", "page_size"))
async def search_users():
    """Users whose id, name, display name or email contains `keyword` (and in `group`)."""
    page, size = page_args()
    keyword = request.args.get("keyword", "").strip().lower()
    group = request.args.get("group", "").strip()
    found = [u for u in await off_loop(users.list_users)
             if (not keyword or keyword in f"{u.id} {u.username} {u.display_name} {u.email}".lower())
             and (not group or u.group == group)]
    return page_of([user_view(u) for u in found], page, size)


@api_route(admin_user_routes, "GET", "/api/user/<int:user_id>", role=ADMIN)
async def get_user(user_id: int):
    """One user."""
    return ok(user_view(await off_loop(users.get_user, user_id)))


def _create(actor: UserInfo, fields: dict) -> UserInfo:
    _check_role(actor, fields["role"])
    return users.create_user(fields.pop("username"), fields.pop("password"), **fields)


@api_route(admin_user_routes, "POST", "/api/user/", role=ADMIN,
           body={"username": "string", "password": "string", "display_name": "string", "email": "string",
                 "group": "string", "role": "integer"}, audit="create user {username}")
async def create_user():
    """Create a user (role below yours; quota through manage add_quota)."""
    data = await json_body()
    fields = {"username": field_of(data, "username", "string", required=True),
              "password": field_of(data, "password", "string", required=True),
              "role": field_of(data, "role", "integer", ROLE_USER),
              "display_name": field_of(data, "display_name", "string", ""),
              "email": field_of(data, "email", "string", ""), "group": field_of(data, "group", "string", "default")}
    return ok(user_view(await off_loop(_create, caller(), fields)))


def _edit(actor: UserInfo, user_id: int, changes: dict) -> UserInfo:
    target = _target(actor, user_id)
    role = target.role if changes["role"] is None else changes["role"]
    if role != target.role:
        _check_role(actor, role)
    updated = users.update_user(target.id, role=role, **{
        name: target_value if changes[name] is None else changes[name]
        for name, target_value in (("display_name", target.display_name), ("email", target.email),
                                   ("group", target.group))})
    if changes["password"]:
        users.set_password(target.id, changes["password"])
    return updated


@api_route(admin_user_routes, "PUT", "/api/user/", role=ADMIN,
           body={"id": "integer", "display_name": "string", "email": "string", "group": "string",
                 "role": "integer", "password": "string"}, audit="update user {id}")
async def edit_user():
    """Change a user's profile, group, role or password (`id` in the body)."""
    data = await json_body()
    if "quota" in data:
        raise ApiError(400, "change a balance with POST /api/user/manage (action add_quota), which logs it")
    user_id = field_of(data, "id", "integer", required=True)
    changes = {"role": field_of(data, "role", "integer")} | {
        name: field_of(data, name, "string") for name in ("display_name", "email", "group", "password")}
    return ok(user_view(await off_loop(_edit, caller(), user_id, changes)))


def _manage(actor: UserInfo, user_id: int, action: str, value: int | None, reason: str) -> UserInfo | None:
    target = _target(actor, user_id)
    if action in ("disable", "enable"):
        users.set_user_enabled(target.id, action == "enable")
    elif action == "delete":
        users.delete_user(target.id)
        return None
    elif action in ("promote", "demote"):
        if actor.role != ROLE_ROOT:
            raise InvalidInput("only root may promote or demote users")
        role = ROLE_ADMIN if action == "promote" else ROLE_USER
        if role == target.role:
            raise InvalidInput(f"{target.username} is already {users.ROLE_NAMES[role]}")
        users.update_user(target.id, display_name=target.display_name, email=target.email, role=role,
                          group=target.group)
    else:
        if value is None:
            raise InvalidInput("add_quota needs 'value': the quota to add (negative deducts)")
        wallet.top_up(target.id, value, reason or f"by {actor.username}")
    return users.get_user(target.id)


@api_route(admin_user_routes, "POST", "/api/user/manage", role=ADMIN,
           body={"id": "integer", "action": "string", "value": "integer", "remark": "string"},
           audit="{action} user {id}")
async def manage_user():
    """`action`: disable, enable, delete, promote, demote (root only) or add_quota (`value`, logged)."""
    data = await json_body()
    user_id = field_of(data, "id", "integer", required=True)
    action = field_of(data, "action", "string", required=True)
    if action not in ACTIONS:
        raise ApiError(400, f"action must be one of {', '.join(ACTIONS)}")
    value = field_of(data, "value", "integer")
    user = await off_loop(_manage, caller(), user_id, action, value, field_of(data, "remark", "string", ""))
    return ok(user_view(user) if user else None)


@api_route(admin_user_routes, "DELETE", "/api/user/<int:user_id>", role=ADMIN, audit="delete user {user_id}")
async def delete_user(user_id: int):
    """Delete a user (their keys stop working)."""
    await off_loop(_manage, caller(), user_id, "delete", None, "")
    return ok()
