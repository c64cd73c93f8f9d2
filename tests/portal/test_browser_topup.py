"""Online top-up in a real browser (Playwright driving Debian's headless Chromium) against a live gateway
and a fake Epay on 127.0.0.1: the wallet offers the operator's two pay channels, a payment whose notice
arrives twice credits once, forged notices change nothing. Screenshots: build/screenshots/portal-topup-*.png."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakes.epay import KEY, PID, FakeEpay
from voapi_desktop.core.pricing import to_display
from voapi_desktop.store import topup, users
from voapi_desktop.store.logs import TOPUP, list_logs
from voapi_desktop.store.options import set_options

from .browser import DESKTOP, MARKS, PHONE, SHOTS, launched, watched_page
from .conftest import PASSWORD, add_user

QUOTA_PER_UNIT, PRICE = 500_000, 7.3
NOTIFY = "/api/user/epay/notify"
METHODS = [{"name": "USDT (TRC20)", "type": "usdt", "icon": "usdt", "color": "#26a17b"},
           {"name": "QQ 钱包", "type": "qqpay"}]

pytestmark = MARKS


@pytest.fixture
def fake_epay(gateway):
    """A fake Epay that notifies twice and sends the browser back, configured as the gateway's top-up."""
    fake = FakeEpay(notify_times=2, send_back=True).start()
    set_options({"TOPUP_ENABLED": "true", "PAY_ADDRESS": fake.url, "EPAY_ID": PID, "EPAY_KEY": KEY,
                 "EPAY_PRICE": str(PRICE), "MIN_TOP_UP": "2", "SERVER_ADDRESS": gateway.url,
                 "PAY_METHODS": json.dumps(METHODS, ensure_ascii=False)})
    yield fake
    fake.stop()


@pytest.fixture
def page():
    with launched() as browser, watched_page(browser) as page:
        yield page


def money(quota: int) -> str:
    return to_display(quota, "USD", QUOTA_PER_UNIT, PRICE)


def api(page, method: str, path: str, body: dict | None = None) -> dict:
    """A call from the signed-in page, as the portal's own scripts make it."""
    return page.evaluate("""([method, path, body]) => fetch(path, {
        method, credentials: "same-origin",
        headers: {"Content-Type": "application/json", "New-Api-User": document.body.dataset.userId || ""},
        body: body === null ? undefined : JSON.stringify(body)}).then(r => r.json())""", [method, path, body])


def test_a_top_up_paid_at_the_fake_epay_credits_once_and_forgeries_change_nothing(gateway, fake_epay, page):
    start = 1_000_000
    buyer = add_user("buyer", quota=start)
    url, amount = gateway.url, 10
    quota = amount * QUOTA_PER_UNIT

    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", "buyer")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{url}/console/wallet")
    assert page.text_content("#balance") == money(start) == "$2"

    section = page.locator("#topup")
    assert section.is_visible()
    buttons = section.locator("button[data-pay-type]")
    assert [buttons.nth(i).get_attribute("data-pay-type") for i in range(buttons.count())] == ["usdt", "qqpay"]
    assert [" ".join(buttons.nth(i).text_content().split()) for i in range(2)] == ["USDT (TRC20)", "QQ 钱包"]
    page.fill("#topup-amount", str(amount))
    assert page.text_content("#topup-money") == f"{amount * PRICE:.2f}" == "73.00"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the sidebar slides out of view when the width shrinks
        assert section.is_visible() and section.bounding_box()["width"] <= size["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]  # no sideways scrolling
        page.evaluate("window.scrollTo(0, 0)")  # a full-page shot scrolled down draws the sticky header mid-page
        page.screenshot(path=SHOTS / f"portal-topup-{size['width']}.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    with page.expect_navigation(url=f"{url}/console/wallet") as back:
        buttons.nth(0).click()
    hops = []  # the wallet <- /api/user/epay/return <- the fake Epay's submit page
    request = back.value.request
    while request is not None:
        hops.append(request.url)
        request = request.redirected_from
    assert [urlsplit(hop).path for hop in hops] == ["/console/wallet", "/api/user/epay/return", "/submit.php"]
    assert hops[2].startswith(fake_epay.url + "/submit.php?")
    back_query = dict(parse_qsl(urlsplit(hops[1]).query))  # the signed notice, as a real Epay sends it back
    assert back_query["trade_status"] == "TRADE_SUCCESS"
    submitted = dict(parse_qsl(urlsplit(hops[2]).query))
    assert submitted["type"] == "usdt" and submitted["money"] == "73.00"
    assert submitted["notify_url"] == url + NOTIFY and submitted["return_url"] == url + "/api/user/epay/return"
    trade_no = submitted["out_trade_no"]

    notices = [(params["out_trade_no"], status, text) for params, status, text in fake_epay.notices]
    assert notices == [(trade_no, 200, "success")] * 2  # the gateway retried; both answered success
    assert page.text_content("#balance") == money(start + quota) == "$12"
    assert users.find_user("buyer").quota == start + quota
    orders = topup.list_orders(buyer.id)
    assert [(o.trade_no, o.status, o.quota, o.money) for o in orders] == [(trade_no, "success", quota, "73.00")]
    history = api(page, "GET", "/api/user/topup/self")
    assert history["success"] and [(o["trade_no"], o["status"]) for o in history["data"]["items"]] == [
        (trade_no, "success")]
    logs = list_logs(type=TOPUP, username="buyer")
    assert len(logs) == 1 and logs[0]["quota"] == quota and logs[0]["other"]["trade_no"] == trade_no

    placed = api(page, "POST", "/api/user/pay", {"amount": 3, "payment_method": "qqpay"})  # left unpaid
    assert placed["success"] and placed["data"]["money"] == "21.90", placed
    pending = placed["data"]
    paid = {**submitted}
    forgeries = [
        (pending, {"key": "guessed-key"}, "signature"),  # wrong signature
        (pending, {"money": "2190"}, "costs 21.90"),  # the right signature, another amount
        (pending, {"money": "0.01"}, "costs 21.90"),
        (paid, {"key": "guessed-key", "money": "730.00"}, "signature"),
        (paid, {"money": "730.00"}, "costs 73.00"),
    ]
    for order, forgery, says in forgeries:
        changes = dict(forgery)
        key = changes.pop("key", None)
        answer = fake_epay.send(url + NOTIFY, fake_epay.notice(order, key=key, **changes), method="POST")
        assert answer.status_code == 400 and answer.text.startswith("fail") and says in answer.text, answer.text

    assert topup.get_order(pending["out_trade_no"]).status == "pending"
    assert topup.get_order(trade_no).status == "success"
    assert users.find_user("buyer").quota == start + quota
    assert len(list_logs(type=TOPUP, username="buyer")) == 1
    page.reload()
    assert page.text_content("#balance") == money(start + quota)
    history = api(page, "GET", "/api/user/topup/self")["data"]["items"]
    assert sorted((o["money"], o["status"]) for o in history) == [("21.90", "pending"), ("73.00", "success")]
