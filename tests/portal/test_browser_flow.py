"""The console in a real browser (Playwright driving Debian's headless Chromium) against a live gateway:
sign up with an invitation code, sign in, create a key, check in, redeem a code, call the key with
the openai SDK and find the call on the usage page. Screenshots go to build/screenshots/portal-*.png."""

from __future__ import annotations

import re

import openai
import pytest

from tests.conftest import add_channel
from voapi_desktop.core.pricing import to_display
from voapi_desktop.store import invitations, redemptions, users
from voapi_desktop.store.options import set_options

from .browser import DESKTOP, MARKS, PHONE, SHOTS, launched, watched_page
from .browser import shoot as browser_shoot
from .conftest import PASSWORD, add_user

pytestmark = MARKS


@pytest.fixture
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    with watched_page(browser, console=False) as page:  # a wrong password on purpose: the browser logs its 401
        yield page


def shoot(page, name: str) -> None:
    """A desktop and a phone screenshot of the current page."""
    browser_shoot(page, name, ("desktop", "phone"), settle_ms=300)


def balance_text_of(quota: int) -> str:
    return to_display(quota, "USD", 500_000, 7.3)


def balance_text(username: str) -> str:
    return balance_text_of(users.find_user(username).quota)


def test_sign_up_to_usage_in_the_browser(gateway, upstream, page):
    add_channel(upstream)
    set_options({"CHECKIN_ENABLED": "true", "CHECKIN_MIN_QUOTA": "50000", "CHECKIN_MAX_QUOTA": "50000",
                 "QUOTA_FOR_INVITEE": "100000", "QUOTA_FOR_INVITER": "200000",
                 "WALLET_NOTICE": "**Welcome!** <script>window.pwned = 1</script>"})
    inviter = add_user("inviter")
    code = invitations.aff_info(inviter.id).aff_code
    gift = redemptions.create_codes("gift", 1_000_000, 1)[0]
    url = gateway.url

    page.goto(f"{url}/console/register?aff={code}")
    assert page.input_value("input[name=aff_code]") == code
    shoot(page, "register")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("#register-form button[type=submit]")
    page.wait_for_url(f"{url}/console/wallet")
    assert invitations.aff_info(inviter.id).aff_count == 1
    assert page.text_content("#balance") == balance_text("carol") == "$0.2"  # the invitee's reward

    page.goto(f"{url}/console/logout")
    page.wait_for_url(f"{url}/console/login")
    shoot(page, "login")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", "wrong-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#toast.bad")
    assert "wrong user name or password" in page.text_content("#toast")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{url}/console/wallet")

    page.goto(f"{url}/console/keys")
    page.fill("#key-form input[name=name]", "laptop")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#new-key:not([hidden])")
    key = page.text_content("#new-key-value")
    assert re.fullmatch(r"sk-[A-Za-z0-9]{48}", key)
    row = page.locator("#keys-table tr", has_text="laptop")
    assert key not in row.text_content() and "enabled" in row.text_content()
    shoot(page, "keys")

    page.goto(f"{url}/console/wallet")
    page.click("#checkin-button")
    page.wait_for_selector("#checkin-done")
    assert page.text_content("#balance") == balance_text("carol") == "$0.3"
    page.fill("#redeem-form input[name=key]", gift)
    page.click("#redeem-form button[type=submit]")
    page.wait_for_function("document.getElementById('balance').textContent === '$2.3'")
    assert page.evaluate("window.pwned") is None
    assert page.locator("#wallet-notice strong").text_content() == "Welcome!"
    page.fill("#redeem-form input[name=key]", gift)
    page.click("#redeem-form button[type=submit]")
    page.wait_for_selector("#toast.bad")  # a code is good once
    shoot(page, "wallet")

    client = openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi there"}])
    assert reply.choices[0].message.content
    gateway.flush()

    page.goto(f"{url}/console/usage")
    assert "gpt-4o-mini" in page.text_content("#log-table")
    assert "laptop" in page.text_content("#log-table")
    assert "gpt-4o-mini" in page.text_content("#model-totals")
    assert page.text_content("#spent") == balance_text_of(users.find_user("carol").used_quota)
    shoot(page, "usage")

    page.set_viewport_size(PHONE)
    # at phone width the sidebar slides out of view (a CSS transition: wait for it, do not sample it)
    page.wait_for_function("(() => { const box = document.getElementById('sidebar').getBoundingClientRect();"
                           " return box.right <= 0 || box.width === 0; })()")
    page.click("[aria-controls=sidebar]")
    page.wait_for_function("document.getElementById('sidebar').getBoundingClientRect().x >= 0")
    page.screenshot(path=SHOTS / "portal-sidebar-phone.png")
    page.click("#sidebar >> text=API keys")
    page.wait_for_url(f"{url}/console/keys")
    page.set_viewport_size(DESKTOP)

    page.locator("#keys-table tr", has_text="laptop").locator("text=Disable").click()
    page.wait_for_selector("#keys-table tr:has-text('laptop') .badge.disabled")
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "again"}])
    page.locator("#keys-table tr", has_text="laptop").locator("text=Delete").click()
    page.wait_for_selector("text=No keys yet")
