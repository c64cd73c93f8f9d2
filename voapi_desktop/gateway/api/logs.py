"""Usage logs and hourly usage: a user's own (/api/log/self, /api/data/self), everyone's for admins."""

from __future__ import annotations

from dataclasses import replace

from quart import Blueprint, request

from ...core import clock
from ...store.log_queries import LogFilter, LogRow, log_totals, query_logs
from ...store.logs import TYPE_NAMES
from ...store.usage import hourly_usage
from .base import ADMIN, USER, ApiError, api_route, caller, install, int_arg, off_loop, ok, page_args, paged

log_routes = Blueprint("api_logs", __name__)
install(log_routes)

FILTERS = ("type", "model_name", "token_name", "start_timestamp", "end_timestamp", "request_id")
ADMIN_FILTERS = FILTERS + ("username", "channel")
DAY = 24 * 3600


def _filter(admin: bool) -> LogFilter:
    """A LogFilter from new-api's query parameters; `username` and `channel` only for admins."""
    kind = int_arg("type", 0)
    if kind and kind not in TYPE_NAMES:
        raise ApiError(400, f"type must be one of {sorted(TYPE_NAMES)} (0 for all)")
    args = request.args
    return LogFilter(since=int_arg("start_timestamp"), until=_until(), type=kind or None,
                     model=args.get("model_name", ""), token_name=args.get("token_name", ""),
                     request_id=args.get("request_id", ""), search=args.get("keyword", ""),
                     username=args.get("username", "") if admin else "",
                     channel_id=(int_arg("channel") or None) if admin else None)


def _until() -> int | None:
    end = int_arg("end_timestamp")
    return None if end is None else end + 1  # new-api's end is inclusive


def log_view(row: LogRow, admin: bool) -> dict:
    view = {"id": row.id, "created_at": row.created_at, "type": row.type, "content": row.content,
            "username": row.username, "token_name": row.token_name, "model_name": row.model_name,
            "quota": row.quota, "prompt_tokens": row.prompt_tokens, "completion_tokens": row.completion_tokens,
            "use_time": row.use_time, "is_stream": row.is_stream, "group": row.group, "ip": row.ip,
            "request_id": row.request_id}
    if admin:
        view.update(channel=row.channel_id, other=row.other)
    else:  # which upstream served it is the operator's business
        view["other"] = {k: v for k, v in row.other.items() if "channel" not in k and "retry" not in k}
    return view


async def _logs(f: LogFilter, admin: bool):
    page, size = page_args()
    rows, total = await off_loop(query_logs, f, page - 1, size)
    return paged([log_view(r, admin) for r in rows], total, page, size)


async def _stat(f: LogFilter):
    totals = await off_loop(log_totals, f)
    recent = await off_loop(log_totals, replace(f, since=clock.now() - 60, until=None))
    return ok({"quota": totals.quota, "count": totals.requests, "tokens": totals.tokens,
               "rpm": recent.requests, "tpm": recent.tokens})


def _own(f: LogFilter) -> LogFilter:
    return replace(f, username=caller().username, channel_id=None)


@api_route(log_routes, "GET", "/api/log/self", role=USER, query=FILTERS + ("keyword", "p", "page_size"))
async def own_logs():
    """Your usage log, newest first."""
    return await _logs(_own(_filter(False)), False)


@api_route(log_routes, "GET", "/api/log/self/search", role=USER, query=("keyword", "p", "page_size"))
async def search_own_logs():
    """Your log rows that contain every word of `keyword`."""
    return await _logs(_own(_filter(False)), False)


@api_route(log_routes, "GET", "/api/log/self/stat", role=USER, query=FILTERS)
async def own_stat():
    """Quota, requests and tokens of your matching log rows; rpm/tpm over the last minute."""
    return await _stat(_own(_filter(False)))


@api_route(log_routes, "GET", "/api/log/", role=ADMIN, query=ADMIN_FILTERS + ("keyword", "p", "page_size"))
async def all_logs():
    """Everyone's usage log, newest first, with filters."""
    return await _logs(_filter(True), True)


@api_route(log_routes, "GET", "/api/log/search", role=ADMIN, query=("keyword", "p", "page_size"))
async def search_logs():
    """Log rows that contain every word of `keyword`."""
    return await _logs(_filter(True), True)


@api_route(log_routes, "GET", "/api/log/stat", role=ADMIN, query=ADMIN_FILTERS)
async def log_stat():
    """Quota, requests and tokens of the matching log rows; rpm/tpm over the last minute."""
    return await _stat(_filter(True))


def _range() -> tuple[int, int]:
    until = int_arg("end_timestamp") or clock.now()
    since = int_arg("start_timestamp")
    since = until - 7 * DAY if since is None else since
    if since > until:
        raise ApiError(400, "start_timestamp must not be after end_timestamp")
    if until - since > 366 * DAY:
        raise ApiError(400, "ask for at most one year at a time")
    return since, until + 1


def _hourly(rows) -> list[dict]:
    return [{"user_id": r.user_id, "username": r.username, "model_name": r.model_name,
             "created_at": r.created_at, "token_used": r.token_used, "count": r.count, "quota": r.quota}
            for r in rows]


@api_route(log_routes, "GET", "/api/data/self", role=USER, query=("start_timestamp", "end_timestamp"))
async def own_usage():
    """Your hourly usage per model (default: the last 7 days)."""
    since, until = _range()
    return ok(_hourly(await off_loop(hourly_usage, since, until, caller().id)))


@api_route(log_routes, "GET", "/api/data/", role=ADMIN, query=("start_timestamp", "end_timestamp", "username"))
async def all_usage():
    """Everyone's hourly usage per user and model (or one `username`'s)."""
    since, until = _range()
    return ok(_hourly(await off_loop(hourly_usage, since, until, None, request.args.get("username", ""))))
