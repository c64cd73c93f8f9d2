"""Online top-up through a fake Epay gateway on 127.0.0.1: an order credits exactly once, whatever the notices."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.fakes.epay import KEY, PID, FakeEpay
from tests.gateway.api.conftest import PASSWORD, add_user
from voapi_desktop.store import topup, users
from voapi_desktop.store.logs import TOPUP, list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import User

QUOTA_PER_UNIT = 500_000
NOTIFY = "/api/user/epay/notify"


@pytest.fixture
def epay_gateway(gateway):
    fake = FakeEpay().start()
    for key, value in (("PAY_ADDRESS", fake.url), ("EPAY_ID", PID), ("EPAY_KEY", KEY), ("EPAY_PRICE", "7.3"),
                       ("MIN_TOP_UP", "2"), ("SERVER_ADDRESS", gateway.url)):
        set_option(key, value)
    yield fake
    fake.stop()


@pytest.fixture
def buyer(api, epay_gateway):
    user = add_user("buyer")
    api.login("buyer")
    return user


def balance(username: str = "buyer") -> int:
    return User.get(User.username == username).quota


def place_order(api, amount: int = 10, method: str = "alipay") -> tuple[str, dict]:
    answer = api.call("POST", "/api/user/pay", json={"amount": amount, "payment_method": method})
    body = answer.json()
    assert answer.status_code == 200 and body["success"] is True, body
    return body["url"], body["data"]


def test_info_lists_price_minimum_and_the_default_pay_channels(api, buyer):
    info = api.ok("GET", "/api/user/topup/info")
    assert info["enabled"] is True and info["price"] == 7.3 and info["min_topup"] == 2
    assert [m["type"] for m in info["pay_methods"]] == ["alipay", "wxpay"]


def test_a_paid_order_credits_its_quota_exactly_once(api, buyer, epay_gateway, gateway):
    assert api.ok("POST", "/api/user/amount", json={"amount": 10}) == "73.00"
    url, params = place_order(api, 10)
    assert url.startswith(epay_gateway.url + "/submit.php?")
    assert dict(parse_qsl(urlsplit(url).query)) == params
    assert params["money"] == "73.00" and params["notify_url"] == gateway.url + NOTIFY

    paid = httpx.get(url, timeout=10)  # the browser at the payment page; the gateway calls notify
    assert paid.status_code == 200 and paid.text.endswith("success"), paid.text
    assert balance() == 10 * QUOTA_PER_UNIT
    order = topup.get_order(params["out_trade_no"])
    assert order.status == "success" and order.gateway_trade_no.startswith("EP")
    logs = list_logs(type=TOPUP, username="buyer")
    assert len(logs) == 1 and logs[0]["quota"] == 10 * QUOTA_PER_UNIT
    assert logs[0]["other"]["trade_no"] == params["out_trade_no"]
    orders = api.ok("GET", "/api/user/topup/self")["items"]
    assert [(o["trade_no"], o["status"], o["money"]) for o in orders] == [(params["out_trade_no"], "success", "73.00")]

    notice = epay_gateway.notices[0][0]
    again = epay_gateway.send(gateway.url + NOTIFY, notice, method="POST")  # a retried notice, form-encoded
    assert (again.status_code, again.text) == (200, "success")
    assert balance() == 10 * QUOTA_PER_UNIT
    assert len(list_logs(type=TOPUP, username="buyer")) == 1


def test_the_same_notice_sent_concurrently_credits_once(api, buyer, epay_gateway, gateway):
    set_option("GLOBAL_API_RATE_LIMIT_ENABLE", "false")
    _, params = place_order(api, 3)
    notice = epay_gateway.notice(params)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: epay_gateway.send(gateway.url + NOTIFY, notice), range(32)))
    assert {(a.status_code, a.text) for a in answers} == {(200, "success")}
    assert balance() == 3 * QUOTA_PER_UNIT
    assert len(list_logs(type=TOPUP, username="buyer")) == 1


@pytest.mark.parametrize("forgery, status, says", [
    ({"key": "guessed-key"}, 400, "signature"),
    ({"out_trade_no": "USR1NO000000000000"}, 404, "no such order"),
    ({"money": "0.01"}, 400, "costs 21.90"),
    ({"money": "2190"}, 400, "costs 21.90"),
    ({"money": "lots"}, 400, "money"),
    ({"pid": "9999"}, 400, "another merchant"),
    ({"trade_status": "WAIT_BUYER_PAY"}, 400, "trade_status"),
])
def test_forged_unknown_or_mismatched_notices_credit_nothing(api, buyer, epay_gateway, gateway, forgery, status,
                                                             says):
    _, params = place_order(api, 3)
    key = forgery.pop("key", None)
    answer = epay_gateway.send(gateway.url + NOTIFY, epay_gateway.notice(params, key=key, **forgery))
    assert answer.status_code == status and answer.text.startswith("fail") and says in answer.text, answer.text
    assert balance() == 0
    assert topup.get_order(params["out_trade_no"]).status == "pending"
    assert list_logs(type=TOPUP, username="buyer") == []


def test_an_unsigned_notice_and_one_with_no_merchant_key_are_refused(api, buyer, epay_gateway, gateway):
    _, params = place_order(api, 3)
    notice = epay_gateway.notice(params)
    answer = httpx.get(gateway.url + NOTIFY, params={k: v for k, v in notice.items() if k != "sign"})
    assert answer.status_code == 400 and "signature" in answer.text
    set_option("EPAY_KEY", "")  # with no key nothing verifies, not even a notice signed with the empty key
    answer = epay_gateway.send(gateway.url + NOTIFY, epay_gateway.notice(params, key=""))
    assert answer.status_code == 400 and "signature" in answer.text
    assert balance() == 0


def test_top_up_turned_off_is_refused_and_hidden(api, buyer):
    set_option("TOPUP_ENABLED", "false")
    info = api.ok("GET", "/api/user/topup/info")
    assert info["enabled"] is False and info["pay_methods"] == []
    assert "turned off" in api.refused("POST", "/api/user/pay", json={"amount": 10, "payment_method": "alipay"})
    assert 'id="topup"' not in api.call("GET", "/console/wallet").text
    assert topup.list_orders(User.get(User.username == "buyer").id) == []


def test_without_a_gateway_address_top_up_is_off(api, gateway, store):
    add_user("early")
    api.login("early")
    assert api.ok("GET", "/api/user/topup/info")["enabled"] is False
    assert "turned off" in api.refused("POST", "/api/user/pay", json={"amount": 10, "payment_method": "alipay"})


def test_operator_defined_pay_channels_are_listed_and_only_they_are_accepted(api, buyer, new_api):
    methods = ('[{"name": "USDT (TRC20)", "type": "usdt", "icon": "https://img.example/usdt.png", "color": "#26a17b"},'
               ' {"name": "QQ 钱包", "type": "qqpay"}]')
    set_option("PayMethods", methods)
    info = api.ok("GET", "/api/user/topup/info")
    assert [(m["name"], m["type"]) for m in info["pay_methods"]] == [("USDT (TRC20)", "usdt"), ("QQ 钱包", "qqpay")]
    _, params = place_order(api, 2, "usdt")
    assert topup.get_order(params["out_trade_no"]).user_id == users.find_user("buyer").id
    assert params["type"] == "usdt" and params["money"] == "14.60"
    assert "choose one of: usdt, qqpay" in api.refused("POST", "/api/user/pay",
                                                       json={"amount": 2, "payment_method": "alipay"})
    page = api.call("GET", "/console/wallet").text
    assert 'data-pay-type="usdt"' in page and 'data-pay-type="qqpay"' in page and "QQ 钱包" in page
    users.set_password(users.find_user("root").id, PASSWORD)
    root = new_api()
    root.login("root")
    message = root.refused("PUT", "/api/option/", json={"key": "PayMethods", "value": '[{"name": "x", "type": ""}]'})
    assert "'type' must be" in message
    assert len(api.ok("GET", "/api/user/topup/info")["pay_methods"]) == 2


@pytest.mark.parametrize("body, status, says", [
    ({"amount": 1, "payment_method": "alipay"}, 200, "smallest top-up is 2"),
    ({"amount": 0, "payment_method": "alipay"}, 200, "smallest top-up is 2"),
    ({"amount": -5, "payment_method": "alipay"}, 200, "smallest top-up is 2"),
    ({"amount": 10**7, "payment_method": "alipay"}, 200, "largest top-up"),
    ({"amount": 2.5, "payment_method": "alipay"}, 400, "'amount' must be an integer"),
    ({"amount": "10", "payment_method": "alipay"}, 400, "'amount' must be an integer"),
    ({"payment_method": "alipay"}, 400, "'amount' is required"),
    ({"amount": 10}, 400, "'payment_method' is required"),
    ({"amount": 10, "payment_method": "bitcoin"}, 200, "unknown payment method"),
])
def test_bad_orders_are_refused_with_a_message(api, buyer, body, status, says):
    assert says in api.refused("POST", "/api/user/pay", status=status, json=body)
    assert topup.list_orders(User.get(User.username == "buyer").id) == []


def test_ordering_needs_a_signed_in_user(gateway, epay_gateway):
    answer = httpx.post(gateway.url + "/api/user/pay", json={"amount": 10, "payment_method": "alipay"})
    assert answer.status_code == 401 and answer.json()["success"] is False


def test_the_wallet_shows_the_top_up_form_and_the_return_goes_back_to_it(api, buyer, gateway):
    page = api.call("GET", "/console/wallet").text
    assert 'id="topup-form"' in page and 'data-pay-type="alipay"' in page and "/api/user/pay" in page
    assert "New-Api-User" in page
    back = httpx.get(gateway.url + "/api/user/epay/return?out_trade_no=x", follow_redirects=False)
    assert back.status_code in (302, 303) and back.headers["location"].endswith("/console/wallet")
