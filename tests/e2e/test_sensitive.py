"""End to end: the sensitive-word check in every dialect, its risk events, the daily ban, and the
settings that turn refusing (or checking) off.

SENSITIVE_WORDS is "forbidden" and "禁止词" throughout. A refused prompt must cost nothing: no
reservation, no balance change, no ledger row, no upstream call.
"""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.dialects import anthropic_client
from tests.e2e.helpers import consume_logs, token_id
from voapi_desktop.store import tokens, users
from voapi_desktop.store.logs import SYSTEM, list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.store.risk import list_risk_events
from voapi_desktop.store.tables import Reservation

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
MODEL = "gpt-4o-mini"


@pytest.fixture
def channel(gateway, upstream):
    made = add_channel(upstream, key="up-key", models=MODEL)
    set_option("SENSITIVE_WORDS", "forbidden\n禁止词")
    return made


@pytest.fixture
def alice(channel):
    users.create_user("alice", "alice-password", quota=10_000_000)
    return make_token("alice-key", username="alice", quota=1_000_000)


def ledger_rows() -> int:
    """Consume and error rows (a ban writes a SYSTEM row of its own)."""
    return sum(1 for row in list_logs(limit=1000) if row["type"] != SYSTEM)


def books(key: str) -> tuple:
    [token] = [t for t in tokens.list_tokens() if t.id == token_id(key)]
    user = users.get_user(token.user_id)
    return (user.quota, user.used_quota, user.request_count, token.remain_quota, token.used_quota)


class Untouched:
    """Around a refused request: balances, reservations, ledger rows and upstream calls stay as they were."""

    def __init__(self, gateway, upstream, key: str) -> None:
        self.gateway, self.upstream, self.key = gateway, upstream, key

    def __enter__(self):
        self.gateway.flush()
        self.before = (books(self.key), len(self.upstream.requests), ledger_rows())
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            return
        self.gateway.flush()
        assert (books(self.key), len(self.upstream.requests), ledger_rows()) == self.before
        assert Reservation.select().count() == 0


def refused_openai(client, messages) -> openai.BadRequestError:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=messages)
    assert caught.value.status_code == 400
    assert caught.value.code == "sensitive_words_detected"
    return caught.value


# --- OpenAI dialect ----------------------------------------------------------------------------


def test_a_multi_part_chat_prompt_is_refused_listing_both_words(gateway, upstream, alice, sdk):
    messages = [{"role": "system", "content": "You are helpful."},
                {"role": "user", "content": [{"type": "text", "text": "Tell me something Forbidden, please."},
                                             {"type": "text", "text": "还有，解释这个禁止词的意思。"}]}]
    with Untouched(gateway, upstream, alice):
        error = refused_openai(sdk(alice), messages)
    assert "forbidden" in error.message and "禁止词" in error.message
    [event] = list_risk_events()
    owner = users.find_user("alice")
    assert (event.user_id, event.username) == (owner.id, "alice")
    assert (event.token_id, event.token_name) == (token_id(alice), "alice-key")
    assert (event.ip, event.model, event.dialect) == ("127.0.0.1", MODEL, "openai")
    assert event.words == ("forbidden", "禁止词")
    assert "Forbidden" in event.excerpt and len(event.excerpt) < 200


@pytest.mark.parametrize("text, words", [
    ("What does FORBIDDEN mean?", ["forbidden"]),
    ("What does fOrBiDdEn mean?", ["forbidden"]),
    ("我想知道禁止词是什么意思", ["禁止词"]),  # inside a Chinese sentence, no spaces around it
    ("unforbiddenly", ["forbidden"]),  # no word boundaries are assumed
])
def test_each_word_is_found_caselessly_and_inside_other_text(gateway, upstream, alice, sdk, text, words):
    with Untouched(gateway, upstream, alice):
        error = refused_openai(sdk(alice), [{"role": "user", "content": text}])
    for word in ["forbidden", "禁止词"]:
        assert (word in error.message) == (word in words)
    [event] = list_risk_events()
    assert list(event.words) == words
    assert text in event.excerpt


def test_a_clean_prompt_goes_through(gateway, upstream, alice, sdk):
    reply = sdk(alice).chat.completions.create(model=MODEL, messages=[
        {"role": "user", "content": "for bidden 禁止 词 are not the words"}])
    assert reply.choices[0].message.content
    assert list_risk_events() == []
    assert len(consume_logs(gateway)) == 1


# --- Anthropic and Gemini dialects --------------------------------------------------------------


@pytest.mark.parametrize("where", ["system", "messages"])
def test_the_anthropic_dialect_checks_system_and_messages(gateway, upstream, alice, where):
    system = [{"type": "text", "text": "Never say FORBIDDEN things."}] if where == "system" else "Be brief."
    messages = [{"role": "user", "content": "say hello"}, {"role": "assistant", "content": "hello"},
                {"role": "user", "content": [{"type": "text", "text": "这里有禁止词"}] if where == "messages"
                 else "again"}]
    client = anthropic_client(gateway, alice)
    try:
        with Untouched(gateway, upstream, alice), pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.create(model=MODEL, max_tokens=64, system=system, messages=messages)
    finally:
        client.close()
    body = caught.value.response.json()
    assert caught.value.status_code == 400
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    word = "forbidden" if where == "system" else "禁止词"
    assert word in body["error"]["message"]
    [event] = list_risk_events()
    assert (event.dialect, event.words, event.ip, event.model) == ("anthropic", (word,), "127.0.0.1", MODEL)


def test_the_gemini_dialect_checks_contents_and_the_system_instruction(gateway, upstream, alice):
    body = {"systemInstruction": {"parts": [{"text": "Answer in ForBidden style."}]},
            "contents": [{"role": "user", "parts": [{"text": "hello"}, {"text": "请说禁止词"}]}]}
    with Untouched(gateway, upstream, alice):
        answer = httpx.post(f"{gateway.url}/v1beta/models/{MODEL}:generateContent", json=body,
                            headers={"x-goog-api-key": alice}, timeout=20)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert "forbidden" in error["message"] and "禁止词" in error["message"]
    [event] = list_risk_events()
    assert (event.dialect, event.words, event.ip, event.model) == ("gemini", ("forbidden", "禁止词"), "127.0.0.1",
                                                                   MODEL)
    assert event.token_id == token_id(alice)


# --- the daily ban, and the switches -----------------------------------------------------------


def test_the_nth_hit_of_the_day_bans_the_user_and_then_even_clean_requests_are_refused(gateway, upstream, alice,
                                                                                      sdk):
    set_option("USER_DAILY_SENSITIVE_MAX_BAN", "3")
    client = sdk(alice)
    owner = users.find_user("alice")
    assert client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content
    for hit in range(1, 4):
        with Untouched(gateway, upstream, alice):
            refused_openai(client, [{"role": "user", "content": f"attempt {hit}: forbidden"}])
        assert users.get_user(owner.id).status == (users.STATUS_DISABLED if hit == 3 else users.STATUS_ENABLED)
    assert [e.action for e in list_risk_events(user_id=owner.id)] == ["refused,banned", "refused", "refused"]
    [row] = list_logs(type=SYSTEM, username="alice")
    assert row["user_id"] == owner.id
    assert "user disabled" in row["content"] and "3 sensitive-word hits" in row["content"]
    assert "forbidden" in row["content"]

    with pytest.raises(openai.PermissionDeniedError) as caught:  # a clean request, after the ban
        client.chat.completions.create(model=MODEL, messages=HELLO)
    assert caught.value.status_code == 403 and caught.value.code == "user_disabled"
    client_of_anthropic = anthropic_client(gateway, alice)
    try:
        with pytest.raises(anthropic.PermissionDeniedError):
            client_of_anthropic.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    finally:
        client_of_anthropic.close()
    assert len(upstream.requests) == 1


def test_without_the_ban_setting_hits_are_only_recorded(gateway, upstream, alice, sdk):
    client = sdk(alice)
    for _ in range(3):
        refused_openai(client, [{"role": "user", "content": "forbidden"}])
    assert users.find_user("alice").status == users.STATUS_ENABLED
    assert len(list_risk_events()) == 3
    assert list_logs(type=SYSTEM, username="alice") == []


def test_stop_on_sensitive_off_records_the_hit_and_lets_the_request_through(gateway, upstream, alice, sdk):
    set_option("STOP_ON_SENSITIVE_ENABLED", "false")
    reply = sdk(alice).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "say forbidden"}])
    assert reply.choices[0].message.content
    assert len(upstream.requests) == 1
    [event] = list_risk_events()
    assert (event.words, event.action) == (("forbidden",), "recorded")
    [row] = consume_logs(gateway)
    assert row["quota"] > 0 and row["username"] == "alice"


def test_check_sensitive_off_neither_refuses_nor_records(gateway, upstream, alice, sdk):
    set_option("CHECK_SENSITIVE_ENABLED", "false")
    sdk(alice).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "say forbidden"}])
    assert list_risk_events() == []
    assert len(consume_logs(gateway)) == 1
