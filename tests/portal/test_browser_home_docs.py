"""The home and docs pages in a real browser (Playwright driving Debian's headless Chromium): the typewriter
types, nothing errs, the docs copy button copies the example with the full key. Screenshots at both widths."""

from __future__ import annotations

import pytest

from tests.conftest import make_token

from .conftest import PASSWORD, add_user
from .test_browser_flow import CHROMIUM, DESKTOP, PHONE, SHOTS

pytestmark = [pytest.mark.slow, pytest.mark.e2e,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (scripts/test installs Debian's "
                                                          "chromium package when run as root)")]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser, gateway):
    """A page whose uncaught errors and console errors fail the test."""
    context = browser.new_context(viewport=DESKTOP, base_url=gateway.url, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=gateway.url.rstrip("/"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not errors, errors


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(250)
        page.screenshot(path=SHOTS / f"portal-{name}-{size['width']}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


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


def test_docs_copy_button_copies_the_example_with_the_full_key(watched):
    add_user("alice")
    key = make_token("laptop", username="alice")
    watched.goto("/console/login?next=%2Fdocs")
    watched.fill("input[name=username]", "alice")
    watched.fill("input[name=password]", PASSWORD)
    watched.click("form button[type=submit]")
    watched.wait_for_url("**/docs")
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
