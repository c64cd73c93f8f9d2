"""Epay signing (new-api / one-api compatible), the submit URL, money and the pay-method setting."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from voapi_desktop.core import epay
from voapi_desktop.core.settings import InvalidSetting, find_setting, parse_value

KEY = "abcdef"
PARAMS = {"pid": "1001", "type": "alipay", "out_trade_no": "USR1NO20240101", "name": "VIP",
          "money": "1.00", "notify_url": "http://a.example/notify", "return_url": "http://a.example/return",
          "sign_type": "MD5", "device": ""}
# Sorted by key, the empty `device` and `sign_type` left out, values raw (not URL-encoded), key appended.
BY_HAND = ("money=1.00&name=VIP&notify_url=http://a.example/notify&out_trade_no=USR1NO20240101&pid=1001"
           "&return_url=http://a.example/return&type=alipay" + KEY)
BY_HAND_MD5 = "1baa269f3b3fdc6a296458aadb9d4ba3"


def test_the_signature_matches_a_vector_computed_by_hand():
    assert epay.signing_string(PARAMS, KEY) == BY_HAND
    assert hashlib.md5(BY_HAND.encode()).hexdigest() == BY_HAND_MD5
    assert epay.sign(PARAMS, KEY) == BY_HAND_MD5
    assert epay.sign({**PARAMS, "sign": "anything"}, KEY) == BY_HAND_MD5, "an existing sign is not signed"


def test_signed_params_drop_empty_values_and_verify():
    params = epay.signed(PARAMS, KEY)
    assert "device" not in params
    assert params["sign"] == BY_HAND_MD5 and params["sign_type"] == "MD5"
    assert epay.verify(params, KEY)
    assert epay.verify({**params, "sign": BY_HAND_MD5.upper()}, KEY), "gateways may send upper-case hex"


@pytest.mark.parametrize("change", [{"money": "100.00"}, {"out_trade_no": "USR2NO1"}, {"sign": "0" * 32},
                                    {"sign": ""}, {"extra": "x"}])
def test_a_changed_or_forged_notify_does_not_verify(change):
    assert not epay.verify({**epay.signed(PARAMS, KEY), **change}, KEY)


def test_nothing_verifies_without_a_merchant_key():
    params = epay.signed(PARAMS, "")
    assert not epay.verify(params, ""), "an empty key must never accept a callback"


def test_the_submit_url_carries_every_signed_param():
    params = epay.signed(PARAMS, KEY)
    url = epay.submit_url("https://pay.example/", params)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "pay.example", "/submit.php")
    assert dict(parse_qsl(parts.query)) == params


def test_money_is_exact_to_the_cent():
    assert epay.pay_money(10, 7.3) == Decimal("73.00")
    assert epay.pay_money(3, 0.1) == Decimal("0.30")  # 3 * 0.1 is 0.30000000000000004 in floats
    assert epay.pay_money(1, 7.305) == Decimal("7.31")
    assert epay.parse_money("73") == Decimal("73.00")
    assert epay.parse_money("abc") is None and epay.parse_money("NaN") is None


def test_pay_methods_are_read_from_the_setting():
    setting = find_setting("PayMethods")
    methods = epay.parse_pay_methods(setting.default)
    assert [m.type for m in methods] == ["alipay", "wxpay"]
    custom = parse_value(setting, '[{"name": "USDT", "type": "usdt", "icon": "https://x.example/u.png"}]')
    assert epay.parse_pay_methods(custom) == (epay.PayMethod("USDT", "usdt", "https://x.example/u.png", ""),)


@pytest.mark.parametrize("raw, says", [
    ('{"name": "x"}', "JSON list"),
    ('["alipay"]', "entry 1 must be an object"),
    ('[{"type": "alipay"}]', "'name' is required"),
    ('[{"name": "A", "type": "ali pay"}]', "'type' must be the gateway's code"),
    ('[{"name": "A", "type": "a"}, {"name": "B", "type": "a"}]', "listed twice"),
    ('[{"name": "A", "type": "a", "color": "red;background:url(x)"}]', "'color' must be a CSS colour"),
    ('[{"name": "A", "type": "a", "icon": "javascript:alert(1)"}]', "'icon' must be an image URL"),
    ('[{"name": "A", "type": "a", "price": 1}]', "unknown field 'price'"),
    ('[{"name": 5, "type": "a"}]', "'name' must be text"),
])
def test_a_malformed_pay_method_list_is_refused_with_the_reason(raw, says):
    with pytest.raises(InvalidSetting, match="PAY_METHODS") as refused:
        parse_value(find_setting("PAY_METHODS"), raw)
    assert says in str(refused.value)
