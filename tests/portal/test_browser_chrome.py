"""The site chrome in a real browser at phone width: the slide-out sidebar shows the menus, the language
switch turns the page Chinese, the notice banner stays dismissed. Screenshots: portal-chrome-<width>.png."""

from __future__ import annotations

import pytest

from voapi_desktop.store.options import set_options

from .browser import DESKTOP, MARKS, PHONE, SHOTS, launched, watched_page
from .conftest import PASSWORD, add_user

pytestmark = MARKS


@pytest.fixture
def phone_page(gateway):
    """A phone-sized page of a fresh browser; page errors, console errors and failed answers fail the test."""
    with launched() as browser, watched_page(browser, failed_responses=True, viewport=PHONE,
                                             base_url=gateway.url) as page:
        yield page


def shoot(page, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"portal-chrome-{width}.png")


def test_phone_sidebar_menu_language_switch_and_notice(gateway, phone_page):
    page = phone_page
    set_options({"NOTICE": "**Maintenance** tonight <script>window.pwned = 1</script>", "THEME_COLOR": "#7b3fe4",
                 "PORTAL_TOP_MENU": '[{"name": "Blog", "url": "https://blog.example.org/", "icon": "★"}]',
                 "PORTAL_SIDEBAR_MENU": '[{"name": "Support", "url": "/support"}]'})
    add_user("alice", quota=1_000_000)
    assert page.request.post("/api/user/login", data={"username": "alice", "password": PASSWORD}).ok
    page.goto("/console/wallet")
    sidebar_pricing = page.locator("#sidebar a[href='/pricing']")
    assert not page.locator(".top-menu").is_visible() and not sidebar_pricing.is_visible()
    assert page.evaluate("window.pwned") is None
    page.click(".menu-button")
    sidebar_pricing.wait_for(state="visible")
    page.wait_for_timeout(250)  # the slide-in transition
    for text in ("Home", "Docs", "Playground", "Blog", "Support", "Wallet", "API keys", "简体中文"):
        assert page.locator("#sidebar a", has_text=text).first.is_visible(), text
    assert page.get_attribute(".menu-button", "aria-expanded") == "true"
    shoot(page, PHONE["width"])

    page.click("#sidebar a[hreflang='zh-CN']")
    page.wait_for_selector("html[lang='zh-CN']")
    assert page.text_content("h1") == "钱包" and page.get_attribute(".menu-button", "aria-label") == "菜单"
    assert page.evaluate("JSON.parse(document.body.dataset.texts)['js.copied']") == "已复制"

    page.click("[data-dismiss-notice]")
    assert not page.locator("#notice-banner").is_visible()
    page.reload()
    assert not page.locator("#notice-banner").is_visible(), "a dismissed notice stays closed"

    page.set_viewport_size(DESKTOP)
    assert page.locator(".top-menu a[href='/pricing']").is_visible() and not page.locator(".menu-button").is_visible()
    assert page.locator(".top-menu").get_by_text("模型价格").is_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == "#7b3fe4"
    page.click(".lang-menu summary")
    page.click(".lang-list a[hreflang='en']")
    page.wait_for_selector("html[lang='en']")
    assert page.text_content("h1") == "Wallet"
    page.click(".lang-menu summary")
    shoot(page, DESKTOP["width"])
