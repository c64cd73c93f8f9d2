"""Calendar periods in a time zone: the day, Monday-started week and month containing a moment."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from voapi_desktop.core import periods

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("unit, expected", [
    ("DAY", datetime(2025, 3, 5, tzinfo=SHANGHAI)),
    ("WEEK", datetime(2025, 3, 3, tzinfo=SHANGHAI)),  # Monday
    ("MONTH", datetime(2025, 3, 1, tzinfo=SHANGHAI)),
])
def test_period_start(unit, expected):
    moment = datetime(2025, 3, 5, 13, 45, tzinfo=SHANGHAI)  # a Wednesday
    assert periods.period_start(moment, unit, SHANGHAI) == expected


def test_a_monday_is_the_start_of_its_own_week():
    monday = datetime(2025, 3, 10, 0, 0, tzinfo=SHANGHAI)
    assert periods.period_start(monday, "WEEK", SHANGHAI) == monday


def test_the_date_is_taken_in_the_zone():
    moment = datetime(2025, 3, 1, 16, 30, tzinfo=timezone.utc)
    assert periods.local_date(moment, SHANGHAI).isoformat() == "2025-03-02"
    assert periods.local_date(moment, ZoneInfo("UTC")).isoformat() == "2025-03-01"


def test_a_month_start_before_a_dst_change_keeps_its_own_offset():
    after_change = datetime(2025, 3, 20, 12, 0, tzinfo=NEW_YORK)  # EDT, -4
    start = periods.period_start(after_change, "MONTH", NEW_YORK)
    assert start.utcoffset().total_seconds() == -5 * 3600  # 1 March was EST
    assert start.astimezone(timezone.utc) == datetime(2025, 3, 1, 5, 0, tzinfo=timezone.utc)


def test_empty_zone_means_local_time():
    assert periods.zone("") is None
    moment = datetime(2025, 3, 5, 12, 0, tzinfo=timezone.utc)
    start = periods.period_start(moment, "DAY", None)
    assert start.tzinfo is not None and start <= moment
    assert (start.hour, start.minute) == (0, 0)


def test_unknown_zone_unit_and_naive_moments_are_refused():
    with pytest.raises(ValueError, match="not a known time zone"):
        periods.zone("Mars/Olympus")
    with pytest.raises(ValueError, match="DAY, WEEK, MONTH"):
        periods.period_start(datetime.now(timezone.utc), "YEAR", SHANGHAI)
    with pytest.raises(ValueError, match="timezone-aware"):
        periods.local_date(datetime(2025, 1, 1), SHANGHAI)
