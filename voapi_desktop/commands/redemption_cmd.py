"""`voapi-desktop redemption create|redeem|list|disable`."""

from __future__ import annotations

import json
from datetime import datetime

from ..core.keys import mask_key
from ..store import redemptions as service
from ..store.users import find_user, get_user
from . import audited, store_for
from .token_cmd import parse_expiry

COLUMNS = [("id", "ID"), ("name", "NAME"), ("key", "CODE"), ("status", "STATUS"), ("quota", "QUOTA"),
           ("used_user_id", "USED BY"), ("expires", "EXPIRES")]


def register(commands, common) -> None:
    redemption = commands.add_parser("redemption", help="redemption codes (top-up vouchers)")
    actions = redemption.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = common(actions.add_parser("create", help="create codes; prints them (once)"), json_output=True)
    create.add_argument("--quota", type=int, required=True, help="quota units per code (500000 = 1 USD)")
    create.add_argument("--count", type=int, default=1, help="how many codes, 1-100 (default 1)")
    create.add_argument("--name", default="", help="a label shown in lists and logs")
    create.add_argument("--expires", default="", help="ISO 8601 date/time (default: never)")
    create.set_defaults(handler=create_codes)

    redeem = common(actions.add_parser("redeem", help="credit a code to a user"))
    redeem.add_argument("code")
    redeem.add_argument("--user", required=True, help="username to credit")
    redeem.set_defaults(handler=redeem_code)

    listing = common(actions.add_parser("list", help="codes, newest first (masked)"), json_output=True)
    listing.add_argument("--reveal", action="store_true", help="show the codes in full")
    listing.set_defaults(handler=list_codes)

    disable = common(actions.add_parser("disable", help="disable an unused code"))
    disable.add_argument("code")
    disable.set_defaults(handler=disable_code)


def create_codes(args) -> int:
    store_for(args)
    codes = service.create_codes(args.name, args.quota, args.count, max(parse_expiry(args.expires), 0))
    audited(f"create redemption codes {args.name}".strip(), ["name", "quota", "count", "expires_at"])
    print(json.dumps(codes) if args.json else "\n".join(codes))
    return 0


def redeem_code(args) -> int:
    store_for(args)
    user = find_user(args.user)
    credited = service.redeem(args.code, user.id)
    audited(f"redeem redemption code {_code_id(args.code)} for user {user.id}", ["quota"])
    print(f"credited {credited} quota to {user.username}; balance {get_user(user.id).quota}")
    return 0


def _row(info: service.CodeInfo, reveal: bool) -> dict:
    return {"id": info.id, "name": info.name, "key": info.key if reveal else mask_key(info.key),
            "status": info.status_name, "quota": info.quota, "used_user_id": info.used_user_id or "",
            "redeemed_time": info.redeemed_time, "created_time": info.created_time,
            "expires": "never" if not info.expired_time else
            datetime.fromtimestamp(info.expired_time).isoformat(timespec="minutes")}


def list_codes(args) -> int:
    from ..cli import print_rows
    store_for(args)
    print_rows([_row(info, args.reveal) for info in service.list_codes()], COLUMNS, args.json)
    return 0


def disable_code(args) -> int:
    store_for(args)
    service.disable_code(args.code)
    audited(f"disable redemption code {_code_id(args.code)}", ["status"])
    print("code disabled")
    return 0


def _code_id(key: str) -> str:
    """A code in an audit row is named by its id: the key is the voucher itself."""
    return next((str(c.id) for c in service.list_codes(limit=1_000_000) if c.key == key.strip().lower()), "?")
