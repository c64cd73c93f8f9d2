"""`voapi-desktop option get|set|list`: any setting of the settings table, validated by its type."""

from __future__ import annotations

import json

from ..core.settings import SETTINGS, find_setting
from ..store.options import set_option
from . import audited, store_for


def register(commands, common) -> None:
    option = commands.add_parser("option", help="read and change settings")
    actions = option.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = common(actions.add_parser("get", help="print one setting"))
    get.add_argument("key")
    get.set_defaults(handler=get_option)
    put = common(actions.add_parser("set", help="change one setting (stored in the database)"))
    put.add_argument("key")
    put.add_argument("value")
    put.set_defaults(handler=set_value)
    listing = common(actions.add_parser("list", help="every setting with its value and source"), json_output=True)
    listing.set_defaults(handler=list_options)


def get_option(args) -> int:
    settings = store_for(args).settings
    setting = find_setting(args.key)
    print(settings.display(setting.name, reveal=settings["OFF_SETTING_KEY_HIDE"]))
    return 0


def set_value(args) -> int:
    store_for(args)
    name, value = set_option(args.key, args.value)
    audited(f"set option {name}", [name])
    print(f"{name} = {json.dumps(value, default=str) if not isinstance(value, str) else value}")
    return 0


def list_options(args) -> int:
    from ..cli import print_rows
    settings = store_for(args).settings
    reveal = settings["OFF_SETTING_KEY_HIDE"]
    rows = [{"name": s.name, "value": _short(settings.display(s.name, reveal=reveal), args.json), "type": s.type,
             "source": settings.source(s.name), "help": s.help} for s in SETTINGS]
    print_rows(rows, [("name", "NAME"), ("value", "VALUE"), ("source", "SOURCE"), ("type", "TYPE")], args.json)
    return 0


def _short(text: str, full: bool, width: int = 60) -> str:
    if full:
        return text
    text = text.replace("\n", " | ")
    return text if len(text) <= width else text[:width - 1] + "…"
