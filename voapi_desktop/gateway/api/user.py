"""The signed-in user's own account: profile, password, usable groups, invitations, check-in, redeeming codes,
pricing."""

from __future__ import annotations

from quart import Blueprint

from ...core.groups import allowed_groups
from ...store import checkin, invitations, redemptions, users
from ...store.errors import InvalidInput
from .base import (PUBLIC, USER, ApiError, api_route, caller, critical_limit, field_of, install,
                   json_body, off_loop, ok, settings, state)
from .session import set_session, user_view

user_routes = Blueprint("api_user", __name__)
install(user_routes)


def _self_view(user_id: int) -> dict:
    user = users.get_user(user_id)
    aff = invitations.aff_info(user_id)
    return {**user_view(user), "aff_count": aff.aff_count, "aff_quota": aff.aff_quota,
            "aff_history_quota": aff.aff_history_quota, "inviter_id": aff.inviter_id or 0}


@api_route(user_routes, "GET", "/api/user/self", role=USER)
async def get_self():
    """The signed-in user's profile and balance."""
    return ok(await off_loop(_self_view, caller().id))


def _update_self(user: users.UserInfo, display_name: str | None, password: str | None, original: str) -> dict:
    if password is not None:
        if users.verify_password(user.username, original) is None:
            raise InvalidInput("the current password (original_password) is wrong")
        users.set_password(user.id, password)
    if display_name is not None:
        users.update_user(user.id, display_name=display_name, email=user.email, role=user.role, group=user.group)
    return _self_view(user.id)


@api_route(user_routes, "PUT", "/api/user/self", role=USER,
           body={"display_name": "string", "password": "string", "original_password": "string"})
async def update_self():
    """Change your display name, or your password (send `password` and `original_password`)."""
    data = await json_body()
    display_name = field_of(data, "display_name", "string")
    password = field_of(data, "password", "string")
    original = field_of(data, "original_password", "string", "")
    if password is not None and not original:
        raise ApiError(400, "send your current password as 'original_password' to change it")
    if password is None:
        return ok(await off_loop(_update_self, caller(), display_name, None, ""))
    await critical_limit()
    response = ok(await off_loop(_update_self, caller(), display_name, password, original))
    return await set_session(response, caller().id)  # this session goes on; the others end


GROUPS_DATA = {"type": "object", "description": "group name -> its price ratio and description",
               "additionalProperties": {"type": "object", "required": ["ratio", "desc"], "properties": {
                   "ratio": {"type": "number"}, "desc": {"type": "string"}}}}


def usable_group_view(user: users.UserInfo) -> dict:
    """new-api's GET /api/user/self/groups: group -> {ratio, desc} for each group the user's keys may take."""
    snapshot = state().snapshots.current
    allowed = allowed_groups(user.group, snapshot.settings["USER_USABLE_GROUPS"], snapshot.prices.groups)
    return {group: {"ratio": float(snapshot.prices.group_ratio(group)), "desc": description}
            for group, description in allowed.items()}


@api_route(user_routes, "GET", "/api/user/self/groups", role=USER, data=GROUPS_DATA)
async def self_groups():
    """The groups your API keys may use (your own and USER_USABLE_GROUPS), with their price ratios."""
    return ok(usable_group_view(caller()))


@api_route(user_routes, "GET", "/api/user/aff", role=USER)
async def aff_code():
    """Your invitation code (new users who sign up with it reward you)."""
    return ok((await off_loop(invitations.aff_info, caller().id)).aff_code)


@api_route(user_routes, "POST", "/api/user/aff_transfer", role=USER, body={"quota": "integer"})
async def aff_transfer():
    """Move pending invitation rewards (all, or `quota`) into your balance."""
    amount = field_of(await json_body(), "quota", "integer")
    moved = await off_loop(invitations.transfer_aff_quota, caller().id, settings(), amount)
    return ok(moved, f"moved {moved} quota to your balance")


def _checkin_status(user_id: int, current) -> dict:
    date = checkin.today(current)
    return {"enabled": current["CHECKIN_ENABLED"], "date": date, "checked_in": checkin.checked_in(user_id, date),
            "min_quota": current["CHECKIN_MIN_QUOTA"], "max_quota": current["CHECKIN_MAX_QUOTA"],
            "history": [{"checkin_date": c.checkin_date, "quota_awarded": c.quota_awarded,
                         "created_at": c.created_at} for c in checkin.history(user_id)]}


@api_route(user_routes, "GET", "/api/user/checkin", role=USER)
async def checkin_status():
    """Whether you checked in today, the reward range and your recent check-ins."""
    return ok(await off_loop(_checkin_status, caller().id, settings()))


@api_route(user_routes, "POST", "/api/user/checkin", role=USER)
async def checkin_claim():
    """Check in for today and receive a random reward."""
    reward = await off_loop(checkin.check_in, caller().id, settings())
    return ok({"quota_awarded": reward}, f"checked in: {reward} quota added")


@api_route(user_routes, "POST", "/api/user/topup", role=USER, body={"key": "string"})
async def redeem_code():
    """Redeem a code (`key`): its quota is added to your balance once."""
    code = field_of(await json_body(), "key", "string", required=True)
    await critical_limit()
    return ok(await off_loop(redemptions.redeem, code, caller().id))


def _number(value) -> float | None:
    return None if value is None else float(value)


def _pricing() -> list[dict]:
    snapshot = state().snapshots.current
    groups_of: dict[str, list[str]] = {}
    for group, models in snapshot.models_by_group.items():
        for model in models:
            groups_of.setdefault(model, []).append(group)
    items = []
    for model in sorted(groups_of):
        price = snapshot.prices.find(model)
        fixed = price is not None and price.price is not None
        items.append({"model_name": model, "quota_type": 1 if fixed else 0, "enable_groups": groups_of[model],
                      "model_price": _number(price.price) if fixed else 0,
                      "model_ratio": 0 if fixed or price is None else _number(price.ratio),
                      "completion_ratio": 1 if fixed or price is None else _number(price.completion_ratio),
                      "cache_ratio": None if fixed or price is None else _number(price.cache_ratio),
                      "priced": price is not None})
    return items


@api_route(user_routes, "GET", "/api/pricing", role=PUBLIC)
async def pricing():
    """Every model a channel serves, with its ratios or fixed price and the groups that may use it."""
    groups = state().snapshots.current.prices.groups
    return ok(_pricing(), group_ratio={name: float(ratio) for name, ratio in groups.items()})
