"""The public home and docs pages over a real socket: template sections, fallback, sanitizing, keys."""

from __future__ import annotations

import html
import json

from voapi_desktop.core.keys import mask_key
from voapi_desktop.store import tokens, users
from voapi_desktop.store.options import set_option

from tests.conftest import make_token
from .conftest import add_user, sign_in, store_raw_option
from .test_pages import active_content


def test_home_renders_the_built_in_template(browser_client):
    page = browser_client.get("/", headers={"Accept-Language": "en"}).text
    for section in ("home-hero", "home-models", "home-platforms", "home-steps", "home-advantages", "home-qas"):
        assert f'id="{section}"' in page, section
    assert "One key for every model" in page and 'src="/console/static/home/hero.svg"' in page
    assert "一个密钥，调用所有模型" in browser_client.get("/", headers={"Accept-Language": "zh-CN"}).text


def _template(**fields) -> dict:
    base = {"name": "Acme AI", "desc": "Fast models.", "bgImg": "https://cdn.example/hero.png",
            "notes": ["first note", "second note"], "aiTitle": "Our models",
            "aiModels": [{"name": "Model A", "link": "https://a.example/", "img": "/a.png"}],
            "platformsTitle": "Our platforms", "platforms": [{"name": "Plat B", "link": "/docs", "img": ""}],
            "stepsImg": "/steps.png", "steps": [{"name": "Step one", "desc": "Do this"}],
            "qas": [{"q": "Why?", "a": "Because **bold**."}], "advantageImg": "/adv.png",
            "advantages": [{"content": "Cheap", "extra": "Very", "icon": "icon-coins", "color": "#10b981"}]}
    return base | fields


def test_home_renders_every_field_of_the_operators_template(browser_client):
    set_option("HOME_PAGE_TEMPLATE", json.dumps(_template()))
    page = browser_client.get("/").text
    for text in ("Acme AI", "Fast models.", 'src="https://cdn.example/hero.png"', "<li>first note</li>",
                 "Our models", 'href="https://a.example/"', 'src="/a.png"', "Model A", "Our platforms", "Plat B",
                 'src="/steps.png"', "Step one", "Do this", "Why?", "<strong>bold</strong>", 'src="/adv.png"',
                 "Cheap", "Very", "adv-icon icon-coins", "--adv: #10b981"):
        assert text in page, text
    assert 'id="home-template-notice"' not in page


def test_hidden_sections_are_absent(browser_client):
    set_option("HOME_PAGE_TEMPLATE", json.dumps(_template(hideAiModels=True, hidePlatforms=True,
                                                          hideAdvantages=True, steps=[], qas=[])))
    page = browser_client.get("/").text
    assert 'id="home-hero"' in page
    for section, text in (("home-models", "Model A"), ("home-platforms", "Plat B"), ("home-advantages", "Cheap"),
                          ("home-steps", "Step one"), ("home-qas", "Why?")):
        assert f'id="{section}"' not in page and text not in page, section


def test_an_invalid_stored_template_falls_back_with_a_notice_for_admins_only(gateway, browser_client):
    store_raw_option("HOME_PAGE_TEMPLATE", json.dumps({"name": "Broken", "bgImg": "javascript:alert(1)"}))
    visitor = browser_client.get("/", headers={"Accept-Language": "en"})
    assert visitor.status_code == 200 and "One key for every model" in visitor.text and "Broken" not in visitor.text
    assert 'id="home-template-notice"' not in visitor.text and "bgImg" not in visitor.text
    add_user("plain")
    sign_in(browser_client, "plain")
    assert 'id="home-template-notice"' not in browser_client.get("/").text
    boss = add_user("boss")
    users.update_user(boss.id, display_name="", email="", role=users.ROLE_ADMIN, group="default")
    sign_in(browser_client, "boss")
    page = browser_client.get("/", headers={"Accept-Language": "en"}).text
    assert 'id="home-template-notice"' in page and "&#39;bgImg&#39; must be an image URL" in page
    assert "One key for every model" in page


def test_the_api_refuses_a_bad_template(gateway, browser_client):
    answer = browser_client.post("/api/user/login", json={"username": "root", "password": "123456"}).json()
    assert answer["success"], answer
    reply = browser_client.put("/api/option/", headers={"New-Api-User": str(answer["data"]["id"])},
                               json={"key": "HOME_PAGE_TEMPLATE",
                                     "value": json.dumps({"aiModels": [{"link": "javascript:x"}]})})
    assert reply.status_code < 500 and reply.json()["success"] is False
    assert "'link' must be an http(s) URL" in reply.json()["message"]


XSS = '<script>alert("x")</script><img src=x onerror="alert(1)">'


def test_script_in_every_text_field_is_neutralised(browser_client):
    card = {"name": XSS, "link": "/docs", "img": ""}
    set_option("HOME_PAGE_TEMPLATE", json.dumps({
        "name": XSS, "desc": XSS, "notes": [XSS], "aiTitle": XSS, "aiModels": [card], "platformsTitle": XSS,
        "platforms": [card], "steps": [{"name": XSS, "desc": XSS}],
        "qas": [{"q": XSS, "a": XSS + " [click](javascript:alert(1)) <a href='x' onclick='y'>z</a>"}],
        "advantages": [{"content": XSS, "extra": XSS, "icon": "icon-bolt", "color": "red"}]}))
    page = browser_client.get("/").text
    assert page.count("&lt;script&gt;") >= 10
    scripts = [found for found in active_content(page) if not found.startswith("script src=/console/static/")]
    assert scripts == [], scripts


def test_docs_show_the_three_dialects_against_this_gateway(gateway, browser_client):
    page = html.unescape(browser_client.get("/docs", headers={"Accept-Language": "en"}).text)
    base = gateway.url.rstrip("/")
    assert f"curl {base}/v1/chat/completions" in page and f'OpenAI(base_url="{base}/v1"' in page
    assert f"curl {base}/v1/messages" in page and "x-api-key: " in page and "anthropic-version: 2023-06-01" in page
    assert f"{base}/v1beta/models/gpt-4o-mini:generateContent" in page and "x-goog-api-key: " in page
    assert "sk-your-key" in page and "docs-key-value" not in page
    set_option("SERVER_ADDRESS", "https://api.example.com/")
    set_option("DOCS_EXTRA", "## Extra\n" + XSS + " [x](javascript:alert(1))")
    raw = browser_client.get("/docs").text
    page = html.unescape(raw)
    assert "curl https://api.example.com/v1/chat/completions" in page and "<h2>Extra</h2>" in page
    assert not [found for found in active_content(raw) if not found.startswith("script src=/console/static/")]


def test_docs_fill_in_the_signed_in_users_first_working_key_masked_and_only_for_them(gateway, browser_client):
    add_user("alice")
    add_user("bob")
    old = make_token("old", username="alice")
    tokens.set_token_status(next(t.id for t in tokens.list_tokens() if "sk-" + t.key == old), tokens.DISABLED)
    alice_key = make_token("laptop", username="alice")
    bob_key = make_token("phone", username="bob")
    sign_in(browser_client, "alice")
    answer = browser_client.get("/docs")
    page = answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert page.count(f'<span class="key-slot">{mask_key(alice_key)}</span>') == 9 and "laptop" in page
    assert alice_key not in page and alice_key[3:] not in page and bob_key not in page
    assert mask_key(bob_key) not in page and "sk-your-key" not in page
    sign_in(browser_client, "bob")
    page = browser_client.get("/docs").text
    assert mask_key(bob_key) in page and mask_key(alice_key) not in page
