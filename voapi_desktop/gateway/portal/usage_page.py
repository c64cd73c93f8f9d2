"""The usage page: the user's own log rows with filters, paging and per-model totals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from urllib.parse import urlencode

from quart import request

from ...core import clock
from ...store.log_queries import LogFilter, log_totals, query_logs
from ...store.logs import CONSUME, TYPE_NAMES
from ...store.usage import hourly_usage
from .blueprint import portal_routes
from .context import console_page, render

PAGE_SIZE = 20
DEFAULT_DAYS = 7


@dataclass
class ModelTotal:
    model: str
    requests: int = 0
    tokens: int = 0
    quota: int = 0


class BadFilter(ValueError):
    """A filter the user typed that cannot be used; shown above the table (a text key and its fields)."""

    def __init__(self, key: str, **fields: str):
        super().__init__(key)
        self.key, self.fields = key, fields


def _day(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadFilter("console.usage.bad_date", value=raw) from None


def _stamp(day: date) -> int:
    return int(datetime.combine(day, time.min).timestamp())


def read_filter(username: str) -> tuple[LogFilter, dict]:
    """The LogFilter of the query string (always the user's own rows) and the values to show back."""
    args = request.args
    until_day = _day("to") or datetime.fromtimestamp(clock.now()).date()
    since_day = _day("from") or until_day - timedelta(days=DEFAULT_DAYS - 1)
    if since_day > until_day:
        raise BadFilter("console.usage.bad_range")
    kind = args.get("type", "").strip()
    if kind and kind not in TYPE_NAMES.values():
        raise BadFilter("console.usage.bad_type", value=kind)
    type_id = next((k for k, v in TYPE_NAMES.items() if v == kind), None)
    shown = {"from": since_day.isoformat(), "to": until_day.isoformat(), "type": kind,
             "model": args.get("model", "").strip()[:100], "token": args.get("token", "").strip()[:100]}
    return LogFilter(since=_stamp(since_day), until=_stamp(until_day + timedelta(days=1)), type=type_id,
                     model=shown["model"], username=username, token_name=shown["token"]), shown


def model_totals(user_id: int, f: LogFilter) -> list[ModelTotal]:
    """Requests, tokens and quota per model over the filter's time range, largest spend first."""
    totals: dict[str, ModelTotal] = {}
    for row in hourly_usage(f.since, f.until, user_id):
        if f.model and f.model not in row.model_name:
            continue
        total = totals.setdefault(row.model_name, ModelTotal(row.model_name))
        total.requests += row.count
        total.tokens += row.token_used
        total.quota += row.quota
    return sorted(totals.values(), key=lambda t: (-t.quota, t.model))


def usage_facts(user_id: int, f: LogFilter, page: int) -> dict:
    """One page of rows, their count, the spend (consume rows, unless another type is asked for), per model."""
    rows, total = query_logs(f, page - 1, PAGE_SIZE)
    sums = log_totals(f if f.type is not None else replace(f, type=CONSUME))
    return {"rows": rows, "total": total, "sums": sums, "models": model_totals(user_id, f)}


def _page_number() -> int:
    raw = request.args.get("p", "1").strip()
    return min(int(raw), 10**6) if raw.isdigit() and int(raw) > 0 else 1


@portal_routes.get("/console/usage")
@console_page
async def usage_page(user):
    try:
        f, shown = read_filter(user.username)
        error = None
    except BadFilter as exc:
        now = clock.now()
        f, shown = LogFilter(username=user.username, since=now - DEFAULT_DAYS * 86400, until=now + 1), {}
        error = (exc.key, exc.fields)
    page = _page_number()
    facts = await asyncio.to_thread(usage_facts, user.id, f, page)
    pages = max(1, -(-facts["total"] // PAGE_SIZE))
    query = urlencode({k: v for k, v in shown.items() if v})
    return await render("usage.html", title="console.usage.title", error=error, filters=shown, page=page, pages=pages, query=query,
                        types=list(TYPE_NAMES.values()), type_names=TYPE_NAMES,
                        sums_label="console.usage.spent" if f.type in (None, CONSUME) else "console.usage.amount", **facts)
