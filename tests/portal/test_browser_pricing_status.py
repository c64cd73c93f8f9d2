"""/pricing and /status in a real browser (Playwright driving Debian's headless Chromium): a vendor click
shows its notice and filters the list, the unit / currency / ratio switches show the server's figures,
the status page draws its hourly cells; desktop and phone screenshots, no page or console errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import add_channel
from voapi_desktop.core import clock
from voapi_desktop.store.logs import CONSUME, ERROR, LogEntry, insert_entries
from voapi_desktop.store.options import set_options

from .browser import MARKS, PHONE, launched, watched_page
from .browser import shoot as browser_shoot

pytestmark = MARKS


@pytest.fixture
def page():
    with launched() as browser, watched_page(browser) as tab:
        yield tab


def shoot(page, name: str) -> None:
    browser_shoot(page, name, settle_ms=150)


def shown_cards(page) -> list[str]:
    return page.eval_on_selector_all(".model-card:not([hidden])", "cards => cards.map(c => c.dataset.model)")


def test_pricing_switches_and_status_in_the_browser(gateway, upstream, page):
    add_channel(upstream, models="gpt-4o-mini,dall-e-3,claude-3-5-sonnet-20241022")
    set_options({"MODEL_INFO": json.dumps({"gpt-4o-mini": {"note": "Small and **fast**", "tags": "chat|cheap"}}),
                 "VENDOR_INFO": json.dumps({"openai": {"desc": "Makers of GPT",
                                                       "notice": "All good <script>window.pwned=1</script>"}})})
    now = clock.now()
    insert_entries([LogEntry(CONSUME, model_name="gpt-4o-mini", use_time=420, created_at=now - h * 3600)
                    for h in range(0, 20, 2)] + [LogEntry(ERROR, model_name="gpt-4o-mini", created_at=now - 3 * 3600)])
    page.goto(f"{gateway.url}/pricing")
    assert sorted(shown_cards(page)) == ["claude-3-5-sonnet-20241022", "dall-e-3", "gpt-4o-mini"]
    mini = page.locator('.model-card[data-model="gpt-4o-mini"]')
    assert mini.locator('.figure[data-key="input"]').text_content() == "$0.15"

    page.click('.vendor-tab[data-vendor="openai"]')
    assert page.locator("#vendor-intro-openai .vendor-notice").is_visible()
    assert "All good" in page.text_content("#vendor-intro-openai .vendor-notice")
    assert sorted(shown_cards(page)) == ["dall-e-3", "gpt-4o-mini"]
    assert page.evaluate("window.pwned") is None

    page.click('.segmented [data-unit="1k"]')
    assert mini.locator('.figure[data-key="input"]').text_content() == "$0.00015"
    assert mini.locator("[data-unit-label]").first.text_content() == "/ 1K tokens"
    page.click('.segmented [data-currency="cny"]')
    assert mini.locator('.figure[data-key="output"]').text_content() == "¥0.00438"
    assert page.locator('.model-card[data-model="dall-e-3"] .figure').text_content() == "¥0.292"
    assert not mini.locator(".ratios").is_visible()
    page.check("#show-ratios")
    assert mini.locator('[data-ratio="model"]').text_content() == "0.075"
    assert mini.locator('[data-ratio="completion"]').is_visible()

    page.click('.vendor-tab[data-vendor=""]')
    page.fill("#pricing-search", "CLAUDE")
    assert shown_cards(page) == ["claude-3-5-sonnet-20241022"]
    page.fill("#pricing-search", "no-such-model")
    assert page.locator("#pricing-empty").is_visible()
    page.fill("#pricing-search", "")
    shoot(page, "pricing")

    page.reload()  # the unit and currency choice is remembered
    assert mini.locator('.figure[data-key="input"]').text_content() == "¥0.001095"

    page.goto(f"{gateway.url}/status")
    row = page.locator('.status-row[data-item="gpt-4o-mini"]')
    assert row.locator(".cell").count() == 24
    assert row.locator(".cell.up").count() == 10 and row.locator(".cell.down").count() == 1
    assert row.locator(".latency").text_content() == "420 ms"
    shoot(page, "status")
    page.set_viewport_size(PHONE)
    box = row.locator(".cells").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the hourly cells fit a phone's width"
