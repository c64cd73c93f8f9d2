"""`voapi-desktop user add|list|passwd|topup`."""

from __future__ import annotations

import getpass
import json

from ..store import users as service
from ..store.wallet import top_up as wallet_top_up
from . import audited, store_for

COLUMNS = [("id", "ID"), ("username", "USERNAME"), ("role_name", "ROLE"), ("status", "STATUS"),
           ("group", "GROUP"), ("quota", "QUOTA"), ("used_quota", "USED"), ("request_count", "REQUESTS")]


def register(commands, common) -> None:
    user = commands.add_parser("user", help="manage users")
    actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = common(actions.add_parser("add", help="add a user"), json_output=True)
    add.add_argument("--username", required=True)
    add.add_argument("--password", required=True)
    add.add_argument("--quota", type=int, default=0)
    add.add_argument("--group", default="default")
    add.add_argument("--role", choices=("user", "admin"), default="user")
    add.set_defaults(handler=add_user)

    listing = common(actions.add_parser("list", help="list users"), json_output=True)
    listing.set_defaults(handler=list_users)

    passwd = common(actions.add_parser("passwd", help="change a user's password"))
    passwd.add_argument("username")
    passwd.add_argument("--password", help="new password (asked for when missing)")
    passwd.set_defaults(handler=change_password)

    topup = common(actions.add_parser("topup", help="add quota to a user's balance (negative deducts)"))
    topup.add_argument("username")
    topup.add_argument("--quota", type=int, required=True, help="quota units (500000 = 1 USD)")
    topup.add_argument("--reason", default="", help="a note for the log")
    topup.set_defaults(handler=top_up)


def add_user(args) -> int:
    store_for(args)
    info = service.create_user(args.username, args.password, role=service.ROLES[args.role], quota=args.quota,
                               group=args.group)
    audited(f"create user {info.username}", ["username", "password", "role", "quota", "group"])
    print(json.dumps({"id": info.id, "username": info.username}) if args.json else info.id)
    return 0


def _row(info: service.UserInfo) -> dict:
    return {"id": info.id, "username": info.username, "role": info.role, "role_name": info.role_name,
            "status": "enabled" if info.enabled else "disabled", "group": info.group, "quota": info.quota,
            "used_quota": info.used_quota, "request_count": info.request_count, "email": info.email}


def list_users(args) -> int:
    from ..cli import print_rows
    store_for(args)
    print_rows([_row(info) for info in service.list_users()], COLUMNS, args.json)
    return 0


def change_password(args) -> int:
    store_for(args)
    password = args.password or getpass.getpass("new password: ")
    user = service.find_user(args.username)
    service.set_password(user.id, password)
    audited(f"set password of user {user.id}", ["password"])
    print(f"password of {args.username} changed")
    return 0


def top_up(args) -> int:
    store_for(args)
    user = service.find_user(args.username)
    balance = wallet_top_up(user.id, args.quota, args.reason)
    audited(f"{'top up' if args.quota > 0 else 'deduct quota of'} user {user.id}", ["quota"])
    print(f"{user.username}: {args.quota:+d} quota; balance {balance}")
    return 0
