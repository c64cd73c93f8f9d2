"""Online top-up through Epay (易支付), with new-api's paths.

The user asks for a quote (`POST /api/user/amount`) and places an order
(`POST /api/user/pay`), which answers the signed parameters and the gateway's
submit URL. The gateway calls `/api/user/epay/notify` once paid: the signature,
the merchant, the trade status, the order and its money are checked, then the
order is credited exactly once (store.topup). The notify answers Epay's plain
`success` / `fail...` text, never the JSON envelope.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from quart import Blueprint, Response, redirect, request

from ...core import epay
from ...store import topup
from ...store.errors import InvalidInput, NotFound
from .base import (PUBLIC, USER, api_route, caller, critical_limit, field_of, install, json_body, off_loop, ok,
                   page_args, page_of, settings)

log = logging.getLogger(__name__)
WALLET_PATH = "/console/wallet"
NOTIFY_PATH = "/api/user/epay/notify"
RETURN_PATH = "/api/user/epay/return"

topup_routes = Blueprint("api_topup", __name__)
install(topup_routes)


def pay_methods(current) -> tuple[epay.PayMethod, ...]:
    return epay.parse_pay_methods(current["PAY_METHODS"])  # the value passed its check when loaded


def topup_info(current) -> dict:
    """What the wallet shows: whether top-up is on, its price and minimum, the pay channels."""
    methods = [{"name": m.name, "type": m.type, "icon": m.icon, "color": m.color} for m in pay_methods(current)]
    on = topup.enabled(current) and bool(methods)
    return {"enabled": on, "enable_online_topup": on, "price": current["EPAY_PRICE"],
            "min_topup": current["MIN_TOP_UP"], "quota_per_unit": current["QUOTA_PER_UNIT"],
            "pay_methods": methods if on else []}


@topup_routes.app_template_global("topup_offer")
def topup_offer() -> dict:
    """The portal's wallet: the top-up section's facts (its `enabled` hides the section)."""
    return topup_info(settings())


@api_route(topup_routes, "GET", "/api/user/topup/info", role=USER)
async def info():
    """Whether online top-up is on, the price per US dollar, the minimum and the pay channels."""
    return ok(topup_info(settings()))


@api_route(topup_routes, "POST", "/api/user/amount", role=USER, body={"amount": "integer"})
async def quote():
    """What `amount` US dollars of quota cost in the local currency (a decimal string)."""
    amount = field_of(await json_body(), "amount", "integer", required=True)
    money, _ = topup.order_terms(amount, settings())
    return ok(f"{money:.2f}", "success")


def _base_url(*addresses: str) -> str:
    for address in addresses:
        if str(address).strip():
            return str(address).strip().rstrip("/")
    return request.host_url.rstrip("/")


@api_route(topup_routes, "POST", "/api/user/pay", role=USER,
           body={"amount": "integer", "payment_method": "string"})
async def pay():
    """Place an order of `amount` US dollars paid with `payment_method`; answers the Epay URL and parameters."""
    data = await json_body()
    amount = field_of(data, "amount", "integer", required=True)
    method = field_of(data, "payment_method", "string", required=True)
    current = settings()
    if not topup.enabled(current):
        raise InvalidInput("online top-up is turned off")
    money, quota = topup.order_terms(amount, current)
    offered = [m.type for m in pay_methods(current)]
    if method not in offered:
        raise InvalidInput(f"unknown payment method {method[:32]!r}; choose one of: {', '.join(offered)}")
    await critical_limit()
    order = await off_loop(topup.create_order, caller().id, amount, money, quota, method)
    params = epay.signed({
        "pid": str(current["EPAY_ID"]).strip(), "type": method, "out_trade_no": order.trade_no,
        "name": f"TUC{amount}", "money": order.money,
        "notify_url": _base_url(current["CUSTOM_CALLBACK_ADDRESS"], current["SERVER_ADDRESS"]) + NOTIFY_PATH,
        "return_url": _base_url(current["SERVER_ADDRESS"]) + RETURN_PATH}, current["EPAY_KEY"])
    return ok(params, "success", url=epay.submit_url(str(current["PAY_ADDRESS"]).strip(), params))


def _order_view(order: topup.OrderInfo) -> dict:
    return {"id": order.id, "trade_no": order.trade_no, "amount": order.amount, "money": order.money,
            "quota": order.quota, "payment_method": order.payment_method, "status": order.status,
            "create_time": order.create_time, "complete_time": order.complete_time}


@api_route(topup_routes, "GET", "/api/user/topup/self", role=USER, query=("p", "page_size"))
async def own_orders():
    """Your top-up orders, newest first."""
    page, size = page_args()
    orders = await off_loop(topup.list_orders, caller().id)
    return page_of([_order_view(o) for o in orders], page, size)


async def _notify_params() -> dict[str, str]:
    params = dict(request.args.items())
    if request.method == "POST" and (request.mimetype or "") == "application/x-www-form-urlencoded":
        raw = await request.get_data(cache=True)
        params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


async def _settle(params: dict[str, str]) -> Response:
    current = settings()
    if not epay.verify(params, current["EPAY_KEY"]):
        return _text("fail: the signature does not verify", 400)
    if params.get("pid", "").strip() != str(current["EPAY_ID"]).strip():
        return _text("fail: the notice is for another merchant", 400)
    if params.get("trade_status") != epay.TRADE_SUCCESS:
        return _text(f"fail: trade_status is not {epay.TRADE_SUCCESS}", 400)
    paid = epay.parse_money(params.get("money", ""))
    if paid is None:
        return _text("fail: money is not an amount", 400)
    try:
        credited = await off_loop(topup.complete_order, params.get("out_trade_no", ""), paid,
                                  params.get("trade_no", ""))
    except NotFound:
        return _text("fail: no such order", 404)
    except InvalidInput as exc:
        return _text(f"fail: {exc}", 400)
    log.info("epay order %s %s", params.get("out_trade_no"), "credited" if credited else "was already credited")
    return _text("success")


async def _notify() -> Response:
    params = await _notify_params()
    answer = await _settle(params)
    if answer.status_code != 200:
        log.warning("epay notify refused for order %r from %s: %s", params.get("out_trade_no", "")[:64],
                    request.remote_addr, (await answer.get_data(as_text=True))[:200])
    return answer


@api_route(topup_routes, "GET", NOTIFY_PATH, role=PUBLIC, answers="text")
async def notify():
    """The Epay gateway's signed paid notice (answers `success`, or `fail: why`)."""
    return await _notify()


@api_route(topup_routes, "POST", NOTIFY_PATH, role=PUBLIC, answers="text")
async def notify_form():
    """The Epay gateway's signed paid notice, form-encoded (answers `success`, or `fail: why`)."""
    return await _notify()


@api_route(topup_routes, "GET", RETURN_PATH, role=PUBLIC, answers="redirect")
async def back_from_payment():
    """Where the payment page sends the browser back: the wallet (the notify does the crediting)."""
    return redirect(WALLET_PATH)
