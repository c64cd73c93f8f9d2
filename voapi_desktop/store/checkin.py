"""Daily check-in: once per calendar day (in the TZ setting), a random reward in [min, max].

The reward is credited like a top-up: a TOPUP log row with content "daily check-in"
(TOPUP rather than SYSTEM because it adds spendable quota, so it shows up
wherever top-ups are summed). The check-in row, the balance and the log row are
written in one transaction; the unique (user_id, checkin_date) index turns a
concurrent second check-in into a refusal instead of a second reward.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone

import peewee as pw

from ..core import periods
from ..core.settings import Settings
from .changes import publish
from .errors import InvalidInput, NotFound
from .options import set_option
from .tables import Checkin, User
from .transactions import write_transaction
from .users import STATUS_ENABLED
from .wallet import credit


@dataclass(frozen=True)
class CheckinTotals:
    count: int
    quota: int
    users: int
    today_count: int
    today_quota: int


@dataclass(frozen=True)
class CheckinInfo:
    user_id: int
    checkin_date: str
    quota_awarded: int
    created_at: int


def today(settings: Settings, now: datetime | None = None) -> str:
    """Today's date (YYYY-MM-DD) in the TZ setting."""
    try:
        tz = periods.zone(settings["TZ"])
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return periods.local_date(now or datetime.now(timezone.utc), tz).isoformat()


def check_range(low: int, high: int) -> None:
    """The reward range must not be empty: CHECKIN_MIN_QUOTA <= CHECKIN_MAX_QUOTA."""
    if low > high:
        raise InvalidInput(f"CHECKIN_MIN_QUOTA ({low}) is above CHECKIN_MAX_QUOTA ({high}); "
                           "the smallest reward must not be above the largest")


def _reward(settings: Settings, rng: random.Random | None) -> int:
    low, high = settings["CHECKIN_MIN_QUOTA"], settings["CHECKIN_MAX_QUOTA"]
    check_range(low, high)
    return (rng or random.SystemRandom()).randint(low, high)


def configure(enabled: bool, min_quota: int, max_quota: int) -> None:
    """Save CHECKIN_ENABLED, CHECKIN_MIN_QUOTA and CHECKIN_MAX_QUOTA together, refusing an empty range."""
    for value in (min_quota, max_quota):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput("check-in rewards must be whole numbers of quota units >= 0")
    check_range(min_quota, max_quota)
    with write_transaction():
        set_option("CHECKIN_ENABLED", "true" if enabled else "false")
        set_option("CHECKIN_MIN_QUOTA", str(min_quota))
        set_option("CHECKIN_MAX_QUOTA", str(max_quota))


def check_in(user_id: int, settings: Settings, now: datetime | None = None,
             rng: random.Random | None = None) -> int:
    """Check a user in for today and credit the reward; returns the quota awarded."""
    if not settings["CHECKIN_ENABLED"]:
        raise InvalidInput("daily check-in is turned off (setting CHECKIN_ENABLED)")
    reward = _reward(settings, rng)
    now = now or datetime.now(timezone.utc)
    date = today(settings, now)
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    if user.status != STATUS_ENABLED:
        raise InvalidInput(f"{user.username} is disabled and cannot check in")
    if checked_in(user_id, date):
        raise InvalidInput(f"{user.username} has already checked in today ({date}); come back tomorrow")
    stamp = int(now.timestamp())
    try:
        with write_transaction():
            Checkin.create(user_id=user_id, checkin_date=date, quota_awarded=reward, created_at=stamp)
            credit(user_id, reward, "daily check-in", other={"checkin_date": date}, now=stamp)
    except pw.IntegrityError:  # a concurrent check-in won the unique index
        raise InvalidInput(f"{user.username} has already checked in today ({date}); come back tomorrow") from None
    publish("user")
    publish("log")
    return reward


def checked_in(user_id: int, date: str) -> bool:
    """Whether the user checked in on `date` (YYYY-MM-DD)."""
    return Checkin.select().where((Checkin.user_id == user_id) & (Checkin.checkin_date == date)).exists()


def history(user_id: int, limit: int = 31) -> list[CheckinInfo]:
    """The user's check-ins, newest first."""
    query = Checkin.select().where(Checkin.user_id == user_id).order_by(Checkin.checkin_date.desc()).limit(limit)
    return [CheckinInfo(row.user_id, row.checkin_date, row.quota_awarded, row.created_at) for row in query]


def totals(date: str) -> CheckinTotals:
    """Check-ins ever and on `date` (YYYY-MM-DD): how many, the quota they paid, how many users."""
    count, quota, people = Checkin.select(pw.fn.COUNT(Checkin.id), pw.fn.SUM(Checkin.quota_awarded),
                                          pw.fn.COUNT(Checkin.user_id.distinct())).scalar(as_tuple=True)
    day_count, day_quota = Checkin.select(pw.fn.COUNT(Checkin.id), pw.fn.SUM(Checkin.quota_awarded)).where(
        Checkin.checkin_date == date).scalar(as_tuple=True)
    return CheckinTotals(count or 0, int(quota or 0), people or 0, day_count or 0, int(day_quota or 0))
