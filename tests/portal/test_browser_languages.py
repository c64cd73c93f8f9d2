"""The texts the portal's scripts show, in a real browser in English and in Chinese: the password-reset
pages' results and a 429's toast. A refusal's own words stay the REST API's (new-api's English)."""

from __future__ import annotations

import pytest

from voapi_desktop.store.options import set_options

from .browser import MARKS, launched, watched_page
from .conftest import add_user

pytestmark = MARKS

TEXTS = {
    "en-US": {"sent": "If an account uses this address, a reset link is on its way; check your mail.",
              "differ": "The two passwords differ.", "too_many": "too many requests from your address; retry in"},
    "zh-CN": {"sent": "如果有账号使用这个地址，重置链接已经发出，请查收邮件。",
              "differ": "两次输入的密码不一致。", "too_many": "来自你的地址的请求过多，请"},
}


@pytest.fixture(scope="module")
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture(params=sorted(TEXTS))
def locale(request) -> str:
    return request.param


@pytest.fixture
def page(browser, gateway, locale):
    # console=False: Chromium logs every 4xx answer (the 429 here) as a console error
    with watched_page(browser, console=False, base_url=gateway.url, locale=locale) as opened:
        yield opened


def test_the_reset_pages_tell_their_results_in_the_visitors_language(page, locale, smtp):
    page.goto("/reset-password")
    page.fill("#email", "someone@example.com")
    page.click("#forgot-form button[type=submit]")
    page.wait_for_selector("#result.done")
    assert page.text_content("#result") == TEXTS[locale]["sent"]
    page.goto("/reset-password/confirm?email=someone%40example.com&token=abc")
    page.fill("#password", "new-password-1")
    page.fill("#password2", "new-password-2")
    page.click("#reset-form button[type=submit]")
    page.wait_for_selector("#result.error")
    assert page.text_content("#result") == TEXTS[locale]["differ"]


def sign_in_refused(page) -> str:
    """Sign in as carol with a wrong password; the refusal's toast."""
    page.evaluate("document.getElementById('toast').className = 'toast'")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", "not-her-password")
    page.click("form button[type=submit]")
    page.wait_for_selector("#toast.bad")
    return page.text_content("#toast")


def test_a_429_toast_is_in_the_visitors_language_and_other_refusals_keep_the_api_words(page, locale):
    add_user("carol")
    set_options({"CRITICAL_RATE_LIMIT": "1"})
    page.goto("/console/login")
    assert "wrong user name or password" in sign_in_refused(page)  # the REST API's own message
    refused = sign_in_refused(page)
    assert refused.startswith(TEXTS[locale]["too_many"]) and any(c.isdigit() for c in refused), refused
