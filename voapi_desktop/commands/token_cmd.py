"""`voapi-desktop token create|list`."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ..core.keys import mask_key
from ..store import tokens as service
from ..store.users import find_user
from . import audited, given, store_for

COLUMNS = [("id", "ID"), ("name", "NAME"), ("username", "USER"), ("key", "KEY"), ("state", "STATE"),
           ("remain_quota", "REMAIN"), ("used_quota", "USED"), ("models", "MODELS"), ("expires", "EXPIRES")]


def register(commands, common) -> None:
    token = commands.add_parser("token", help="manage API keys")
    actions = token.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = common(actions.add_parser("create", help="create a key; prints the full sk-... key once"),
                    json_output=True)
    create.add_argument("--name", required=True)
    create.add_argument("--user", default="root", help="owner's username (default root)")
    quota = create.add_mutually_exclusive_group()
    quota.add_argument("--quota", type=int, default=None, help="quota units (500000 = 1 USD)")
    quota.add_argument("--unlimited", action="store_true")
    create.add_argument("--models", default="", help="comma-separated allow-list (default: all)")
    create.add_argument("--expires", default="", help="ISO 8601 date/time (default: never)")
    create.add_argument("--allow-ips", default="", help="comma-separated IPs / CIDRs (default: any)")
    create.add_argument("--group", default="", help="group to use (default: the owner's)")
    create.set_defaults(handler=create_token)

    listing = common(actions.add_parser("list", help="list keys (masked)"), json_output=True)
    listing.set_defaults(handler=list_tokens)


def parse_expiry(text: str) -> int:
    if not text:
        return -1
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--expires must be an ISO 8601 date or date-time, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return int(moment.astimezone(timezone.utc).timestamp())


def create_token(args) -> int:
    store_for(args)
    owner = find_user(args.user)
    fields = dict(quota=args.quota or 0, unlimited=args.unlimited or args.quota is None,
                  models=[m for m in args.models.split(",") if m.strip()], expires_at=parse_expiry(args.expires),
                  allow_ips=args.allow_ips, group=args.group)
    info = service.create_token(owner.id, args.name, **fields)
    audited(f"create token {info.name}", ["username", "name", *given(fields)])
    key = "sk-" + info.key
    print(json.dumps({"id": info.id, "name": info.name, "key": key}) if args.json else key)
    return 0


def _row(info: service.TokenInfo, now: int) -> dict:
    return {"id": info.id, "name": info.name, "user_id": info.user_id, "username": info.username,
            "key": mask_key(info.key), "state": info.state(now), "unlimited_quota": info.unlimited_quota,
            "remain_quota": "unlimited" if info.unlimited_quota else info.remain_quota,
            "used_quota": info.used_quota, "models": ",".join(sorted(info.model_limits)),
            "allow_ips": info.allow_ips, "group": info.group,
            "expires": "never" if info.expired_time == -1 else
            datetime.fromtimestamp(info.expired_time).isoformat(timespec="minutes")}


def list_tokens(args) -> int:
    from ..cli import print_rows
    from ..core import clock
    store_for(args)
    now = clock.now()
    print_rows([_row(info, now) for info in service.list_tokens()], COLUMNS, args.json)
    return 0
