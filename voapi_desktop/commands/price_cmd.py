"""`voapi-desktop price set|list` and `group-ratio set`."""

from __future__ import annotations

from ..core.pricing import exact
from ..store import prices as service
from . import audited, given, store_for

COLUMNS = [("model", "MODEL"), ("source", "SOURCE"), ("ratio", "RATIO"), ("completion_ratio", "COMPLETION"),
           ("cache_ratio", "CACHE"), ("cache_write_ratio", "CACHE WRITE"), ("price", "PRICE/CALL (USD)")]


def register(commands, common) -> None:
    price = commands.add_parser("price", help="model prices (ratios or a fixed price per call)")
    actions = price.add_subparsers(dest="action", metavar="ACTION", required=True)

    put = common(actions.add_parser("set", help="set one model's price"))
    put.add_argument("model")
    how = put.add_mutually_exclusive_group(required=True)
    how.add_argument("--ratio", help="model ratio: 1 = $2 per 1M input tokens")
    how.add_argument("--price", help="fixed USD per call (replaces the ratios)")
    put.add_argument("--completion-ratio", help="output tokens cost this many times the input (with --ratio)")
    put.add_argument("--cache-ratio", help="cached input tokens cost this share of the input (with --ratio)")
    put.add_argument("--cache-write-ratio",
                     help="input tokens written to the prompt cache cost this share of the input "
                          "(with --ratio; Claude: 1.25)")
    put.set_defaults(handler=set_price)

    listing = common(actions.add_parser("list", help="every priced model, defaults and your own"),
                     json_output=True)
    listing.set_defaults(handler=list_prices)

    group = commands.add_parser("group-ratio", help="price multiplier per user group")
    group_actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    group_set = common(group_actions.add_parser("set", help="set one group's ratio"))
    group_set.add_argument("group")
    group_set.add_argument("ratio")
    group_set.set_defaults(handler=set_group_ratio)


def set_price(args) -> int:
    if args.price is not None and (args.completion_ratio or args.cache_ratio or args.cache_write_ratio):
        raise ValueError("--completion-ratio, --cache-ratio and --cache-write-ratio go with --ratio, "
                         "not with --price")
    store_for(args)
    fields = dict(ratio=args.ratio, completion_ratio=args.completion_ratio, cache_ratio=args.cache_ratio,
                  cache_write_ratio=args.cache_write_ratio, price=args.price)
    price = service.set_price(args.model, **fields)
    audited(f"set price {args.model.strip()}", given(fields))
    if price.price is not None:
        print(f"{args.model.strip()}: ${float(price.price):g} per call")
    else:
        print(f"{args.model.strip()}: ratio {float(price.ratio):g}, completion ratio "
              f"{float(price.completion_ratio):g}, cache ratio {float(price.cache_ratio):g}, "
              f"cache write ratio {float(price.cache_write_ratio):g}")
    return 0


def list_prices(args) -> int:
    from ..cli import print_rows
    runtime = store_for(args)
    rows = service.list_prices(runtime.settings)
    if not args.json:
        rows = [{k: ("" if v is None else f"{v:g}" if isinstance(v, float) else v)
                 for k, v in vars(row).items()} for row in rows]
    print_rows(rows, COLUMNS, args.json)
    return 0


def set_group_ratio(args) -> int:
    try:
        if exact(args.ratio) < 0:
            raise ValueError
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"the ratio must be a number >= 0, such as 0.8; got {args.ratio!r}") from None
    runtime = store_for(args)
    ratios = service.set_group_ratio(runtime.settings, args.group, args.ratio)
    audited(f"set group ratio {args.group.strip()}", ["GROUP_RATIO"])
    print(f"{args.group.strip()} = {ratios[args.group.strip()]}")
    return 0
