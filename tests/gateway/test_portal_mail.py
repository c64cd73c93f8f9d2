"""The reset pages: the forgot-password form and the page the mailed link opens (escaped, never cached)."""

from __future__ import annotations

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
