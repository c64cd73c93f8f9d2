"""The portal's site chrome over a real socket: SEO tags, theme colour, menus, the notice banner, the root
operator's header style and footer script, and console pages that speak Chinese through and through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from voapi_desktop.core.site_settings import neutralise_end_tag
from voapi_desktop.store import logs, tokens, users
from voapi_desktop.store.logs import CONSUME, LogEntry
from voapi_desktop.store.changes import publish
from voapi_desktop.store.options import InvalidOption, set_option
from voapi_desktop.store.tables import Option

from .conftest import PASSWORD, add_user, sign_in
from .test_pages import XSS, active_content

PUBLIC_PATHS = ("/", "/pricing", "/docs", "/playground", "/chat", "/lines", "/status")


class _Page(HTMLParser):
    """Meta tags by name, links, and the visible text (with title/placeholder/aria-label), skipping code."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.title = ""
        self._skip: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")
        if tag == "a":
            self.links.append((attrs.get("href", ""), attrs))
        if tag in ("script", "style", "code"):
            self._skip.append(tag)
        self._in_title = tag == "title"
        self.texts += [attrs[name] for name in ("title", "placeholder", "aria-label") if attrs.get(name)]

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip and data.strip():
            self.texts.append(data.strip())


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def api_user(client, username: str, role: str) -> dict:
    users.create_user(username, PASSWORD, role=users.ROLES[role])
    return {"New-Api-User": str(sign_in(client, username))}


def put_option(client, headers: dict, key: str, value: str):
    return client.put("/api/option/", json={"key": key, "value": value}, headers=headers)


def test_seo_title_description_and_keywords_are_in_the_head_escaped(gateway, browser_client):
    evil = '"><script>alert(1)</script>'
    set_option("SEO_TITLE", "Fast & cheap <LLM> gateway")
    set_option("SEO_DESCRIPTION", "All models " + evil)
    set_option("SEO_KEYWORDS", "llm, api, gpt" + evil)
    page = browser_client.get("/console/login").text
    parsed = parse(page)
    assert parsed.title == "Sign in · Fast & cheap <LLM> gateway"
    assert parsed.meta["description"] == "All models " + evil and parsed.meta["keywords"] == "llm, api, gpt" + evil
    assert "<script>alert(1)" not in page and "&lt;LLM&gt;" in page
    assert active_content(page) == ["script src=/console/static/portal.js"]


def test_the_theme_colour_is_checked_strictly_and_applied(gateway, browser_client):
    assert parse(browser_client.get("/console/login").text).meta["theme-color"] == "#1664ff"
    for bad in ("red;} body{display:none", "#12345", "url(x)", "rgb(1,2,3);x", "expression(alert(1))"):
        with pytest.raises(InvalidOption, match="CSS colour"):
            set_option("THEME_COLOR", bad)
    root = api_user(browser_client, "boss", "root")
    refused = put_option(browser_client, root, "THEME_COLOR", "</style><script>alert(1)</script>").json()
    assert refused["success"] is False and "CSS colour such as #1664ff" in refused["message"]
    assert put_option(browser_client, root, "THEME_COLOR", "#0a7f5c").json()["success"]
    page = browser_client.get("/console/keys").text
    assert parse(page).meta["theme-color"] == "#0a7f5c" and ":root { --accent: #0a7f5c; }" in page
    set_option("THEME_COLOR", "hsl(220, 100%, 54%)")
    assert parse(browser_client.get("/console/keys").text).meta["theme-color"] == "hsl(220, 100%, 54%)"
    # written around the options API (an old database, a hand edit): the page falls back to the default colour
    Option.replace(key="THEME_COLOR", value="red;} body{display:none").execute()
    publish("option")
    page = browser_client.get("/console/keys").text
    assert "display:none" not in page and parse(page).meta["theme-color"] == "#1664ff"


def test_header_style_and_footer_script_appear_only_when_set_and_only_root_sets_them(gateway, browser_client):
    plain = browser_client.get("/console/login").text
    assert 'id="header-style"' not in plain and 'id="footer-script"' not in plain
    admin = api_user(browser_client, "helper", "admin")
    for key in ("HEADER_STYLE", "FOOTER_SCRIPT"):
        assert put_option(browser_client, admin, key, "x").status_code == 403
    root = api_user(browser_client, "boss", "root")
    wrapped = put_option(browser_client, root, "FOOTER_SCRIPT", "<script>track()</script>").json()
    assert wrapped["success"] is False and "without <script> tags" in wrapped["message"]
    assert put_option(browser_client, root, "HEADER_STYLE", ".brand { letter-spacing: 2px; }").json()["success"]
    assert put_option(browser_client, root, "FOOTER_SCRIPT", "window.analytics = 'on';").json()["success"]
    page = browser_client.get("/console/keys").text
    head, body = page.split("</head>")
    assert '<style id="header-style">.brand { letter-spacing: 2px; }</style>' in head
    assert re.search(r"<script id=\"footer-script\">window.analytics = 'on';</script>\s*</body>", body)


def test_operator_code_cannot_end_its_element_early():
    assert neutralise_end_tag("a{}</STYLE><script>x()</script>", "style") == "a{}<\\/STYLE><script>x()</script>"
    assert neutralise_end_tag("s = '</script><!--';", "script") == "s = '<\\/script><\\!--';"


def test_every_visitor_sees_the_public_menu_and_the_operators_menus(gateway, browser_client):
    set_option("PORTAL_TOP_MENU", '[{"name": "Blog <b>", "url": "https://blog.example.org/", "icon": "📝"},'
                                  ' {"name": "FAQ", "url": "/docs#faq"}]')
    set_option("PORTAL_SIDEBAR_MENU", '[{"name": "Support", "url": "/support", "icon": "/console/static/x.png"}]')
    page = browser_client.get("/console/login").text
    hrefs = [href for href, _ in parse(page).links]
    for path in PUBLIC_PATHS:  # "/" is the brand link too
        assert hrefs.count(path) == 2 + (path == "/"), f"{path}: once in the top menu, once in the phone sidebar"
    blog = next(attrs for href, attrs in parse(page).links if href == "https://blog.example.org/")
    assert blog["target"] == "_blank" and "noopener" in blog["rel"] and "Blog &lt;b&gt;" in page
    assert "/docs#faq" in hrefs and "/support" in hrefs and 'id="sidebar-menu"' in page
    assert "/lang?to=zh_CN&next=%2Fconsole%2Flogin" in hrefs
    for bad, reason in (('[{"name": "x", "url": "javascript:alert(1)"}]', "http(s) link or a path"),
                        ('[{"name": "x", "url": "//evil.example"}]', "http(s) link or a path"),
                        ('[{"url": "/x"}]', "'name' is required"), ('{"name": "x"}', "JSON list"),
                        ('[{"name": "x", "url": "/x", "onclick": "y"}]', "unknown field")):
        with pytest.raises(InvalidOption, match=re.escape(reason)):
            set_option("PORTAL_TOP_MENU", bad)


def test_the_notice_is_a_sanitized_banner_on_every_page(gateway, browser_client):
    assert 'id="notice-banner"' not in browser_client.get("/console/login").text
    set_option("NOTICE", XSS)
    add_user("alice")
    paths = ("/console/wallet", "/console/keys", "/console/usage")
    pages = [browser_client.get("/console/login").text]
    sign_in(browser_client, "alice")
    pages += [browser_client.get(path).text for path in paths]
    own_scripts = {"/console/keys": ["script src=/console/static/keys.js"]}  # the page's own, nothing else
    for path, page in zip(("/console/login", *paths), pages):
        assert 'id="notice-banner"' in page and "<strong>today</strong>" in page and "data-dismiss-notice" in page
        assert active_content(page) == ["script src=/console/static/portal.js", *own_scripts.get(path, [])]
    banner_ids = {re.search(r'data-notice-id="(\w+)"', page).group(1) for page in pages}
    set_option("NOTICE", "A new notice")
    assert re.search(r'data-notice-id="(\w+)"', browser_client.get("/console/keys").text).group(1) not in banner_ids


# Words allowed in Chinese pages: product names, user data made below, the English language's own name.
ALLOWED = {"voapi", "desktop", "api", "token", "playground", "english", "alice", "laptop", "gpt", "mini", "yyyy",
           "mm", "dd", "github", "linuxdo", "yesterday"}


def english_words(page: str) -> set[str]:
    words = set()
    for text in parse(page).texts:
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED
    return words


def test_chinese_console_pages_have_no_english_labels(gateway, browser_client):
    set_option("CHECKIN_ENABLED", "true")
    alice = add_user("alice", quota=1_000_000)
    tokens.create_token(alice.id, "laptop", unlimited=True)
    logs.insert_entries([LogEntry(type=CONSUME, user_id=alice.id, username="alice", token_name="laptop",
                                  model_name="gpt-4o-mini", quota=10, prompt_tokens=3, completion_tokens=5)])
    browser_client.cookies.set("lang", "zh_CN")
    for path in ("/console/login", "/console/register"):
        assert english_words(browser_client.get(path).text) == set(), path
    sign_in(browser_client, "alice")
    for path in ("/console/wallet", "/console/keys", "/console/usage", "/console/usage?from=yesterday",
                 "/console/usage?p=1&type=consume"):
        page = browser_client.get(path).text
        assert '<html lang="zh-CN">' in page
        assert english_words(page) == set(), path
    assert "“yesterday”不是日期" in browser_client.get("/console/usage?from=yesterday").text
    missing = browser_client.get("/console/static/nothing-here.js")
    assert missing.status_code == 404 and "页面不存在" in missing.text and "返回控制台" in missing.text
    browser_client.cookies.delete("lang")
    assert {"balance", "redeem", "invite"} <= english_words(browser_client.get("/console/wallet").text), "the check sees"
