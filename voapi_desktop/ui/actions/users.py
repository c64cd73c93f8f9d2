"""One function per user-account action; each runs the service call off the GUI thread."""

from __future__ import annotations

from typing import Callable

from ...store import risk
from ...store import users as service
from ...store.wallet import top_up
from ..context import Context
from . import Edit, targets

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None


def load_users() -> list[service.UserInfo]:
    return service.list_users()


def create_user(ctx: Context, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: username, password, role, quota, group, display_name, email."""
    fields = dict(fields)
    username, password = fields.pop("username"), fields.pop("password")
    ctx.ops.run(lambda: service.create_user(username, password, **fields), writes=("user",), success=success,
                failure=failure, audit=f"create user {username}", audit_fields=["username", "password", *fields])


def update_user(ctx: Context, user_id: int, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: display_name, email, role, group."""
    edit = Edit(lambda: service.get_user(user_id), lambda: service.update_user(user_id, **fields))
    ctx.ops.run(edit, writes=("user",), success=success, failure=failure, audit=f"update user {user_id}",
                audit_fields=edit.changed)


def add_quota(ctx: Context, user_id: int, quota: int, reason: str, *, success: Done = None,
              failure: Failed = None) -> None:
    """Top up (or, negative, deduct) a balance, with its ledger row."""
    verb = "top up" if quota > 0 else "deduct quota of"
    ctx.ops.run(lambda: top_up(user_id, quota, reason), writes=("user", "log"), success=success, failure=failure,
                audit=f"{verb} user {user_id}", audit_fields=["quota"])


def reset_password(ctx: Context, user_id: int, password: str, *, success: Done = None,
                   failure: Failed = None) -> None:
    ctx.ops.run(lambda: service.set_password(user_id, password), writes=("user",), success=success,
                failure=failure, audit=f"set password of user {user_id}", audit_fields=["password"])


OPERATOR_BAN = "banned by the operator"  # the reason kept when none is typed


def ban(ctx: Context, user_ids: list[int], reason: str, *, success: Done = None, failure: Failed = None) -> None:
    """Ban through risk control (a log row with the reason, listed on the Risk page's bans);
    success gets the ids actually banned (root and users already banned are left alone)."""
    reason = reason.strip() or OPERATOR_BAN
    ctx.ops.run(lambda: [i for i in user_ids if risk.ban_user(i, reason)], writes=("user", "log"), success=success,
                failure=failure, audit=f"ban {targets('user', user_ids)}", audit_fields=["status"])


def unban(ctx: Context, user_ids: list[int], *, success: Done = None, failure: Failed = None) -> None:
    """Lift the bans (with their log rows); success gets the ids actually enabled again."""
    ctx.ops.run(lambda: [i for i in user_ids if risk.unban_user(i)], writes=("user", "log"), success=success,
                failure=failure, audit=f"unban {targets('user', user_ids)}", audit_fields=["status"])
