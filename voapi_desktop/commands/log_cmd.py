"""`voapi-desktop log list|export|prune`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..core import periods
from ..store.log_archive import delete_logs_before, export_logs_csv
from ..store.logs import TYPE_NAMES, list_logs
from . import audited, store_for

TYPES = {name: value for value, name in TYPE_NAMES.items()}
COLUMNS = [("id", "ID"), ("time", "TIME"), ("type_name", "TYPE"), ("username", "USER"), ("token_name", "TOKEN"),
           ("model_name", "MODEL"), ("quota", "QUOTA"), ("prompt_tokens", "PROMPT"),
           ("completion_tokens", "COMPLETION"), ("content", "CONTENT")]


def register(commands, common) -> None:
    log = commands.add_parser("log", help="usage logs")
    actions = log.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = common(actions.add_parser("list", help="newest log rows first"), json_output=True)
    listing.add_argument("--type", choices=tuple(TYPES), help="only rows of this type")
    listing.add_argument("--token", help="only rows of this token name")
    listing.add_argument("--user", help="only rows of this username")
    listing.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    listing.set_defaults(handler=list_rows)

    export = common(actions.add_parser("export", help="write a time range of logs to a CSV file"))
    export.add_argument("--since", required=True, help="start: ISO date or date-time (in TZ), inclusive")
    export.add_argument("--until", help="end: ISO date (that whole day included) or date-time (excluded)")
    export.add_argument("--out", required=True, help="the CSV file to write")
    export.set_defaults(handler=export_rows)

    prune = common(actions.add_parser("prune", help="delete logs older than a date"))
    prune.add_argument("--before", required=True, help="ISO date or date-time (in TZ); older rows are deleted")
    prune.set_defaults(handler=prune_rows)


def parse_moment(text: str, tz, flag: str, *, end: bool = False) -> int:
    """Unix seconds of an ISO date or date-time; a bare date at `end` means the end of that day."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip()) + timedelta(days=1 if end else 0)
            moment = datetime(day.year, day.month, day.day)
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{flag} must be an ISO 8601 date (2025-01-31) or date-time, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz) if tz is not None else moment.astimezone()
    return int(moment.timestamp())


def list_rows(args) -> int:
    from ..cli import print_rows
    tz = periods.zone(store_for(args).settings["TZ"])
    if args.limit < 1:
        raise ValueError("--limit must be at least 1")
    rows = list_logs(type=TYPES[args.type] if args.type else None, token_name=args.token, username=args.user,
                     limit=args.limit)
    for row in rows:
        row["type_name"] = TYPE_NAMES.get(row["type"], "unknown")
        row["time"] = datetime.fromtimestamp(row["created_at"], tz).isoformat(sep=" ", timespec="seconds")
    print_rows(rows, COLUMNS, args.json)
    return 0


def export_rows(args) -> int:
    runtime = store_for(args)
    tz = periods.zone(runtime.settings["TZ"])
    since = parse_moment(args.since, tz, "--since")
    until = parse_moment(args.until, tz, "--until", end=True) if args.until else None
    count = export_logs_csv(args.out, since, until, tz=tz)
    print(f"wrote {count} rows to {args.out}")
    return 0


def prune_rows(args) -> int:
    runtime = store_for(args)
    before = parse_moment(args.before, periods.zone(runtime.settings["TZ"]), "--before")
    deleted = delete_logs_before(before)
    audited(f"delete logs before {args.before}")
    print(f"deleted {deleted} rows")
    return 0
