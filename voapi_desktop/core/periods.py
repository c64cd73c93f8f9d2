"""Calendar periods in the operator's time zone: today's date, the start of a day, week or month.

A time zone is a tzinfo, or None for the system's local zone (the TZ setting left
empty). Period starts are computed on the local wall clock and then localized
again, so a month that began before a daylight-saving change gets its own offset.
Weeks start on Monday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNITS = ("DAY", "WEEK", "MONTH")


def zone(name: str) -> tzinfo | None:
    """The tzinfo named by the TZ setting; None (local time) when empty; ValueError when unknown."""
    name = (name or "").strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TZ {name!r} is not a known time zone; use a name such as Asia/Shanghai "
                         "or leave it empty for local time") from None


def local(moment: datetime, tz: tzinfo | None) -> datetime:
    """`moment` (aware) on the wall clock of `tz`."""
    if moment.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def local_date(moment: datetime, tz: tzinfo | None) -> date:
    """The calendar date of `moment` in `tz`."""
    return local(moment, tz).date()


def _localize(day: date, tz: tzinfo | None) -> datetime:
    midnight = datetime(day.year, day.month, day.day)
    return midnight.replace(tzinfo=tz) if tz is not None else midnight.astimezone()


def period_start(moment: datetime, unit: str, tz: tzinfo | None) -> datetime:
    """Midnight (in `tz`) that began the DAY, WEEK (Monday) or MONTH containing `moment`."""
    day = local_date(moment, tz)
    if unit == "DAY":
        start = day
    elif unit == "WEEK":
        start = day - timedelta(days=day.weekday())
    elif unit == "MONTH":
        start = day.replace(day=1)
    else:
        raise ValueError(f"period unit must be one of {', '.join(UNITS)}, got {unit!r}")
    return _localize(start, tz)
