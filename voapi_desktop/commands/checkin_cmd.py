"""`voapi-desktop checkin --user U`: the daily check-in, on a user's behalf."""

from __future__ import annotations

import json

from ..store.checkin import check_in
from ..store.users import find_user, get_user
from . import audited, store_for


def register(commands, common) -> None:
    checkin = common(commands.add_parser("checkin", help="check a user in for today's reward"), json_output=True)
    checkin.add_argument("--user", required=True, help="username")
    checkin.set_defaults(handler=run_checkin)


def run_checkin(args) -> int:
    runtime = store_for(args)
    user = find_user(args.user)
    reward = check_in(user.id, runtime.settings)
    audited(f"check in user {user.id}", ["quota"])
    balance = get_user(user.id).quota
    if args.json:
        print(json.dumps({"username": user.username, "quota_awarded": reward, "balance": balance}))
    else:
        print(f"{user.username} checked in: +{reward} quota; balance {balance}")
    return 0
