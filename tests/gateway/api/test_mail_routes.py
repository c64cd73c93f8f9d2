"""Verification codes, sign-up with a code, password reset by mail: through the real gateway and a local SMTP sink."""

from __future__ import annotations

import queue
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.mail import MailApiSink
from voapi_desktop.core import clock
from voapi_desktop.store import users, verification
from voapi_desktop.store.options import set_options

from .conftest import PASSWORD, add_user

NEW_PASSWORD = "brand-new-pass-1"


def code_in(mail) -> str:
    return re.search(r"\b(\d{6})\b", mail.text).group(1)


def register(api, code: str | None, email: str = "new@example.com", username: str = "newbie"):
    body = {"username": username, "password": PASSWORD, "email": email}
    if code is not None:
        body["verification_code"] = code
    return api.call("POST", "/api/user/register", json=body).json()


def test_verification_is_refused_clearly_when_mail_is_not_configured(api):
    message = api.refused("GET", "/api/verification", params={"email": "new@example.com"})
    assert "mail is not configured" in message and "SMTP_SERVER" in message


def test_verification_needs_a_valid_address(api, smtp):
    assert "required" in api.refused("GET", "/api/verification", 400)
    assert "not a valid mail address" in api.refused("GET", "/api/verification", 400,
                                                      params={"email": "no-at-sign"})
    assert smtp.inbox.empty()


def test_sign_up_with_the_mailed_code(api, smtp):
    set_options({"EMAIL_VERIFICATION_ENABLED": "true"})
    api.ok("GET", "/api/verification", params={"email": "new@example.com"})
    mail = smtp.receive()
    assert mail.recipients == ["new@example.com"] and "verification" in mail.message["Subject"]
    answer = register(api, code_in(mail))
    assert answer["success"], answer
    assert users.find_user("newbie").email == "new@example.com"


def test_verification_refuses_an_address_already_in_use(api, smtp):
    user = add_user("alice")
    users.update_user(user.id, display_name="alice", email="alice@example.com", role=user.role, group="default")
    assert "already used" in api.refused("GET", "/api/verification", params={"email": "ALICE@example.com"})
    assert smtp.inbox.empty()


def test_sign_up_refuses_a_missing_or_wrong_code_and_the_code_works_once(api, smtp):
    set_options({"EMAIL_VERIFICATION_ENABLED": "true"})
    assert "verification code" in register(api, None)["message"]
    assert "request one first" in register(api, "123456")["message"]
    api.ok("GET", "/api/verification", params={"email": "new@example.com"})
    code = code_in(smtp.receive())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = register(api, wrong)
    assert answer == {"success": False, "message": "wrong verification code", "data": None}
    assert register(api, code)["success"]
    second = register(api, code, username="another")
    assert not second["success"] and "request one first" in second["message"]


def test_sign_up_refuses_an_expired_code(api, smtp, monkeypatch):
    set_options({"EMAIL_VERIFICATION_ENABLED": "true"})
    api.ok("GET", "/api/verification", params={"email": "new@example.com"})
    code = code_in(smtp.receive())
    later = clock.now() + verification.CODE_TTL + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    answer = register(api, code)
    assert not answer["success"] and "expired" in answer["message"]
    with pytest.raises(users.NotFound):
        users.find_user("newbie")


def test_five_wrong_codes_burn_the_code(api, smtp):
    set_options({"EMAIL_VERIFICATION_ENABLED": "true"})
    api.ok("GET", "/api/verification", params={"email": "new@example.com"})
    code = code_in(smtp.receive())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = [register(api, wrong)["message"] for _ in range(5)]
    assert messages[-1] == "wrong verification code, too many times; request a new one"
    assert "request one first" in register(api, code)["message"]


def test_mail_is_rate_limited_per_address_and_per_client(api, smtp):
    api.ok("GET", "/api/verification", params={"email": "a0@example.com"})
    answer = api.call("GET", "/api/verification", params={"email": "a0@example.com"})
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert answer.json()["message"].startswith("a mail was just sent to this address; retry in")
    for n in range(1, 5):
        api.ok("GET", "/api/verification", params={"email": f"a{n}@example.com"})
    answer = api.call("GET", "/api/verification", params={"email": "a9@example.com"})
    assert answer.status_code == 429
    assert answer.json()["message"].startswith("too many mails requested from your address")
    assert smtp.inbox.qsize() == 5


def test_verification_through_the_http_mail_api(api):
    sink = MailApiSink().start()
    try:
        set_options({"MAIL_PROVIDER": "http", "MAIL_API_URL": sink.url, "MAIL_API_KEY": "key-1",
                     "SMTP_FROM": "noreply@example.com"})
        api.ok("GET", "/api/verification", params={"email": "new@example.com"})
        headers, body = sink.requests.get(timeout=5)
    finally:
        sink.stop()
    assert headers["Authorization"] == "Bearer key-1" and body["to"] == ["new@example.com"]
    assert re.search(r"\b\d{6}\b", body["text"])


def test_a_mail_server_failure_is_a_polite_refusal(api):
    set_options({"SMTP_SERVER": "127.0.0.1", "SMTP_PORT": "1", "SMTP_FROM": "noreply@example.com"})
    message = api.refused("GET", "/api/verification", params={"email": "new@example.com"})
    assert "could not send the mail" in message


def reset_link(smtp) -> tuple[str, dict]:
    mail = smtp.receive()
    link = re.search(r"(https?://\S+/reset-password/confirm\?\S+)", mail.text).group(1)
    return link, {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def test_password_reset_end_to_end(gateway, api, new_api, smtp):
    user = add_user("alice")
    users.update_user(user.id, display_name="alice", email="alice@example.com", role=user.role, group="default")
    message = api.ok("GET", "/api/reset_password", params={"email": "Alice@example.com"})
    link, query = reset_link(smtp)
    assert link.startswith(gateway.url) and query["email"] == "Alice@example.com"
    body = {"email": query["email"], "token": query["token"], "password": NEW_PASSWORD}
    assert api.ok("POST", "/api/user/reset", json=body) is None
    assert new_api().login("alice", NEW_PASSWORD)["id"] == user.id
    assert "already been used" in api.refused("POST", "/api/user/reset", json={**body, "password": "other-pass-2"})
    assert "wrong user name or password" in new_api().refused(
        "POST", "/api/user/login", json={"username": "alice", "password": PASSWORD})
    assert message is None


def test_reset_answers_the_same_for_an_unknown_address_and_sends_nothing(api, smtp):
    known = api.call("GET", "/api/reset_password", params={"email": "nobody@example.com"}).json()
    assert known["success"] and "if an account uses this address" in known["message"]
    with pytest.raises(queue.Empty):
        smtp.receive(timeout=1)


def test_reset_without_a_password_returns_a_generated_one(api, new_api, smtp):
    user = add_user("bob")
    users.update_user(user.id, display_name="bob", email="bob@example.com", role=user.role, group="default")
    api.ok("GET", "/api/reset_password", params={"email": "bob@example.com"})
    _, query = reset_link(smtp)
    generated = api.ok("POST", "/api/user/reset", json={"email": "bob@example.com", "token": query["token"]})
    assert new_api().login("bob", generated)["id"] == user.id


def test_reset_refuses_forged_tokens_other_addresses_and_short_passwords(api, smtp):
    user = add_user("carol")
    users.update_user(user.id, display_name="carol", email="carol@example.com", role=user.role, group="default")
    api.ok("GET", "/api/reset_password", params={"email": "carol@example.com"})
    _, query = reset_link(smtp)
    token = query["token"]
    assert "not valid for this address" in api.refused(
        "POST", "/api/user/reset", json={"email": "eve@example.com", "token": token, "password": NEW_PASSWORD})
    assert "not valid" in api.refused(
        "POST", "/api/user/reset", json={"email": "carol@example.com", "token": token[:-2] + "xx",
                                         "password": NEW_PASSWORD})
    assert "8 to 72 bytes" in api.refused(
        "POST", "/api/user/reset", json={"email": "carol@example.com", "token": token, "password": "short"})
    assert "required" in api.refused("POST", "/api/user/reset", 400, json={"email": "carol@example.com"})
    assert "must be a string" in api.refused("POST", "/api/user/reset", 400, json={"email": 1, "token": "x"})


def test_reset_link_needs_server_address_when_the_host_is_not_loopback(api, smtp):
    forged = {"Host": "evil.example.com"}
    message = api.refused("GET", "/api/reset_password", params={"email": "a@example.com"}, headers=forged)
    assert "SERVER_ADDRESS" in message
    set_options({"SERVER_ADDRESS": "https://gw.example.com/"})
    user = add_user("dave")
    users.update_user(user.id, display_name="dave", email="dave@example.com", role=user.role, group="default")
    api.ok("GET", "/api/reset_password", params={"email": "dave@example.com"}, headers=forged)
    link, _ = reset_link(smtp)
    assert link.startswith("https://gw.example.com/reset-password/confirm?")
