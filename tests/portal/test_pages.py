"""The console's pages over a real socket: who sees what, hidden modules, sanitized operator text."""

from __future__ import annotations

from html.parser import HTMLParser

from voapi_desktop.store import logs, tokens
from voapi_desktop.store.logs import CONSUME, LogEntry
from voapi_desktop.store.options import set_option

from .conftest import add_user, sign_in


class _ActiveContent(HTMLParser):
    """Every element of a page that could run code: scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")
        if tag == "script":
            self.found.append(f"script src={dict(attrs).get('src')}")


def active_content(page: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(page)
    return parser.found

XSS = ('Top up **today**! <script>alert("x")</script> <img src=x onerror="alert(1)"> '
       '[click](javascript:alert(1)) <a href="https://example.org" onclick="steal()">docs</a>')


def test_console_pages_send_a_visitor_to_sign_in_and_back(browser_client):
    for path in ("/console/keys", "/console/usage?model=gpt", "/console/wallet"):
        answer = browser_client.get(path)
        assert answer.status_code == 302
        assert answer.headers["location"].startswith("/console/login?next=%2Fconsole%2F")


def test_sign_in_page_only_returns_to_paths_on_this_site(gateway, browser_client):
    add_user("alice")
    sign_in(browser_client, "alice")
    assert browser_client.get("/console/login?next=/console/keys").headers["location"] == "/console/keys"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert browser_client.get("/console/login", params={"next": evil}).headers["location"] == "/console/wallet"


def test_register_page_prefills_the_invitation_code_and_escapes_it(browser_client):
    page = browser_client.get("/console/register?aff=ABCD").text
    assert 'name="aff_code" value="ABCD"' in page
    assert 'href="/reset-password"' not in page  # only on the sign-in page
    hostile = browser_client.get('/console/register', params={"aff": '"><script>x</script>'}).text
    assert "<script>x</script>" not in hostile


def test_closed_modules_are_hidden(gateway, browser_client):
    set_option("REGISTER_ENABLED", "false")
    set_option("PASSWORD_LOGIN_ENABLED", "false")
    register = browser_client.get("/console/register").text
    assert "register-form" not in register and "Sign-up is closed" in register
    login = browser_client.get("/console/login").text
    assert "login-form" not in login and "turned off" in login
    assert "/console/register" not in login


def test_email_verification_shows_the_email_and_code_fields(gateway, browser_client):
    set_option("EMAIL_VERIFICATION_ENABLED", "true")
    page = browser_client.get("/console/register").text
    assert 'name="email"' in page and 'name="verification_code"' in page and "data-send-code" in page
    assert 'href="/reset-password"' in browser_client.get("/console/login").text


def test_wallet_notice_is_rendered_as_sanitized_markdown(gateway, browser_client):
    set_option("WALLET_NOTICE", XSS)
    set_option("FOOTER", "<script>alert(2)</script>*footer*")
    add_user("alice", quota=1_000_000)
    sign_in(browser_client, "alice")
    page = browser_client.get("/console/wallet").text
    assert "<strong>today</strong>" in page and "<em>footer</em>" in page
    assert active_content(page) == ["script src=/console/static/portal.js"]
    assert "$2" in page  # 1,000,000 units at 500,000 per dollar


def test_balance_follows_the_display_unit(gateway, browser_client):
    add_user("alice", quota=1_000_000)
    sign_in(browser_client, "alice")
    set_option("QUOTA_DISPLAY_TYPE", "CNY")
    set_option("USD_EXCHANGE_RATE", "7")
    assert "¥14.0000" in browser_client.get("/console/wallet").text


def test_keys_page_lists_only_own_keys_masked(gateway, browser_client):
    alice, bob = add_user("alice"), add_user("bob")
    mine = tokens.create_token(alice.id, "mine", unlimited=True)
    tokens.create_token(bob.id, "bobs-key", unlimited=True)
    sign_in(browser_client, "alice")
    page = browser_client.get("/console/keys").text
    assert "mine" in page and "bobs-key" not in page
    assert mine.key not in page and mine.key[:4] in page


def test_usage_page_shows_own_rows_and_refuses_bad_filters_politely(gateway, browser_client):
    alice, bob = add_user("alice"), add_user("bob")
    logs.insert_entries([LogEntry(type=CONSUME, user_id=alice.id, username="alice", model_name="gpt-alice", quota=10),
                     LogEntry(type=CONSUME, user_id=bob.id, username="bob", model_name="gpt-bob", quota=10)])
    sign_in(browser_client, "alice")
    page = browser_client.get("/console/usage").text
    assert "gpt-alice" in page and "gpt-bob" not in page
    for bad in ("from=yesterday", "from=2026-02-01&to=2026-01-01", "type=nope", "p=-3", "p=99999999999999999999"):
        answer = browser_client.get(f"/console/usage?{bad}")
        assert answer.status_code == 200, bad
    assert "is not a date" in browser_client.get("/console/usage?from=yesterday").text


def test_static_files_are_served_only_from_the_static_folder(browser_client):
    for missing in ("nope.js", "../templates/base.html", "..%2F..%2Fmarkdown.py", "%2e%2e/templates/login.html"):
        assert browser_client.get(f"/console/static/{missing}").status_code == 404, missing
    script = browser_client.get("/console/static/portal.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")


def test_page_loads_are_limited_per_address_with_a_readable_page(gateway, browser_client):
    set_option("GLOBAL_WEB_RATE_LIMIT", "3")
    for _ in range(3):
        assert browser_client.get("/console/login").status_code == 200
    refused = browser_client.get("/console/register")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    seconds = refused.headers["retry-after"]
    assert "text/html" in refused.headers["content-type"]
    assert f"Too many requests from your address; retry in {seconds} s." in refused.text
    assert browser_client.get("/console/static/portal.css").status_code == 200
    chinese = browser_client.get("/console/register", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 429 and '<html lang="zh-CN">' in chinese.text
    assert f"请 {chinese.headers['retry-after']} 秒后重试。" in chinese.text and "retry in" not in chinese.text
