"""The playground, chat links and API lines pages, server-rendered over a real socket: who sees them,
no full key in any page, chat links filled by /chat/open, settings of the wrong shape refused."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from voapi_desktop.store import tokens, users
from voapi_desktop.store.options import set_option

from .conftest import PASSWORD, add_user, sign_in
from .test_pages import XSS, active_content

PAGE_SCRIPTS = ["script src=/console/static/portal.js"]
SHORT_XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
LINK = {"name": "NextChat <b>", "url": "https://chat.example/{model}/?key={key}&api={address}", "icon": "chat"}


def test_playground_and_chat_need_a_sign_in_and_lines_do_not(browser_client):
    for path in ("/playground", "/chat"):
        answer = browser_client.get(path)
        assert answer.status_code == 302 and answer.headers["location"] == f"/console/login?next=%2F{path[1:]}"
    assert browser_client.get("/lines").status_code == 200
    answer = browser_client.post("/chat/open", data={"link": "0", "token_id": "1"})
    assert answer.status_code == 302 and answer.headers["location"].startswith("/console/login")


def test_pages_never_hold_a_full_key(gateway, browser_client):
    alice = add_user("alice")
    key = tokens.create_token(alice.id, "laptop", unlimited=True).key
    set_option("CHAT_LINKS", json.dumps([LINK]))
    sign_in(browser_client, "alice")
    for path, scripts in (("/playground", ["markdown-lite.js", "keypicker.js", "playground.js"]),
                          ("/chat", ["keypicker.js"])):
        page = browser_client.get(path).text
        assert key not in page and "{key}" not in page, path  # the link's template is not in the page either
        assert active_content(page) == PAGE_SCRIPTS + [f"script src=/console/static/{name}" for name in scripts]
    assert "Playground" in browser_client.get("/playground").text
    chinese = browser_client.get("/playground", headers={"Accept-Language": "zh-CN"}).text
    assert "系统提示词" in chinese and "停止" in chinese


def test_chat_page_escapes_the_operators_names_and_says_when_there_are_none(gateway, browser_client):
    add_user("alice")
    sign_in(browser_client, "alice")
    assert 'id="no-links"' in browser_client.get("/chat").text
    set_option("CHAT_LINKS", json.dumps([dict(LINK, name=SHORT_XSS)]))
    page = browser_client.get("/chat").text
    assert "<script>alert" not in page and "&lt;img src=x" in page
    assert active_content(page) == PAGE_SCRIPTS + ["script src=/console/static/keypicker.js"]


def test_chat_open_fills_the_link_with_the_users_own_enabled_key(gateway, browser_client):
    alice, bob = add_user("alice"), add_user("bob")
    mine = tokens.create_token(alice.id, "laptop", unlimited=True)
    off = tokens.create_token(alice.id, "old", unlimited=True)
    tokens.update_token(off.id, status=tokens.DISABLED)
    bobs = tokens.create_token(bob.id, "bobs", unlimited=True)
    set_option("CHAT_LINKS", json.dumps([LINK]))
    sign_in(browser_client, "alice")
    answer = browser_client.post("/chat/open", data={"link": "0", "token_id": str(mine.id), "model": "gpt 4o/mini"})
    assert answer.status_code == 303 and answer.headers["referrer-policy"] == "no-referrer"
    target = urlsplit(answer.headers["location"])
    assert (target.netloc, target.path) == ("chat.example", "/gpt%204o%2Fmini/")
    assert parse_qs(target.query) == {"key": ["sk-" + mine.key], "api": [gateway.url]}
    for form, status, says in (({"link": "0", "token_id": str(bobs.id)}, 400, "Pick one of your enabled keys"),
                               ({"link": "0", "token_id": str(off.id)}, 400, "Pick one of your enabled keys"),
                               ({"link": "0", "token_id": "x"}, 400, "Pick one of your enabled keys"),
                               ({"link": "7", "token_id": str(mine.id)}, 400, "not in the list"),
                               ({"link": "-1", "token_id": str(mine.id)}, 400, "not in the list")):
        refused = browser_client.post("/chat/open", data=form)
        assert refused.status_code == status and says in refused.text, form
        assert bobs.key not in refused.text and mine.key not in refused.text
    cross = browser_client.post("/chat/open", data={"link": "0", "token_id": str(mine.id)},
                                headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and mine.key not in cross.text


def test_chat_links_use_server_address_when_set(gateway, browser_client):
    alice = add_user("alice")
    mine = tokens.create_token(alice.id, "laptop", unlimited=True)
    set_option("SERVER_ADDRESS", "https://api.example.com/")
    set_option("CHAT_LINKS", json.dumps([{"name": "x", "url": "{address}/chat?k={key}"}]))
    sign_in(browser_client, "alice")
    answer = browser_client.post("/chat/open", data={"link": "0", "token_id": str(mine.id)})
    assert answer.headers["location"] == f"https://api.example.com/chat?k=sk-{mine.key}"


def test_lines_page_lists_the_operators_lines_escaped_or_this_gateway(gateway, browser_client):
    page = browser_client.get("/lines").text
    assert f'data-probe="{gateway.url}/api/status"' in page  # no lines set: this gateway alone
    set_option("API_INFO", json.dumps([{"name": "Tokyo", "url": "https://tokyo.example.com/v1", "description": XSS}]))
    page = browser_client.get("/lines").text
    assert 'data-probe="https://tokyo.example.com/api/status"' in page and "Tokyo" in page
    assert active_content(page) == PAGE_SCRIPTS + ["script src=/console/static/lines.js"]
    status = browser_client.get("/api/status")
    assert status.headers["access-control-allow-origin"] == "*" and status.json()["success"]


def test_settings_of_the_wrong_shape_are_refused_with_a_message(gateway, browser_client):
    users.set_password(users.find_user("root").id, PASSWORD)
    root_id = sign_in(browser_client, "root")
    for key, value, says in (("CHAT_LINKS", '[{"name": "x", "url": "javascript:alert(1)"}]', "http(s) URL"),
                             ("CHAT_LINKS", '{"name": "x"}', "JSON list"),
                             ("API_INFO", '[{"name": "x", "url": "https://a.example", "colour": "red"}]',
                              "unknown field 'colour'"),
                             ("API_INFO", "not json", "API_INFO")):
        answer = browser_client.put("/api/option/", json={"key": key, "value": value},
                                    headers={"New-Api-User": str(root_id)})
        body = answer.json()
        assert answer.status_code < 500 and not body["success"] and says in body["message"], (key, value, body)
    good = [{"name": "Main", "url": "https://api.example.com", "description": "fast"}]
    answer = browser_client.put("/api/option/", json={"key": "API_INFO", "value": json.dumps(good)},
                                headers={"New-Api-User": str(root_id)})
    assert answer.json()["success"]
