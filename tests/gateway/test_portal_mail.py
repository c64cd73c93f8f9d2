"""The reset pages: the forgot-password form and the page the mailed link opens (escaped, never cached)."""

from __future__ import annotations

import html
import json
import re

import httpx


def test_forgot_password_page_posts_the_address_to_the_api(gateway):
    answer = httpx.get(f"{gateway.url}/reset-password", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert 'id="forgot-form"' in answer.text and "/api/reset_password?email=" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"


def test_reset_page_carries_the_token_escaped_and_sends_no_referrer(gateway):
    evil = '"><script>alert(1)</script>'
    answer = httpx.get(f"{gateway.url}/reset-password/confirm",
                       params={"email": "a@example.com", "token": evil}, timeout=10)
    assert answer.status_code == 200 and 'id="reset-form"' in answer.text
    assert "<script>alert(1)" not in answer.text and "&#34;&gt;&lt;script&gt;" in answer.text
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "/api/user/reset" in answer.text


def test_reset_page_without_a_token_says_the_link_is_incomplete(gateway):
    answer = httpx.get(f"{gateway.url}/reset-password/confirm", timeout=10)
    assert answer.status_code == 200 and "reset-form" not in answer.text.split("<script>")[0]
    assert "link is incomplete" in answer.text


def script_texts(page: str) -> dict:
    """The texts a page hands its script (the body's data-texts)."""
    return json.loads(html.unescape(re.search(r"<body data-texts='([^']*)'", page).group(1)))


def test_the_reset_pages_speak_the_visitors_language(gateway):
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9"}
    forgot = httpx.get(f"{gateway.url}/reset-password", headers=chinese, timeout=10).text
    assert '<html lang="zh-CN">' in forgot and "忘记密码了？" in forgot and "发送重置链接" in forgot
    assert "Forgot" not in forgot and "返回登录" in forgot
    assert "重置链接已经发出" in forgot, "the success text the page shows is the portal's, translated"
    reset = httpx.get(f"{gateway.url}/reset-password/confirm", params={"email": "a@example.com", "token": "t"},
                      headers=chinese, timeout=10).text
    assert "设置新密码" in reset and "新密码（8 到 72 个字符）" in reset and "New password" not in reset
    assert script_texts(reset)["differ"] == "两次输入的密码不一致。"
    incomplete = httpx.get(f"{gateway.url}/reset-password/confirm", headers=chinese, timeout=10).text
    assert "这个链接不完整" in incomplete
    english = httpx.get(f"{gateway.url}/reset-password/confirm", params={"email": "a@example.com", "token": "t"},
                        headers={"Accept-Language": "en"}, timeout=10).text
    assert '<html lang="en">' in english and "Choose a new password" in english
    assert script_texts(english)["differ"] == "The two passwords differ."
