"""The playground, chat links and API lines in a real browser (Playwright driving Debian's headless
Chromium) against a live gateway and the fake upstream: a streamed answer rendered as safe markdown
and billed, a stopped answer billed for what was produced, a chat link filled, a line timed.
Screenshots go to build/screenshots/portal-<page>-<width>.png."""

from __future__ import annotations

import json

import pytest

from tests.conftest import add_channel
from tests.fakes.upstream import Behaviour
from voapi_desktop.store import logs, tokens
from voapi_desktop.store.logs import CONSUME
from voapi_desktop.store.options import set_options

from .browser import MARKS, launched, watched_page
from .browser import shoot as browser_shoot
from .conftest import PASSWORD, add_user

pytestmark = MARKS
INJECTED = 'Hello **bold** <img src=x onerror="window.pwned=1"> `<b>code</b>` [site](javascript:window.pwned=2)'


@pytest.fixture
def page():
    with launched() as browser, watched_page(browser) as page:
        yield page


def shoot(page, name: str) -> None:
    """A desktop and a phone screenshot of the current page."""
    browser_shoot(page, name, settle_ms=300)


def consume_rows() -> list[dict]:
    return logs.list_logs(type=CONSUME, username="alice")


def pick_key_and_model(page, token_id: int) -> None:
    page.wait_for_selector("#key-picker[data-ready]")
    assert page.locator(f"#key-picker option[value='{token_id}']").text_content().startswith("laptop (sk-")
    page.select_option("#key-picker", str(token_id))
    page.wait_for_selector("#model-picker option[value=gpt-4o-mini]", state="attached")
    page.select_option("#model-picker", "gpt-4o-mini")


def test_playground_chat_links_and_lines_in_the_browser(gateway, upstream, page):
    add_channel(upstream)
    upstream.behave("*", Behaviour(reply=INJECTED))
    alice = add_user("alice", quota=5_000_000)
    token = tokens.create_token(alice.id, "laptop", unlimited=True)
    key = token.key
    url = gateway.url
    set_options({"CHAT_LINKS": json.dumps([{"name": "NextChat", "url": "{address}/chat-app/{model}?key={key}"}]),
                 "API_INFO": json.dumps([{"name": "Local", "url": url + "/v1", "description": "this gateway"}])})

    page.goto(f"{url}/console/login?next=/playground")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{url}/playground")
    assert key not in page.content()
    pick_key_and_model(page, token.id)
    page.fill("#system-prompt", "Be brief.")
    page.fill("#prompt", "say hello")
    page.click("#send")
    page.wait_for_selector(".message.assistant strong")
    page.wait_for_selector("#playground[data-busy=false]")
    answer = page.locator(".message.assistant .message-body")
    assert answer.locator("strong").text_content() == "bold"
    assert answer.locator("code").text_content() == "<b>code</b>"
    assert answer.locator("img, b, a").count() == 0 and '<img src=x onerror="window.pwned=1">' in answer.text_content()
    assert page.evaluate("window.pwned") is None
    gateway.flush()
    rows = consume_rows()
    assert len(rows) == 1 and rows[0]["model_name"] == "gpt-4o-mini" and rows[0]["token_name"] == "laptop"
    assert rows[0]["quota"] > 0
    assert upstream.requests[-1].json["messages"][0] == {"role": "system", "content": "Be brief."}

    upstream.behave("*", Behaviour(reply=" ".join(f"word{i}" for i in range(40)), chunk_delay=0.25))
    page.fill("#prompt", "count slowly")
    page.click("#send")
    page.wait_for_function("document.querySelectorAll('.message.assistant')[1].textContent.includes('word1')")
    page.click("#stop")
    page.wait_for_selector(".message.assistant.stopped")
    gateway.flush()
    rows = consume_rows()
    assert len(rows) == 2 and 0 < rows[0]["completion_tokens"] < 40, rows[0]  # billed for what was produced
    shoot(page, "playground")

    page.reload()  # the conversation stays in this browser
    page.wait_for_selector("#key-picker[data-ready]")
    assert page.locator(".message").count() == 4 and key not in page.content()
    page.click("#clear-chat")
    assert page.locator(".message").count() == 0
    page.reload()
    assert page.locator(".message").count() == 0

    page.goto(f"{url}/chat")
    pick_key_and_model(page, token.id)
    with page.context.expect_page() as opened:
        page.click("#chat-links button:has-text('NextChat')")
    chat_app = opened.value
    chat_app.wait_for_load_state()
    assert chat_app.url == f"{url}/chat-app/gpt-4o-mini?key=sk-{key}"
    chat_app.close()
    shoot(page, "chat")

    page.goto(f"{url}/lines")
    page.wait_for_function("/^\\d+ ms$/.test(document.querySelector('.line .latency').textContent)")
    assert page.locator(".line-name").text_content() == "Local"
    shoot(page, "lines")
