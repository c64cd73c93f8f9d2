"""What the portal's browser tests share: Debian's headless Chromium through Playwright (never
`playwright install`), a page that fails the test on errors, and desktop/phone screenshots to
build/screenshots/ (not committed)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
MARKS = [pytest.mark.slow, pytest.mark.e2e,
         pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (scripts/test installs Debian's "
                                                     "chromium package when run as root)")]


@contextmanager
def launched():
    """A fresh headless Chromium."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(browser, *, console: bool = True, failed_responses: bool = False, **context_args):
    """A page of a new context; when it closes, uncaught page errors fail the test, and so do console
    errors (`console`) and 4xx/5xx answers (`failed_responses`). Dialogs are accepted."""
    context = browser.new_context(**{"viewport": DESKTOP, **context_args})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: dialog.accept())
    if console:
        page.on("console", lambda message: message.type == "error"
                and errors.append(f"console: {message.text} at {message.location.get('url')}"))
    if failed_responses:
        page.on("response", lambda response: response.status >= 400
                and errors.append(f"{response.status} {response.url}"))
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def shoot(page, name: str, suffixes: tuple[str, str] = ("1280", "390"), settle_ms: int = 250) -> None:
    """A full-page screenshot at desktop, then phone width: build/screenshots/portal-<name>-<suffix>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, suffix in zip((DESKTOP, PHONE), suffixes):
        page.set_viewport_size(size)
        page.wait_for_timeout(settle_ms)  # the sidebar slides out of view when the width shrinks
        page.screenshot(path=SHOTS / f"portal-{name}-{suffix}.png", full_page=True)
    page.set_viewport_size(DESKTOP)
