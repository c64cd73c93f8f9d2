"""The key form in a real browser, in English and in Chinese: a group chosen from the user's usable groups
(with their price ratios) and a quota typed in the display unit, stored as the exact integer quota the
note under the field announced (half up, core.pricing.from_display), read back through the REST API."""

from __future__ import annotations

import json

import httpx
import pytest

from voapi_desktop.core.pricing import from_display, to_display
from voapi_desktop.store.options import set_options

from .browser import MARKS, launched, shoot, watched_page
from .conftest import PASSWORD, add_user, sign_in

pytestmark = MARKS

CASES = {  # locale -> display unit, amount typed, what the page says
    "en-US": {"unit": "CNY", "amount": "10", "label": "Quota limit, in yuan (¥)", "stored": "stored as {} quota units",
              "vip": "vip — Fast lane (price ×0.8)", "mine": "Your group: default (price ×1)"},
    "zh-CN": {"unit": "USD", "amount": "2.5", "label": "额度上限（美元 $）", "stored": "将保存为 {} 单位额度",
              "vip": "vip — Fast lane（倍率 ×0.8）", "mine": "我的分组：default（倍率 ×1）"},
}


@pytest.fixture(scope="module")
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture(params=sorted(CASES))
def locale(request) -> str:
    return request.param


@pytest.fixture
def page(browser, gateway, locale):
    with watched_page(browser, base_url=gateway.url, locale=locale, failed_responses=True) as opened:
        yield opened


def open_keys_page(page, username: str) -> None:
    add_user(username)
    page.goto("/console/login?next=%2Fconsole%2Fkeys")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/console/keys")


def stored_tokens(gateway, username: str) -> list[dict]:
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        client.headers["New-Api-User"] = str(sign_in(client, username))
        return client.get("/api/token/").json()["data"]["items"]


def test_a_key_with_a_usable_group_and_a_quota_in_the_display_unit(gateway, page, locale):
    case = CASES[locale]
    set_options({"GROUP_RATIO": json.dumps({"default": 1, "vip": 0.8}), "QUOTA_DISPLAY_TYPE": case["unit"],
                 "USD_EXCHANGE_RATE": "7.3",
                 "USER_USABLE_GROUPS": json.dumps({"default": "Default", "vip": "Fast lane", "gone": "no ratio"})})
    quota = from_display(case["amount"], case["unit"], 500_000, "7.3")
    open_keys_page(page, "gina")
    page.wait_for_selector("#group-field:not([hidden])")
    assert page.locator("#group-field option").all_text_contents() == [case["mine"], case["vip"]]
    page.fill("#key-form input[name=name]", "fast")
    page.select_option("#key-form select[name=group]", "vip")
    page.uncheck("#key-form input[name=unlimited_quota]")
    assert case["label"] in page.text_content("#quota-field")
    page.fill("#quota-amount", case["amount"])
    assert page.text_content("#quota-stored") == case["stored"].format(f"{quota:,}")
    shoot(page, f"keys-form-{locale}")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#new-key:not([hidden])")
    [token] = stored_tokens(gateway, "gina")
    assert (token["group"], token["remain_quota"], token["unlimited_quota"]) == ("vip", quota, False)
    row = page.locator("#keys-table tr", has_text="fast").text_content()
    assert to_display(quota, case["unit"], 500_000, "7.3") in row and "vip" in row


def test_the_group_choice_is_hidden_with_one_usable_group_and_a_bad_amount_is_refused(gateway, page):
    set_options({"USER_USABLE_GROUPS": "{}", "QUOTA_DISPLAY_TYPE": "USD"})
    open_keys_page(page, "hank")
    page.wait_for_function("document.querySelectorAll('#group-field option').length === 1")
    assert page.locator("#group-field").is_hidden()
    page.fill("#key-form input[name=name]", "cheap")
    page.uncheck("#key-form input[name=unlimited_quota]")
    for bad in ("", "-1", "1e3", "2,5"):
        page.fill("#quota-amount", bad)
        assert page.eval_on_selector("#quota-amount", "e => !e.checkValidity()"), bad
        assert page.text_content("#quota-stored") == ""
    page.fill("#quota-amount", "0.0000011")  # 0.55 quota units: half up
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#new-key:not([hidden])")
    [token] = stored_tokens(gateway, "hank")
    assert (token["group"], token["remain_quota"]) == ("", 1)
