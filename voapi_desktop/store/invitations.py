"""Invitations (affiliate codes), as in new-api: rewards for inviter and invitee, transfer to the wallet.

Every user has an `aff_code`. A new user who signs up with one gets
QUOTA_FOR_INVITEE added to their balance (a TOPUP log row); the inviter gets
QUOTA_FOR_INVITER added to their pending `aff_quota` (and `aff_history_quota`,
`aff_count`), recorded as a SYSTEM log row because it is not spendable yet.
`transfer_aff_quota` moves pending quota into the wallet, at least one unit
(QUOTA_PER_UNIT) at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from ..core.settings import Settings
from .changes import publish
from .errors import InvalidInput, NotFound
from .logs import SYSTEM, LogEntry
from .tables import Log, User
from .transactions import write_transaction
from .wallet import credit


@dataclass(frozen=True)
class InvitationTotals:
    invited: int  # users who signed up with a code
    inviters: int
    rewarded: int  # quota ever given to inviters
    pending: int  # of which not yet moved to a balance


@dataclass(frozen=True)
class AffInfo:
    aff_code: str
    aff_count: int
    aff_quota: int  # pending: not spendable until transferred
    aff_history_quota: int
    inviter_id: int | None


def aff_info(user_id: int) -> AffInfo:
    row = User.get_or_none(User.id == user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return AffInfo(row.aff_code or "", row.aff_count, row.aff_quota, row.aff_history_quota, row.inviter_id)


def _inviter(aff_code: str, new_user_id: int) -> User:
    code = (aff_code or "").strip().upper()
    inviter = User.get_or_none((User.aff_code == code) & User.deleted_at.is_null()) if code else None
    if inviter is None:
        raise InvalidInput(f"invitation code {aff_code!r} is unknown; check it or sign up without one")
    if inviter.id == new_user_id:
        raise InvalidInput("a user cannot invite themselves")
    return inviter


def apply_invitation(new_user_id: int, aff_code: str, settings: Settings) -> int:
    """Link a new user to the owner of `aff_code` and pay both rewards; returns the inviter's id."""
    inviter = _inviter(aff_code, new_user_id)
    for_inviter, for_invitee = settings["QUOTA_FOR_INVITER"], settings["QUOTA_FOR_INVITEE"]
    with write_transaction():
        linked = User.update(inviter_id=inviter.id).where(
            (User.id == new_user_id) & User.inviter_id.is_null()).execute()
        if not linked:
            if User.get_or_none(User.id == new_user_id) is None:
                raise NotFound(f"no user with id {new_user_id}")
            raise InvalidInput("this user already has an inviter")
        User.update(aff_count=User.aff_count + 1, aff_quota=User.aff_quota + for_inviter,
                    aff_history_quota=User.aff_history_quota + for_inviter).where(User.id == inviter.id).execute()
        if for_inviter:
            Log.insert(LogEntry(SYSTEM, user_id=inviter.id, username=inviter.username, quota=for_inviter,
                                content="invitation reward (pending until transferred to the balance)",
                                other={"invitee_id": new_user_id}).row()).execute()
        if for_invitee:
            credit(new_user_id, for_invitee, "invitation bonus", other={"inviter_id": inviter.id})
    publish("user")
    publish("log")
    return inviter.id


def transfer_aff_quota(user_id: int, settings: Settings, amount: int | None = None) -> int:
    """Move pending invitation quota (all of it by default) into the balance; returns the amount moved."""
    minimum = settings["QUOTA_PER_UNIT"]
    with write_transaction():
        pending = User.select(User.aff_quota).where(User.id == user_id).scalar()
        if pending is None:
            raise NotFound(f"no user with id {user_id}")
        amount = pending if amount is None else amount
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < minimum:
            raise InvalidInput(f"transfer at least {minimum} quota (one unit); {pending} is pending")
        moved = User.update(aff_quota=User.aff_quota - amount).where(
            (User.id == user_id) & (User.aff_quota >= amount)).execute()
        if not moved:
            raise InvalidInput(f"only {pending} invitation quota is pending; {amount} requested")
        credit(user_id, amount, "invitation reward transferred to the balance")
    publish("user")
    publish("log")
    return amount


def totals() -> InvitationTotals:
    """How many users were invited, by how many inviters, and the inviters' rewards (all and pending)."""
    invited = User.select().where(User.inviter_id.is_null(False)).count()
    inviters, rewarded, pending = User.select(
        pw.fn.COUNT(User.id), pw.fn.SUM(User.aff_history_quota), pw.fn.SUM(User.aff_quota)).where(
        User.aff_count > 0).scalar(as_tuple=True)
    return InvitationTotals(invited, inviters or 0, int(rewarded or 0), int(pending or 0))
