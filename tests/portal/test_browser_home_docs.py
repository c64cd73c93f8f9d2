"""The home and docs pages in a real browser (Playwright driving Debian's headless Chromium): the typewriter
types, nothing errs, the docs copy button copies the example with the full key, and the keys page's copy
button (portal.js's copyText and tokenKey, which docs.js shares) copies a full key. Screenshots at both widths."""

from __future__ import annotations

import pytest

from tests.conftest import make_token

from .browser import MARKS, PHONE, launched, watched_page
from .browser import shoot as browser_shoot
from .conftest import PASSWORD, add_user

pytestmark = MARKS


@pytest.fixture
def browser():
    with launched() as chromium:
        yield chromium


@pytest.fixture
def watched(browser, gateway):
    """A page whose uncaught errors and console errors fail the test."""
    with watched_page(browser, failed_responses=True, base_url=gateway.url, locale="en-US") as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=gateway.url.rstrip("/"))
        yield page


def shoot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    browser_shoot(page, name)


def test_home_types_its_notes_and_lays_out_at_both_widths(watched):
    watched.goto("/")
    out = watched.locator("[data-typewriter-out]")
    watched.wait_for_function("document.querySelector('[data-typewriter-out]').textContent.length > 5")
    first = out.text_content()
    assert "Point any OpenAI SDK at this gateway".startswith(first)
    assert watched.locator("ul.notes").is_hidden()
    for section in ("#home-models", "#home-platforms", "#home-steps", "#home-advantages", "#home-qas"):
        assert watched.locator(section).is_visible(), section
    shoot(watched, "home")
    watched.set_viewport_size(PHONE)
    width = watched.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the phone layout scrolls sideways ({width}px)"


def signed_in_with_a_key(page, username: str, token_name: str, next_path: str) -> str:
    """A new user with one key signs in and lands on `next_path`; returns the full key."""
    add_user(username)
    key = make_token(token_name, username=username)
    page.goto(f"/console/login?next={next_path.replace('/', '%2F')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return key


def test_docs_copy_button_copies_the_example_with_the_full_key(watched):
    key = signed_in_with_a_key(watched, "alice", "laptop", "/docs")
    assert key not in watched.content()
    watched.click("#docs-anthropic [data-tab=anthropic-python]")
    assert watched.locator("#code-anthropic-python").is_visible() and watched.locator("#code-anthropic-curl").is_hidden()
    watched.click("#code-anthropic-python [data-copy-code]")
    watched.wait_for_function("navigator.clipboard.readText().then(t => t.includes('sk-'))")
    copied = watched.evaluate("navigator.clipboard.readText()")
    assert f'api_key="{key}"' in copied and "import anthropic" in copied
    assert key not in watched.locator("#docs-key-value").text_content(), "copying does not reveal the key on screen"
    watched.click("[data-reveal-key]")
    watched.wait_for_function(f"document.getElementById('docs-key-value').textContent === '{key}'")
    shoot(watched, "docs")


def test_keys_page_copy_button_copies_the_full_key_and_says_so(watched):
    key = signed_in_with_a_key(watched, "bob", "phone", "/console/keys")
    assert key not in watched.content()
    watched.click("#keys-table [data-copy-key]")
    watched.wait_for_selector("#toast.ok")
    assert watched.text_content("#toast") == "copied"
    assert watched.evaluate("navigator.clipboard.readText()") == key
