"""One function per user-account action; each runs the service call off the GUI thread."""

from __future__ import annotations

from typing import Callable

from ...store import users as service
from ...store.wallet import top_up
from ..context import Context

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None


def load_users() -> list[service.UserInfo]:
    return service.list_users()


def create_user(ctx: Context, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: username, password, role, quota, group, display_name, email."""
    fields = dict(fields)
    username, password = fields.pop("username"), fields.pop("password")
    ctx.ops.run(lambda: service.create_user(username, password, **fields), writes=("user",), success=success,
                failure=failure)


def update_user(ctx: Context, user_id: int, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: display_name, email, role, group."""
    ctx.ops.run(lambda: service.update_user(user_id, **fields), writes=("user",), success=success,
                failure=failure)


def add_quota(ctx: Context, user_id: int, quota: int, reason: str, *, success: Done = None,
              failure: Failed = None) -> None:
    """Top up (or, negative, deduct) a balance, with its ledger row."""
    ctx.ops.run(lambda: top_up(user_id, quota, reason), writes=("user", "log"), success=success, failure=failure)


def reset_password(ctx: Context, user_id: int, password: str, *, success: Done = None,
                   failure: Failed = None) -> None:
    ctx.ops.run(lambda: service.set_password(user_id, password), writes=("user",), success=success,
                failure=failure)


def set_enabled(ctx: Context, user_ids: list[int], enabled: bool, *, success: Done = None,
                failure: Failed = None) -> None:
    def run() -> int:
        for user_id in user_ids:
            service.set_user_enabled(user_id, enabled)
        return len(user_ids)
    ctx.ops.run(run, writes=("user",), success=success, failure=failure)
