"""Read-only log queries: filtered, paged log rows and dashboard totals (blocking: call off the GUI/loop)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import peewee as pw

from ..core import clock, periods
from .logs import CONSUME, ERROR
from .tables import Log


@dataclass(frozen=True)
class LogRow:
    id: int
    created_at: int
    type: int
    username: str
    token_name: str
    model_name: str
    channel_id: int
    quota: int
    prompt_tokens: int
    completion_tokens: int
    use_time: int
    is_stream: bool
    ip: str
    request_id: str
    group: str
    content: str
    other: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class LogFilter:
    since: int | None = None
    until: int | None = None
    type: int | None = None
    model: str = ""
    username: str = ""
    token_name: str = ""
    channel_id: int | None = None
    request_id: str = ""
    search: str = ""


def _where(f: LogFilter):
    conditions = []
    if f.since is not None:
        conditions.append(Log.created_at >= f.since)
    if f.until is not None:
        conditions.append(Log.created_at < f.until)
    if f.type is not None:
        conditions.append(Log.type == f.type)
    if f.model.strip():
        conditions.append(Log.model_name.contains(f.model.strip()))
    for column, value in ((Log.username, f.username), (Log.token_name, f.token_name),
                          (Log.request_id, f.request_id)):
        if value.strip():
            conditions.append(column == value.strip())
    if f.channel_id is not None:
        conditions.append(Log.channel_id == f.channel_id)
    for word in f.search.split():
        conditions.append(Log.content.contains(word) | Log.model_name.contains(word)
                          | Log.request_id.contains(word) | Log.username.contains(word))
    return conditions


def _row(data: dict) -> LogRow:
    other = data.pop("other") or ""
    try:
        parsed = json.loads(other) if other else {}
    except ValueError:
        parsed = {"raw": other}
    data.pop("user_id", None)
    data.pop("token_id", None)
    return LogRow(**data, other=parsed if isinstance(parsed, dict) else {"raw": parsed})


def query_logs(f: LogFilter, page: int = 0, page_size: int = 50) -> tuple[list[LogRow], int]:
    """One page of matching rows, newest first, and how many match in all."""
    query = Log.select()
    conditions = _where(f)
    if conditions:
        query = query.where(*conditions)
    total = query.count()
    rows = query.order_by(Log.id.desc()).offset(page * page_size).limit(page_size).dicts()
    return [_row(dict(r)) for r in rows], total


@dataclass(frozen=True)
class PeriodStats:
    requests: int = 0
    errors: int = 0
    tokens: int = 0
    quota: int = 0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class ModelUsage:
    model: str
    requests: int
    tokens: int
    quota: int


@dataclass(frozen=True)
class DashboardStats:
    today: PeriodStats
    week: PeriodStats
    month: PeriodStats
    models: list[ModelUsage]  # last 7 days, most requests first


def _period(since: int) -> PeriodStats:
    tokens = Log.prompt_tokens + Log.completion_tokens
    row = (Log.select(pw.fn.COUNT(Log.id).alias("n"),
                      pw.fn.SUM(pw.Case(None, [(Log.type == ERROR, 1)], 0)).alias("errors"),
                      pw.fn.SUM(tokens).alias("tokens"), pw.fn.SUM(Log.quota).alias("quota"))
           .where((Log.created_at >= since) & Log.type.in_((CONSUME, ERROR))).dicts().get())
    return PeriodStats(row["n"] or 0, int(row["errors"] or 0), int(row["tokens"] or 0), int(row["quota"] or 0))


def _models(since: int, limit: int) -> list[ModelUsage]:
    tokens = pw.fn.SUM(Log.prompt_tokens + Log.completion_tokens)
    query = (Log.select(Log.model_name, pw.fn.COUNT(Log.id).alias("n"), tokens.alias("tokens"),
                        pw.fn.SUM(Log.quota).alias("quota"))
             .where((Log.created_at >= since) & (Log.type == CONSUME))
             .group_by(Log.model_name).order_by(pw.fn.COUNT(Log.id).desc()).limit(limit).dicts())
    return [ModelUsage(r["model_name"] or "?", r["n"], int(r["tokens"] or 0), int(r["quota"] or 0)) for r in query]


def dashboard_stats(tz, now: int | None = None, top_models: int = 8) -> DashboardStats:
    """Requests, errors, tokens and quota for today, 7 and 30 days (calendar days in `tz`)."""
    moment = datetime.fromtimestamp(now or clock.now()).astimezone()
    today = periods.period_start(moment, "DAY", tz)
    week = int((today - timedelta(days=6)).timestamp())
    month = int((today - timedelta(days=29)).timestamp())
    return DashboardStats(_period(int(today.timestamp())), _period(week), _period(month), _models(week, top_models))


@dataclass(frozen=True)
class LogTotals:
    requests: int
    tokens: int
    quota: int


def log_totals(f: LogFilter) -> LogTotals:
    """How many rows match, their tokens and their quota (for /api/log/stat)."""
    query = Log.select(pw.fn.COUNT(Log.id), pw.fn.SUM(Log.prompt_tokens + Log.completion_tokens),
                       pw.fn.SUM(Log.quota))
    conditions = _where(f)
    if conditions:
        query = query.where(*conditions)
    count, tokens, quota = query.scalar(as_tuple=True)
    return LogTotals(count or 0, int(tokens or 0), int(quota or 0))
