"""Users as a table: username, display name, email, role, group, balance, used, requests, registered, status."""

from __future__ import annotations

from ...store.users import UserInfo
from ..context import Context
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel


class UserTableModel(RowsTableModel):
    def __init__(self, ctx: Context, parent=None):
        tr = ctx.tr
        columns = [
            Column("users.col.id", lambda u: str(u.id), sort=lambda u: u.id, align_right=True),
            Column("users.col.username", lambda u: u.username),
            Column("users.col.display_name", lambda u: u.display_name),
            Column("users.col.email", lambda u: u.email),
            Column("users.col.role", lambda u: tr(f"role.{u.role_name}"), sort=lambda u: u.role),
            Column("users.col.group", lambda u: u.group),
            Column("users.col.balance", lambda u: ctx.money(u.quota), sort=lambda u: u.quota, align_right=True),
            Column("users.col.used", lambda u: ctx.money(u.used_quota), sort=lambda u: u.used_quota,
                   align_right=True),
            Column("users.col.requests", lambda u: str(u.request_count), sort=lambda u: u.request_count,
                   align_right=True),
            Column("users.col.created", lambda u: ctx.time(u.created_at), sort=lambda u: u.created_at),
            Column("users.col.status", lambda u: tr("status.enabled" if u.enabled else "status.banned"),
                   sort=lambda u: u.status, color=_status_color),
        ]
        super().__init__(columns, ctx.i18n, parent)


def _status_color(u: UserInfo) -> str:
    return STATUS_COLORS["ok" if u.enabled else "error"]
