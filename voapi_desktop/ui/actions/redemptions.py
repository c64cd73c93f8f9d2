"""One function per redemption-code and reward-setting action; each runs the service call off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...core.settings import Settings
from ...store import checkin, invitations, redemptions as service, users
from ...store.errors import InvalidInput
from ...store.options import load_options, set_option
from ...store.runtime import StoreRuntime
from ..context import Context
from . import targets
from ..models.redemption_table import CodeRow

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None
INVITATION_SETTINGS = ("QUOTA_FOR_NEW_USER", "QUOTA_FOR_INVITER", "QUOTA_FOR_INVITEE")
CHECKIN_SETTINGS = ("CHECKIN_ENABLED", "CHECKIN_MIN_QUOTA", "CHECKIN_MAX_QUOTA")


@dataclass(frozen=True)
class Rewards:
    """The reward settings in force and what they have paid so far."""
    values: dict
    checkins: checkin.CheckinTotals
    invitations: invitations.InvitationTotals


def load_codes() -> list[CodeRow]:
    names = {u.id: u.username for u in users.list_users()}
    return [CodeRow(code, names.get(code.used_user_id, f"#{code.used_user_id}") if code.used_user_id else "")
            for code in service.list_codes(limit=100_000)]


def load_rewards(runtime: StoreRuntime) -> Rewards:
    """The settings read fresh from the store (not the console's cached copy), with the totals."""
    settings = Settings.load(env=runtime.env, options=load_options(), overrides=runtime.overrides)
    values = {name: settings[name] for name in CHECKIN_SETTINGS + INVITATION_SETTINGS}
    return Rewards(values, checkin.totals(checkin.today(settings)), invitations.totals())


def create_codes(ctx: Context, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: name, quota, count, expires_at (0 = never). Success gets the new codes."""
    ctx.ops.run(lambda: service.create_codes(**fields), writes=("redemption",), success=success, failure=failure,
                audit=f"create redemption codes {fields.get('name', '')}", audit_fields=list(fields))


def disable_codes(ctx: Context, codes: list[service.CodeInfo], *, success: Done = None,
                  failure: Failed = None) -> None:
    """Success gets (codes disabled, codes the service refused to disable, such as used ones).
    The audit row names the codes by id: a code's key is the voucher itself."""
    keys = [code.key for code in codes]

    def run() -> tuple[int, int]:
        refused = 0
        for key in keys:
            try:
                service.disable_code(key)
            except InvalidInput:
                refused += 1
        return len(keys) - refused, refused
    ctx.ops.run(run, writes=("redemption",), success=success, failure=failure,
                audit=f"disable {targets('redemption code', [code.id for code in codes])}", audit_fields=["status"])


def delete_codes(ctx: Context, code_ids: list[int], *, success: Done = None, failure: Failed = None) -> None:
    ctx.ops.run(lambda: service.delete_codes(code_ids), writes=("redemption",), success=success, failure=failure,
                audit=f"delete {targets('redemption code', code_ids)}")


def save_checkin(ctx: Context, enabled: bool, min_quota: int, max_quota: int, *, success: Done = None,
                 failure: Failed = None) -> None:
    ctx.ops.run(lambda: checkin.configure(enabled, min_quota, max_quota), writes=("option",), success=success,
                failure=failure, audit="set options " + ", ".join(CHECKIN_SETTINGS), audit_fields=CHECKIN_SETTINGS)


def save_invitation(ctx: Context, values: dict, *, success: Done = None, failure: Failed = None) -> None:
    """values: QUOTA_FOR_NEW_USER, QUOTA_FOR_INVITER, QUOTA_FOR_INVITEE (quota units)."""
    def run() -> None:
        for name in INVITATION_SETTINGS:
            set_option(name, str(values[name]))
    ctx.ops.run(run, writes=("option",), success=success, failure=failure,
                audit="set options " + ", ".join(INVITATION_SETTINGS), audit_fields=INVITATION_SETTINGS)
