"""One function per API-key action; each runs the service call off the GUI thread."""

from __future__ import annotations

from typing import Callable

from ...store import tokens as service
from ...store import users
from ..context import Context
from . import Edit, targets

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None


def load_tokens() -> list[service.TokenInfo]:
    return service.list_tokens()


def load_usernames() -> list[str]:
    return [u.username for u in users.list_users()]


def create_token(ctx: Context, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: username, name, quota, unlimited, models, expires_at, allow_ips, group."""
    fields = dict(fields)
    username = fields.pop("username")
    name = fields.pop("name")

    def run() -> service.TokenInfo:
        return service.create_token(users.find_user(username).id, name, **fields)
    ctx.ops.run(run, writes=("token",), success=success, failure=failure, audit=f"create token {name}",
                audit_fields=["username", "name", *fields])


def set_enabled(ctx: Context, token_ids: list[int], enabled: bool, *, success: Done = None,
                failure: Failed = None) -> None:
    status = service.ENABLED if enabled else service.DISABLED

    def run() -> int:
        for token_id in token_ids:
            service.set_token_status(token_id, status)
        return len(token_ids)
    ctx.ops.run(run, writes=("token",), success=success, failure=failure,
                audit=f"{'enable' if enabled else 'disable'} {targets('token', token_ids)}", audit_fields=["status"])


def delete_tokens(ctx: Context, token_ids: list[int], *, success: Done = None, failure: Failed = None) -> None:
    def run() -> int:
        for token_id in token_ids:
            service.delete_token(token_id)
        return len(token_ids)
    ctx.ops.run(run, writes=("token",), success=success, failure=failure, audit=f"delete {targets('token', token_ids)}")


def update_token(ctx: Context, token_id: int, fields: dict, *, success: Done = None,
                 failure: Failed = None) -> None:
    """fields: any of name, quota, unlimited, models, expires_at, allow_ips, group, status."""
    edit = Edit(lambda: _token(token_id), lambda: service.update_token(token_id, **fields))
    ctx.ops.run(edit, writes=("token",), success=success, failure=failure, audit=f"update token {token_id}",
                audit_fields=edit.changed)


def key_shown(ctx: Context, token_ids: list[int], copied: bool = False, *, failure: Failed = None) -> None:
    """Record that the console showed (or copied) these full keys: a MANAGE row, like the REST API's reveal."""
    what = f"copy key of {targets('token', token_ids)}" if copied else f"reveal {targets('token', token_ids)}"
    ctx.ops.run(lambda: len(token_ids), failure=failure, audit=what)


def _token(token_id: int) -> service.TokenInfo | None:
    return next((t for t in service.list_tokens() if t.id == token_id), None)
