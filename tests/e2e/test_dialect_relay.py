"""End to end, across dialects: what is billed, empty replies retried elsewhere, and the channel's
field filter and system prompt applied whatever the client's dialect.

Prices (worked out by hand below):

* claude-sonnet-4-5 from the shipped table: ratio 1.5, completion 5, cache read 0.1, cache write 1.25.
* set_price entries: as each test sets them; group ratio 1 (default group).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import openai
import pytest
from google.genai import types

from tests.conftest import make_token
from tests.e2e.dialects import (CLAUDE, GEMINI, anthropic_channel, anthropic_client, gemini_channel, genai_client,
                                openai_channel, sse_events)
from tests.e2e.helpers import sdk, sse_data
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.core.tokenize import count_completion, count_request_input
from voapi_desktop.gateway.dialects.anthropic_openai import anthropic_request_to_openai
from voapi_desktop.gateway.dialects.gemini_openai import gemini_request_to_openai
from voapi_desktop.store import prices, users
from voapi_desktop.store.logs import CONSUME, list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Reservation

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")]

QUOTA = 10_000_000
SAY_HELLO = "say hello"
CACHED = {"input_tokens": 10, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 40}


@dataclass
class Account:
    user_id: int
    key: str


@pytest.fixture
def account(gateway) -> Account:
    user = users.create_user("payer", "payer-password", quota=QUOTA)
    return Account(user.id, make_token("payer-key", username="payer", quota=QUOTA))


def books(gateway, account: Account) -> tuple[list[dict], int]:
    """The account's consume rows (oldest first) and what its balance went down by; nothing left held."""
    gateway.flush()
    rows = list(reversed(list_logs(type=CONSUME, username="payer", limit=100)))
    spent = QUOTA - users.get_user(account.user_id).quota
    assert spent == sum(r["quota"] for r in rows)
    assert Reservation.select().count() == 0
    return rows, spent


# --- one call in each client dialect ------------------------------------------------------------------


def call(gateway, client: str, model: str, key: str, stream: bool, **extra) -> str:
    """`say hello` from `client`'s official SDK; the text it got back."""
    if client == "anthropic":
        with anthropic_client(gateway, key) as api:
            if stream:
                with api.messages.stream(model=model, max_tokens=100,
                                         messages=[{"role": "user", "content": SAY_HELLO}], **extra) as events:
                    return events.get_final_message().content[0].text
            return api.messages.create(model=model, max_tokens=100,
                                       messages=[{"role": "user", "content": SAY_HELLO}], **extra).content[0].text
    if client == "gemini":
        with genai_client(gateway, key) as api:
            if stream:
                return "".join(c.text or "" for c in api.models.generate_content_stream(model=model,
                                                                                        contents=SAY_HELLO))
            return api.models.generate_content(model=model, contents=SAY_HELLO).text
    with sdk(gateway, key) as api:
        messages = [{"role": "user", "content": SAY_HELLO}]
        if stream:
            chunks = api.chat.completions.create(model=model, messages=messages, stream=True, **extra)
            return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        return api.chat.completions.create(model=model, messages=messages, **extra).choices[0].message.content


def local_prompt(client: str, model: str) -> int:
    """The gateway's own count of the prompt `call` sends (as the client's body translates to chat)."""
    if client == "anthropic":
        body = anthropic_request_to_openai({"messages": [{"role": "user", "content": SAY_HELLO}], "max_tokens": 100})
    elif client == "gemini":
        body = gemini_request_to_openai({"contents": [{"role": "user", "parts": [{"text": SAY_HELLO}]}]}, model, False)
    else:
        body = {"messages": [{"role": "user", "content": SAY_HELLO}]}
    return count_request_input("chat", body, model)


STREAMS = [pytest.param(False, id="plain"), pytest.param(True, id="stream")]


# --- billing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("client", ["anthropic", "openai"])
def test_anthropic_cache_reads_and_writes_are_billed_with_their_ratios(gateway, upstream, account, client, stream):
    anthropic_channel(upstream)
    upstream.behave("anthropic-channel-key", Behaviour(usage=CACHED))
    assert call(gateway, client, CLAUDE, account.key, stream) == DEFAULT_REPLY
    [row], spent = books(gateway, account)
    # prompt = 10 fresh + 100 read + 40 written = 150; units = 10 + 100 x 0.1 + 40 x 1.25 + 4 x 5 = 90
    assert (row["prompt_tokens"], row["completion_tokens"]) == (150, 4)
    assert row["other"]["cache_tokens"] == 100
    assert not row["other"].get("usage_counted_locally")
    assert row["quota"] == spent == 135  # 90 x 1.5


def test_a_cache_write_ratio_set_by_the_operator_is_used(gateway, upstream, account):
    anthropic_channel(upstream)
    upstream.behave("anthropic-channel-key", Behaviour(usage=CACHED))
    prices.set_price(CLAUDE, ratio="2", completion_ratio="4", cache_ratio="0.25", cache_write_ratio="2")
    call(gateway, "anthropic", CLAUDE, account.key, False)
    prices.set_price(CLAUDE, ratio="2", completion_ratio="4", cache_ratio="0.25")  # writes back at 1
    call(gateway, "anthropic", CLAUDE, account.key, False)
    rows, _ = books(gateway, account)
    # units: 10 + 100 x 0.25 + 40 x 2 + 4 x 4 = 131, then 10 + 25 + 40 + 16 = 91; both x 2
    assert [r["quota"] for r in rows] == [262, 182]


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("client", ["gemini", "openai"])
def test_gemini_usage_is_billed_from_the_last_usage_metadata(gateway, upstream, account, client, stream):
    gemini_channel(upstream)
    prices.set_price(GEMINI, ratio="1", completion_ratio="2")
    # Streamed, only the last chunk carries these numbers (the earlier ones count words so far).
    upstream.behave("gemini-channel-key", Behaviour(usage={"promptTokenCount": 30, "candidatesTokenCount": 40,
                                                           "thoughtsTokenCount": 6}))
    assert call(gateway, client, GEMINI, account.key, stream, **({"stream_options": {"include_usage": True}}
                                                                  if client == "openai" and stream else {}))
    [row], spent = books(gateway, account)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (30, 46)  # thoughts are output
    assert row["quota"] == spent == 30 + 46 * 2


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("client,channel", [("anthropic", "anthropic"), ("openai", "anthropic"),
                                            ("gemini", "gemini"), ("openai", "gemini"),
                                            ("anthropic", "openai"), ("gemini", "openai")])
def test_without_upstream_usage_the_local_count_is_billed(gateway, upstream, account, client, channel, stream):
    model = GEMINI if client == "gemini" or channel == "gemini" else CLAUDE
    {"anthropic": anthropic_channel, "gemini": gemini_channel}.get(channel, openai_channel)(upstream, models=model)
    prices.set_price(model, ratio="1", completion_ratio="2")
    upstream.behave("*", Behaviour(omit_usage=True))
    if (client, channel, stream) == ("anthropic", "anthropic", True):
        # Passed through, a stream without usage trips the SDK's accumulator (the real API always has it).
        answer = httpx.post(gateway.url + "/v1/messages", timeout=20,
                            headers={"x-api-key": account.key, "anthropic-version": "2023-06-01"},
                            json={"model": model, "max_tokens": 100, "stream": True,
                                  "messages": [{"role": "user", "content": SAY_HELLO}]})
        text = "".join(data["delta"]["text"] for name, data in sse_events(answer.content)
                       if name == "content_block_delta")
    else:
        text = call(gateway, client, model, account.key, stream)
    assert text == DEFAULT_REPLY
    [row], spent = books(gateway, account)
    prompt, completion = local_prompt(client, model), count_completion(DEFAULT_REPLY, model)
    assert row["other"]["usage_counted_locally"] is True
    assert (row["prompt_tokens"], row["completion_tokens"]) == (prompt, completion)
    assert row["quota"] == spent == prompt + 2 * completion


# --- empty replies -------------------------------------------------------------------------------------


def two_channels(upstream, kind: str, model: str):
    """A preferred channel that answers empty replies and a healthy one below it."""
    make = {"anthropic": anthropic_channel, "gemini": gemini_channel}.get(kind, openai_channel)
    empty = make(upstream, "empty", "empty-key", models=model, priority=10)
    healthy = make(upstream, "healthy", "healthy-key", models=model, priority=0)
    upstream.behave("empty-key", Behaviour(reply=""))
    return empty, healthy


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("client,channel", [("anthropic", "anthropic"), ("openai", "anthropic"),
                                            ("gemini", "gemini"), ("openai", "gemini"),
                                            ("anthropic", "openai"), ("gemini", "openai")])
def test_an_empty_reply_is_retried_on_another_channel_and_not_billed(gateway, upstream, account, client,
                                                                     channel, stream):
    model = GEMINI if client == "gemini" or channel == "gemini" else CLAUDE
    empty, healthy = two_channels(upstream, channel, model)
    assert call(gateway, client, model, account.key, stream) == DEFAULT_REPLY
    assert [r.key for r in upstream.requests] == ["empty-key", "healthy-key"]
    [row], spent = books(gateway, account)
    assert row["other"]["retry_chain"] == [empty.id, healthy.id]
    assert row["channel_id"] == healthy.id
    assert row["completion_tokens"] == 4 and row["quota"] == spent


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("client,channel", [("anthropic", "anthropic"), ("openai", "anthropic"),
                                            ("gemini", "gemini"), ("openai", "gemini")])
def test_only_empty_replies_are_a_clear_502_and_cost_nothing(gateway, upstream, account, client, channel, stream):
    model = GEMINI if client == "gemini" or channel == "gemini" else CLAUDE
    two_channels(upstream, channel, model)
    upstream.behave("healthy-key", Behaviour(reply=""))
    set_option("EMPTY_REPLY_RETRY_TIMES", "1")
    if client == "anthropic":
        answer = httpx.post(gateway.url + "/v1/messages", timeout=20,
                            headers={"x-api-key": account.key, "anthropic-version": "2023-06-01"},
                            json={"model": model, "max_tokens": 100, "stream": stream,
                                  "messages": [{"role": "user", "content": SAY_HELLO}]})
        body = answer.json()
        assert body["type"] == "error" and body["error"]["type"] == "api_error"
        message = body["error"]["message"]
    elif client == "gemini":
        action = "streamGenerateContent?alt=sse" if stream else "generateContent"
        answer = httpx.post(f"{gateway.url}/v1beta/models/{model}:{action}", timeout=20,
                            headers={"x-goog-api-key": account.key},
                            json={"contents": [{"role": "user", "parts": [{"text": SAY_HELLO}]}]})
        body = answer.json()
        assert body["error"]["code"] == 502 and body["error"]["status"] == "UNAVAILABLE"
        message = body["error"]["message"]
    else:
        answer = httpx.post(gateway.base_url + "/chat/completions", timeout=20,
                            headers={"Authorization": f"Bearer {account.key}"},
                            json={"model": model, "stream": stream,
                                  "messages": [{"role": "user", "content": SAY_HELLO}]})
        body = answer.json()
        assert body["error"]["code"] == "empty_reply"
        message = body["error"]["message"]
    assert answer.status_code == 502
    assert "empty reply" in message and "nothing was billed" in message
    assert [r.key for r in upstream.requests] == ["empty-key", "healthy-key"]
    rows, spent = books(gateway, account)
    assert rows == [] and spent == 0


def test_the_empty_reply_retry_budget_is_an_option(gateway, upstream, account):
    two_channels(upstream, "anthropic", CLAUDE)
    set_option("EMPTY_REPLY_RETRY_TIMES", "0")
    with sdk(gateway, account.key) as api, pytest.raises(openai.APIStatusError) as caught:
        api.chat.completions.create(model=CLAUDE, messages=[{"role": "user", "content": SAY_HELLO}])
    assert caught.value.status_code == 502 and caught.value.code == "empty_reply"
    assert [r.key for r in upstream.requests] == ["empty-key"]
    assert books(gateway, account) == ([], 0)


# --- the channel's field filter and system prompt ---------------------------------------------------------


SHAPING = {"drop_fields": ["logprobs", "user"], "system_prompt": "Be brief.", "system_prompt_mode": "prepend"}


@pytest.mark.parametrize("client", ["openai", "anthropic", "gemini"])
def test_an_openai_channel_drops_fields_and_prepends_its_system_prompt(gateway, upstream, client):
    model = GEMINI if client == "gemini" else CLAUDE
    openai_channel(upstream, models=model, setting=SHAPING)
    key = make_token()
    extra = {"openai": {"logprobs": True, "user": "someone"},
             "anthropic": {"metadata": {"user_id": "someone"}}}.get(client, {})
    assert call(gateway, client, model, key, False, **extra) == DEFAULT_REPLY
    sent = upstream.requests[-1].json
    assert "logprobs" not in sent and "user" not in sent
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["messages"][1:] == [{"role": "user", "content": SAY_HELLO}]


@pytest.mark.parametrize("client", ["anthropic", "openai"])
def test_an_anthropic_channel_prepends_its_system_prompt_to_system(gateway, upstream, client):
    anthropic_channel(upstream, setting=SHAPING)
    key = make_token()
    if client == "openai":
        with sdk(gateway, key) as api:
            api.chat.completions.create(model=CLAUDE, user="someone", messages=[
                {"role": "system", "content": "Be terse."}, {"role": "user", "content": SAY_HELLO}])
    else:
        call(gateway, client, CLAUDE, key, False, system="Be terse.", extra_body={"user": "someone"})
    sent = upstream.requests[-1].json
    assert sent["system"] == "Be brief.\n\nBe terse."
    assert "user" not in sent and "metadata" not in sent  # dropped before it could become metadata.user_id


@pytest.mark.parametrize("client", ["gemini", "openai"])
def test_a_gemini_channel_prepends_its_system_prompt_to_the_system_instruction(gateway, upstream, client):
    gemini_channel(upstream, setting=SHAPING)
    key = make_token()
    if client == "gemini":
        with genai_client(gateway, key) as api:
            api.models.generate_content(model=GEMINI, contents=SAY_HELLO,
                                        config=types.GenerateContentConfig(system_instruction="Be terse."))
    else:
        with sdk(gateway, key) as api:
            api.chat.completions.create(model=GEMINI, user="someone", logprobs=True, messages=[
                {"role": "system", "content": "Be terse."}, {"role": "user", "content": SAY_HELLO}])
    sent = upstream.requests[-1].json
    assert sent["systemInstruction"]["parts"] == [{"text": "Be brief."}, {"text": "Be terse."}]
    assert "user" not in sent and "logprobs" not in sent


def test_an_anthropic_stream_error_event_is_anthropic_even_on_an_anthropic_front_to_gemini(gateway, upstream):
    """A translation in both directions (Anthropic client, Gemini channel) still ends in Anthropic's error."""
    gemini_channel(upstream, models=CLAUDE)
    upstream.behave("gemini-channel-key", Behaviour(midstream_error_after_chunks=1))
    key = make_token()
    answer = httpx.post(gateway.url + "/v1/messages", timeout=20,
                        headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
                        json={"model": CLAUDE, "max_tokens": 100, "stream": True,
                              "messages": [{"role": "user", "content": SAY_HELLO}]})
    names = [name for name, _ in sse_events(answer.content)]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-1] == "error" and "message_stop" not in names
    assert not sse_data(answer.content)[-1].startswith(b"[DONE]")
    assert json.loads(sse_data(answer.content)[-1])["type"] == "error"
