"""The public /pricing and /status pages, server-rendered against a live gateway: the visitor's group's
models and nothing else, figures equal to the price table's, operator text sanitized, status cells
counted from planted consume / error log rows."""

from __future__ import annotations

import html
import json
import re
from fractions import Fraction

import pytest

from tests.conftest import add_channel
from voapi_desktop.core import clock
from voapi_desktop.core.price_display import decimal_text
from voapi_desktop.core.pricing import tokens_cost
from voapi_desktop.store.logs import CONSUME, ERROR, LogEntry, insert_entries
from voapi_desktop.store.options import InvalidOption, set_options
from voapi_desktop.store.users import find_user, update_user

from .conftest import add_user, sign_in, store_raw_option

XSS = "**bold** <script>window.pwned=1</script> <img src=x onerror=alert(1)> [link](javascript:alert(1))"


def cards(page: str) -> dict[str, str]:
    """Each model card's HTML by model name."""
    found = re.findall(r'<article class="model-card" data-model="([^"]+)"(.*?)</article>', page, re.S)
    return {html.unescape(name): body for name, body in found}


def figure(card: str, key: str, unit: str, currency: str) -> str:
    tag = re.search(rf'<strong class="figure" data-key="{key}"[^>]*>', card).group(0)
    return html.unescape(re.search(rf'data-figure-{unit}-{currency}="([^"]*)"', tag).group(1))


def expected(gateway, model: str, group_ratio: Fraction, tokens: int, output: bool, currency: str) -> str:
    """The figure the price table gives, through core.pricing (500,000 units = $1, 7.3 CNY per USD)."""
    price = gateway.state.snapshots.current.prices.find(model)
    usd = tokens_cost(price, group_ratio, tokens, output) / 500_000
    return "$" + decimal_text(usd) if currency == "usd" else "¥" + decimal_text(usd * Fraction("7.3"))


@pytest.fixture
def priced(gateway, upstream):
    add_channel(upstream, "main", models="gpt-4o-mini,dall-e-3,mystery-model")
    add_channel(upstream, "vip", models="claude-3-5-sonnet-20241022,gpt-4o-mini", group="vip")
    set_options({"GROUP_RATIO": json.dumps({"default": 1, "vip": 0.5})})
    return gateway


def test_a_visitor_sees_the_default_groups_models_at_the_price_tables_figures(priced, browser_client):
    page = browser_client.get("/pricing").text
    shown = cards(page)
    assert set(shown) == {"gpt-4o-mini", "dall-e-3", "mystery-model"}, "a vip-only model is not listed"
    mini = shown["gpt-4o-mini"]
    for unit, tokens in (("1k", 1_000), ("1m", 1_000_000)):
        for currency in ("usd", "cny"):
            for output in (False, True):
                key = "output" if output else "input"
                assert figure(mini, key, unit, currency) == expected(priced, "gpt-4o-mini", Fraction(1), tokens,
                                                                     output, currency)
    assert figure(mini, "input", "1m", "usd") == "$0.15" and figure(mini, "output", "1m", "usd") == "$0.6"
    assert figure(mini, "input", "1k", "cny") == "¥0.001095"
    assert 'data-ratio="model">0.075<' in mini and 'data-ratio="completion">4<' in mini
    dalle = shown["dall-e-3"]
    assert figure(dalle, "call", "1k", "usd") == figure(dalle, "call", "1m", "usd") == "$0.04"
    assert figure(dalle, "call", "1m", "cny") == "¥0.292" and "/ call" in dalle
    assert "No price is set" in shown["mystery-model"] and 'data-vendor="other"' in page
    assert 'data-vendor="openai"' in page and ">OpenAI <" in page


def test_a_signed_in_user_sees_their_groups_models_with_the_group_ratio(priced, browser_client):
    user = add_user("vera")
    update_user(user.id, display_name="", email="", role=user.role, group="vip")
    sign_in(browser_client, "vera")
    shown = cards(browser_client.get("/pricing").text)
    assert set(shown) == {"claude-3-5-sonnet-20241022", "gpt-4o-mini"}
    claude = shown["claude-3-5-sonnet-20241022"]
    assert figure(claude, "input", "1m", "usd") == expected(priced, "claude-3-5-sonnet-20241022", Fraction(1, 2),
                                                            1_000_000, False, "usd") == "$1.5"
    assert figure(claude, "output", "1k", "cny") == expected(priced, "claude-3-5-sonnet-20241022", Fraction(1, 2),
                                                             1_000, True, "cny")
    assert 'data-ratio="group">0.5<' in claude
    assert find_user("vera").group == "vip"


def test_operator_model_and_vendor_text_is_sanitized(priced, browser_client):
    set_options({"MODEL_INFO": json.dumps({"mystery-model": {"note": XSS, "tags": "chat|<b>x</b>", "group": "acme",
                                                             "icon": "javascript:alert(1)"},
                                           "gpt-4o-mini": {"icon": "/icons/mini.png"}}),
                 "VENDOR_INFO": json.dumps({"acme": {"name": "Acme <i>AI</i>", "desc": "Acme **intro**",
                                                     "notice": XSS, "icon": "\" onerror=\"alert(1)"}})})
    page = browser_client.get("/pricing").text
    assert "<script>window.pwned" not in page and "<img src=x" not in page and "<i>AI</i>" not in page
    assert not re.search(r'(href|src)="\s*javascript:', page) and not re.search(r"<[^>]+ onerror=", page)
    mystery = cards(page)["mystery-model"]
    assert 'data-vendor="acme"' in mystery and "<strong>bold</strong>" in mystery
    assert '<span class="badge">&lt;b&gt;x&lt;/b&gt;</span>' in mystery
    intro = re.search(r'<section class="card vendor-intro" id="vendor-intro-acme".*?</section>', page, re.S).group(0)
    assert "<strong>intro</strong>" in intro and 'class="markdown vendor-notice"' in intro
    assert '<img class="model-icon" src="/icons/mini.png"' in cards(page)["gpt-4o-mini"]


def test_a_model_info_of_the_wrong_shape_is_refused_and_a_stored_one_ignored(priced, browser_client, caplog):
    with pytest.raises(InvalidOption, match="MODEL_INFO must be a JSON object of model name"):
        set_options({"MODEL_INFO": json.dumps(["not", "an", "object"])})
    store_raw_option("MODEL_INFO", json.dumps({"gpt-4o-mini": {"note": "Fast", "colour": "red"}}))
    response = browser_client.get("/pricing")
    assert response.status_code == 200 and "gpt-4o-mini" in cards(response.text) and "Fast" not in response.text
    assert "stored option MODEL_INFO ignored" in caplog.text and "unknown field(s) colour" in caplog.text


def plant(model: str, hours_ago: int, ok: int, errors: int, use_time: int = 100, channel_id: int = 1) -> list[LogEntry]:
    at = clock.now() - hours_ago * 3600
    return ([LogEntry(CONSUME, model_name=model, use_time=use_time, channel_id=channel_id, created_at=at)] * ok
            + [LogEntry(ERROR, model_name=model, channel_id=channel_id, created_at=at)] * errors)


def status_rows(page: str) -> dict[str, str]:
    found = re.findall(r'<section class="card status-row" data-item="([^"]+)"(.*?)</section>', page, re.S)
    return {html.unescape(name): body for name, body in found}


def cells(row: str) -> list[tuple[str, int, int]]:
    return [(state, int(ok), int(errors)) for state, ok, errors in
            re.findall(r'<span class="cell (\w+)" data-start="\d+" data-ok="(\d+)" data-errors="(\d+)"', row)]


def test_status_buckets_consume_and_error_rows_by_hour(gateway, browser_client):
    insert_entries(plant("gpt-4o-mini", 0, 4, 0, use_time=200) + plant("gpt-4o-mini", 1, 9, 1)
                   + plant("gpt-4o-mini", 2, 0, 2) + plant("gpt-4o-mini", 30, 50, 0)
                   + plant("claude-3-haiku", 5, 1, 0, use_time=1500))
    page = browser_client.get("/status").text
    rows = status_rows(page)
    assert list(rows) == ["claude-3-haiku", "gpt-4o-mini"], "every model with traffic, no configured items"
    mini = cells(rows["gpt-4o-mini"])
    assert len(mini) == 24
    assert mini[-1] == ("up", 4, 0) and mini[-2] == ("degraded", 9, 1) and mini[-3] == ("down", 0, 2)
    assert all(cell == ("idle", 0, 0) for cell in mini[:-3]), "rows older than 24 hours are not counted"
    assert ">81.25%<" in rows["gpt-4o-mini"] and ">200 ms<" in rows["gpt-4o-mini"]
    assert ">1.50 s<" in rows["claude-3-haiku"] and cells(rows["claude-3-haiku"])[-6] == ("up", 1, 0)


def test_status_shows_the_operators_items_by_models_and_by_channel_tag(gateway, upstream, browser_client):
    line = add_channel(upstream, "line-a", tag="line-a")
    other = add_channel(upstream, "other")
    insert_entries(plant("gpt-4o-mini", 0, 3, 1, channel_id=line.id) + plant("gpt-4o", 0, 2, 0, channel_id=other.id)
                   + plant("o1-mini", 0, 0, 5, channel_id=other.id))
    set_options({"MONITOR_ITEMS": json.dumps([{"name": "GPT <4o>", "models": ["gpt-4o", "gpt-4o-mini"]},
                                              {"name": "Line A", "channel_tag": "line-a"}])})
    rows = status_rows(browser_client.get("/status").text)
    assert list(rows) == ["GPT <4o>", "Line A"], "only the configured items, o1-mini is not shown"
    assert cells(rows["GPT <4o>"])[-1] == ("degraded", 5, 1)
    assert cells(rows["Line A"])[-1] == ("down", 3, 1)


@pytest.mark.parametrize("value, message", [
    ('{"name": "x"}', "must be a JSON list"),
    ('[{"name": "x"}]', "either 'models'"),
    ('[{"name": "x", "models": []}]', "list of 1 to"),
    ('[{"name": "x", "channel_tag": "a", "color": "red"}]', "unknown field 'color'"),
    ('[{"name": "x", "channel_tag": "a"}, {"name": "x", "channel_tag": "b"}]', "used twice"),
])
def test_a_monitor_items_setting_of_the_wrong_shape_is_refused_with_the_reason(store, value, message):
    with pytest.raises(InvalidOption, match=re.escape(message)):
        set_options({"MONITOR_ITEMS": value})


def test_status_with_no_traffic_says_so(gateway, browser_client):
    response = browser_client.get("/status", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200 and "最近 24 小时内还没有请求" in response.text
