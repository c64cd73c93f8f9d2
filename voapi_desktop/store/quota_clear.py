"""USER_DAILY_QUOTA_CLEAR: set every balance to zero at each DAY / WEEK / MONTH boundary (in TZ).

The job remembers, in `job_state`, the start of the last period it cleared.
It clears when the current period started later than that, so after downtime
it catches up once, not once per missed period. The very first run (and the
first run after the setting is turned back on) only records the current period:
turning the feature on must not wipe balances that were topped up minutes ago.
Claiming the period is a conditional UPDATE, so of several instances sharing a
database only one clears. Each cleared balance leaves a SYSTEM log row whose
quota is the amount removed.
"""

from __future__ import annotations

from datetime import datetime

import peewee as pw

from ..core import periods
from ..core.settings import Settings
from .changes import publish
from .errors import InvalidInput
from .logs import SYSTEM, LogEntry
from .tables import JobState, Log, User, database
from .transactions import write_transaction

JOB = "user_quota_clear"
_BATCH = 500


def _current_start(settings: Settings, now: datetime) -> datetime:
    try:
        return periods.period_start(now, settings["USER_DAILY_QUOTA_CLEAR_UNIT"], periods.zone(settings["TZ"]))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def run_quota_clear(settings: Settings, now: datetime) -> int | None:
    """Clear balances if a new period began; the number of balances cleared, or None when nothing ran."""
    if not settings["USER_DAILY_QUOTA_CLEAR"]:
        JobState.delete().where(JobState.name == JOB).execute()
        return None
    start = _current_start(settings, now)
    stored = JobState.get_or_none(JobState.name == JOB)
    if stored is None:
        try:
            JobState.create(name=JOB, value=start.isoformat())
        except pw.IntegrityError:  # another instance recorded it first
            pass
        return None
    if start <= _stored_start(stored.value, start):
        return None
    unit = settings["USER_DAILY_QUOTA_CLEAR_UNIT"]
    with write_transaction():
        claimed = JobState.update(value=start.isoformat()).where(
            (JobState.name == JOB) & (JobState.value == stored.value)).execute()
        if not claimed:  # another instance cleared this period
            return None
        cleared = _clear_all(unit, int(now.timestamp()))
    publish("user")
    publish("log")
    return cleared


def _stored_start(value: str, fallback: datetime) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(value)
        return parsed
    except ValueError:  # unreadable state (edited by hand): treat this period as already cleared
        JobState.update(value=fallback.isoformat()).where(JobState.name == JOB).execute()
        return fallback


def _clear_all(unit: str, stamp: int) -> int:
    query = User.select(User.id, User.username, User.quota).where(User.quota != 0).order_by(User.id)
    if not isinstance(database.obj, pw.SqliteDatabase):  # SQLite's IMMEDIATE transaction already locks
        query = query.for_update()
    count, last_id = 0, 0
    while True:
        rows = list(query.where(User.id > last_id).limit(_BATCH))
        if not rows:
            return count
        Log.insert_many([LogEntry(SYSTEM, user_id=row.id, username=row.username, quota=row.quota,
                                  content=f"balance cleared ({unit})", created_at=stamp).row()
                         for row in rows]).execute()
        User.update(quota=0).where(User.id.in_([row.id for row in rows])).execute()
        count += len(rows)
        last_id = rows[-1].id
