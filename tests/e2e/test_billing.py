"""End to end: what requests cost, checked to the quota unit in every book that records it.

Prices used throughout (worked out by hand in each test):

* gpt-4o-mini is set to ratio 2, completion ratio 3, cache ratio 0.5.
* GROUP_RATIO: default 1, vip 0.8. Alice is in vip, Carol in default.
* The fake upstream's usage for HELLO ("say hello", one message): prompt = 2 words + 3 = 5,
  completion = the 4 words of "Hello from fake upstream.".
* The gateway's own count (used when the upstream reports nothing): HELLO is 9 tokens for
  gpt-4o-mini (3 priming + 3 per message + "user" 1 + "say hello" 2), the reply is 5 tokens
  ("Hello", " from", " fake", " upstream", ".").
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import openai
import orjson
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import sse_data, token_id
from tests.fakes.upstream import DEFAULT_REPLY, Behaviour
from voapi_desktop.core.tokenize import count_completion, count_request_input
from voapi_desktop.gateway.fastpath import FastPath
from voapi_desktop.store import channels, prices, tokens, users
from voapi_desktop.store.billing import Settlement, apply_settlement, reserve
from voapi_desktop.store.logs import CONSUME, LogEntry, list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Reservation, Token, User
from voapi_desktop.store.transactions import write_transaction
from voapi_desktop.store.wallet import top_up

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
MODELS = "gpt-4o-mini,my-model,dall-e-3,tts-1,whisper-1"
LOCAL_PROMPT = 9  # the gateway's count of HELLO (see the module docstring)
LOCAL_REPLY = 5  # the gateway's count of DEFAULT_REPLY


@dataclass
class Account:
    user_id: int
    key: str
    token_id: int
    user_quota: int
    token_quota: int | None  # None: unlimited


def open_account(name: str, group: str, user_quota: int, token_quota: int | None) -> Account:
    user = users.create_user(name, f"{name}-password", quota=user_quota, group=group)
    fields = {"quota": token_quota} if token_quota is not None else {}
    key = make_token(f"{name}-key", username=name, **fields)
    return Account(user.id, key, token_id(key), user_quota, token_quota)


@pytest.fixture
def channel(gateway, upstream):
    """One channel for both groups; known prices and group ratios."""
    made = add_channel(upstream, key="up-key", models=MODELS, group="default,vip")
    prices.set_price("gpt-4o-mini", ratio="2", completion_ratio="3", cache_ratio="0.5")
    set_option("GROUP_RATIO", json.dumps({"default": 1, "vip": 0.8}))
    return made


@pytest.fixture
def alice(channel) -> Account:
    return open_account("alice", "vip", 10_000_000, 1_000_000)


@pytest.fixture
def carol(channel) -> Account:
    return open_account("carol", "default", 10_000_000, 1_000_000)


def assert_books(gateway, account: Account, channel_id: int, rows: list[tuple[int, int, int]],
                 channel_before: int = 0) -> list[dict]:
    """Every book agrees, exactly: rows are the account's (quota, prompt_tokens, completion_tokens),
    oldest first; the channel has also served `channel_before` quota to other accounts."""
    gateway.flush()
    logs = list(reversed(list_logs(type=CONSUME, username=users.get_user(account.user_id).username, limit=1000)))
    assert [(r["quota"], r["prompt_tokens"], r["completion_tokens"]) for r in logs] == rows
    spent = sum(quota for quota, _, _ in rows)
    user = users.get_user(account.user_id)
    assert (user.quota, user.used_quota, user.request_count) == (account.user_quota - spent, spent, len(rows))
    [token] = [t for t in tokens.list_tokens(account.user_id) if t.id == account.token_id]
    assert token.used_quota == spent
    if account.token_quota is not None:
        assert token.remain_quota == account.token_quota - spent
    assert channels.get_channel(channel_id).used_quota == channel_before + spent
    assert sum(r["quota"] for r in logs) == user.used_quota == token.used_quota
    assert Reservation.select().count() == 0
    return logs


def assert_untouched(gateway, account: Account, channel_id: int) -> None:
    assert_books(gateway, account, channel_id, [])


def chunks_of(stream) -> list:
    return list(stream)


# --- chat: plain, streamed, with and without usage ------------------------------------


def test_known_usage_is_billed_exactly_in_every_mode(gateway, upstream, channel, alice, sdk):
    client = sdk(alice.key)
    # 1. non-stream: (5 + 4 x 3) x 2 x 0.8 = 17 x 1.6 = 27.2 -> 27
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (5, 4)

    # 2. stream with include_usage: the client gets the upstream's usage chunk; 27 as above
    chunks = chunks_of(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                                      stream_options={"include_usage": True}))
    assert [(c.usage.prompt_tokens, c.usage.completion_tokens) for c in chunks if c.usage] == [(5, 4)]

    # 3. stream without include_usage: forced upstream, withheld from the client; 27 as above
    chunks = chunks_of(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    assert upstream.requests[-1].json["stream_options"] == {"include_usage": True}
    assert all(c.usage is None and c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == DEFAULT_REPLY

    # 4. cached prompt tokens: 1000 prompt of which 400 cached, 200 completion:
    #    (600 + 400 x 0.5 + 200 x 3) x 2 x 0.8 = (600 + 200 + 600) x 1.6 = 1400 x 1.6 = 2240
    upstream.behave("up-key", Behaviour(usage={"prompt_tokens": 1000, "completion_tokens": 200,
                                               "prompt_tokens_details": {"cached_tokens": 400}}, count=1))
    client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)

    logs = assert_books(gateway, alice, channel.id, [(27, 5, 4), (27, 5, 4), (27, 5, 4), (2240, 1000, 200)])
    assert [r["is_stream"] for r in logs] == [False, True, True, False]
    assert logs[3]["other"]["cache_tokens"] == 400
    assert not any(r["other"].get("usage_counted_locally") for r in logs)
    # what was reserved: (9 local prompt + 500 default output x 3) x 2 x 0.8 = 1509 x 1.6 = 2414.4 -> 2415
    assert {r["other"]["reserved"] for r in logs} == {2415}
    assert logs[0]["other"]["group_ratio"] == 0.8 and logs[0]["other"]["model_ratio"] == 2


@pytest.mark.parametrize("mode", ["plain", "stream with include_usage", "stream without include_usage"])
def test_missing_usage_is_billed_from_the_local_count(gateway, upstream, channel, alice, sdk, mode):
    # local count: (9 + 5 x 3) x 2 x 0.8 = 24 x 1.6 = 38.4 -> 38
    assert count_request_input("chat", {"messages": HELLO}, "gpt-4o-mini") == LOCAL_PROMPT
    assert count_completion(DEFAULT_REPLY, "gpt-4o-mini") == LOCAL_REPLY
    upstream.behave("up-key", Behaviour(omit_usage=True))
    client = sdk(alice.key)
    if mode == "plain":
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
        assert reply.usage is None and reply.choices[0].message.content == DEFAULT_REPLY
    elif mode == "stream with include_usage":
        chunks = chunks_of(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True,
                                                          stream_options={"include_usage": True}))
        usage = [c.usage for c in chunks if c.usage]  # synthesized by the gateway, what it bills
        assert [(u.prompt_tokens, u.completion_tokens, u.total_tokens) for u in usage] == [(9, 5, 14)]
        assert chunks[-1].usage is not None and chunks[-1].choices == []
    else:
        chunks = chunks_of(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
        assert all(c.usage is None and c.choices for c in chunks)
    [row] = assert_books(gateway, alice, channel.id, [(38, LOCAL_PROMPT, LOCAL_REPLY)])
    assert row["other"]["usage_counted_locally"] is True


def test_a_stream_without_include_usage_shows_no_usage_chunk_on_the_wire(gateway, upstream, channel, alice):
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    raw = httpx.post(gateway.base_url + "/chat/completions", json=body,
                     headers={"Authorization": f"Bearer {alice.key}"}, timeout=20).content
    payloads = [orjson.loads(d) for d in sse_data(raw) if d != b"[DONE]"]
    assert payloads and all(p["choices"] for p in payloads)
    assert not any(p.get("usage") for p in payloads)
    assert raw.endswith(b"data: [DONE]\n\n")
    assert_books(gateway, alice, channel.id, [(27, 5, 4)])


# --- refusals and failures cost nothing --------------------------------------------------


def test_a_model_without_a_price_is_refused_before_any_upstream_call(gateway, upstream, channel, alice, sdk):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(alice.key).chat.completions.create(model="my-model", messages=HELLO)
    assert caught.value.status_code == 400
    assert caught.value.code == "model_price_not_configured"
    assert "'my-model'" in caught.value.message
    assert upstream.requests == []
    assert_untouched(gateway, alice, channel.id)


def test_self_use_mode_serves_an_unpriced_model_at_the_fallback_ratio(gateway, upstream, channel, alice, sdk):
    set_option("SELF_USE_MODE_ENABLED", "true")
    sdk(alice.key).chat.completions.create(model="my-model", messages=HELLO)
    # ratio 37.5, no completion ratio, group 0.8: (5 + 4) x 37.5 x 0.8 = 9 x 30 = 270
    [row] = assert_books(gateway, alice, channel.id, [(270, 5, 4)])
    assert row["other"]["model_ratio"] == 37.5
    # reserved: my-model is no OpenAI model, so HELLO is estimated by character classes: 11 tokens
    # (3 priming + 3 per message + "user" 1.2 -> 2 + "say hello" 2.5 -> 3); (11 + 500) x 30 = 15,330
    assert count_request_input("chat", {"messages": HELLO}, "my-model") == 11
    assert row["other"]["reserved"] == 15_330


def test_a_request_that_fails_everywhere_is_refunded(gateway, upstream, channel, alice, sdk):
    add_channel(upstream, "second", key="up-key-2", models=MODELS, group="default,vip")
    set_option("RETRY_TIMES", "3")
    upstream.behave("*", Behaviour.error(500, "server_error"))
    with pytest.raises(openai.InternalServerError):
        sdk(alice.key).chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    with pytest.raises(openai.InternalServerError):
        chunks_of(sdk(alice.key).chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    assert sorted(r.key for r in upstream.requests) == ["up-key", "up-key", "up-key-2", "up-key-2"]
    assert_untouched(gateway, alice, channel.id)
    assert User.get_by_id(alice.user_id).quota == alice.user_quota
    assert Token.get_by_id(alice.token_id).remain_quota == alice.token_quota


# --- concurrency: the balance is never overdrawn -------------------------------------------


def _hammer(gateway, key: str, body: dict, count: int) -> list[httpx.Response]:
    """`count` requests at once, each on its own connection; bounded in time."""
    start = threading.Barrier(count)

    def one(_):
        with httpx.Client(timeout=20) as client:
            start.wait(timeout=10)
            return client.post(gateway.base_url + "/chat/completions", json=body,
                               headers={"Authorization": f"Bearer {key}"})
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count), timeout=30))


class BalanceWatch:
    """Samples the user's and the token's balance while requests run; remembers the lowest."""

    def __init__(self, account: Account):
        self.account = account
        self.lowest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from voapi_desktop.store.tables import database
        lowest = None
        while not self._stop.is_set():
            user = User.select(User.quota).where(User.id == self.account.user_id).scalar()
            token = Token.select(Token.remain_quota).where(Token.id == self.account.token_id).scalar()
            sample = min(user, token if self.account.token_quota is not None else user)
            lowest = sample if lowest is None else min(lowest, sample)
            time.sleep(0.002)
        self.lowest = lowest
        database.close()

    def __enter__(self) -> "BalanceWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


# Each request: prompt 9 (the upstream is told to report what the gateway counts), max_tokens 4 = the
# reply's 4 words, so the reservation (9 + 4 x 3) x 2 = 42 is exactly the cost (9 + 4 x 3) x 2 = 42.
# A balance of 420 fits exactly 10 of them.
EXACT_COST = 42
LIMITS = {"token": (10_000_000, 10 * EXACT_COST), "user": (10 * EXACT_COST, None)}


def use_holds(gateway, holds: str) -> None:
    """memory: one gateway on SQLite (the default here); database: reservation rows, as on a shared database."""
    if holds == "database":
        gateway.state.quota_book = None


@pytest.mark.parametrize("holds", ["memory", "database"])
@pytest.mark.parametrize("limited", sorted(LIMITS))
def test_fifty_concurrent_requests_against_a_balance_for_ten(gateway, upstream, channel, limited, holds):
    use_holds(gateway, holds)
    user_quota, token_quota = LIMITS[limited]
    account = open_account("dave", "default", user_quota, token_quota)
    upstream.behave("up-key", Behaviour(usage={"prompt_tokens": LOCAL_PROMPT}))
    body = {"model": "gpt-4o-mini", "messages": HELLO, "max_tokens": 4}
    with BalanceWatch(account) as watch:
        answers = _hammer(gateway, account.key, body, 50)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 10 + [429] * 40
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 429} == {"insufficient_quota"}
    assert len(upstream.requests) == 10  # refused requests never reach the upstream
    assert watch.lowest >= 0
    logs = assert_books(gateway, account, channel.id, [(EXACT_COST, LOCAL_PROMPT, 4)] * 10)
    assert {r["other"]["reserved"] for r in logs} == {EXACT_COST}
    balance = User.get_by_id(account.user_id).quota if limited == "user" else \
        Token.get_by_id(account.token_id).remain_quota
    assert balance == 0


@pytest.mark.parametrize("holds", ["memory", "database"])
@pytest.mark.parametrize("limited", ["token", "user"])
def test_costs_above_the_reservation_never_overdraw_and_the_shortfall_is_recorded(gateway, upstream, channel,
                                                                                  limited, holds):
    use_holds(gateway, holds)
    # No max_tokens: the reservation is (9 + 500 x 3) x 2 = 3018, but the upstream reports 1000
    # completion tokens: (9 + 1000 x 3) x 2 = 6018. A balance of 10,000 holds three reservations.
    cost, balance = 6018, 10_000
    account = open_account("erin", "default", *((10_000_000, balance) if limited == "token" else (balance, None)))
    upstream.behave("up-key", Behaviour(usage={"prompt_tokens": LOCAL_PROMPT, "completion_tokens": 1000}))
    body = {"model": "gpt-4o-mini", "messages": HELLO}
    with BalanceWatch(account) as watch:
        answers = _hammer(gateway, account.key, body, 30)
    ok = [a for a in answers if a.status_code == 200]
    assert len(ok) >= 2 and all(a.status_code in (200, 429) for a in answers)
    assert watch.lowest >= 0
    gateway.flush()
    logs = list_logs(type=CONSUME, username="erin", limit=100)
    assert len(logs) == len(ok) == len(upstream.requests)
    assert all(r["other"]["reserved"] == 3018 for r in logs)
    assert all(r["quota"] + r["other"].get("unpaid_quota", 0) == cost for r in logs)
    assert any(r["other"].get("unpaid_quota") for r in logs)  # 2 x 6018 > 10,000
    user, token = User.get_by_id(account.user_id), Token.get_by_id(account.token_id)
    final = token.remain_quota if limited == "token" else user.quota
    assert 0 <= final < 3018
    assert sum(r["quota"] for r in logs) == balance - final == user.used_quota == token.used_quota
    assert channels.get_channel(channel.id).used_quota == user.used_quota
    assert Reservation.select().count() == 0


# --- a client that leaves mid-stream pays for what was produced ------------------------------


def _content_events(raw: bytes) -> list[str]:
    texts = []
    for data in sse_data(raw.rsplit(b"\n\n", 1)[0] if not raw.endswith(b"\n\n") else raw):
        if data == b"[DONE]":
            continue
        for choice in orjson.loads(data).get("choices") or ():
            if choice.get("delta", {}).get("content"):
                texts.append(choice["delta"]["content"])
    return texts


def test_a_client_that_leaves_mid_stream_pays_for_the_tokens_it_got(gateway, upstream, channel, alice):
    reply = " ".join(f"word{i}" for i in range(60))
    upstream.behave("up-key", Behaviour(chunk_delay=0.2, reply=reply))  # about 12 s in full
    body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": True}
    received = b""
    with httpx.Client(timeout=10) as client:
        with client.stream("POST", gateway.base_url + "/chat/completions", json=body,
                           headers={"Authorization": f"Bearer {alice.key}"}) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                received += chunk
                if len(_content_events(received)) >= 2:
                    break
    assert upstream.wait_for(lambda: upstream.disconnects == 1, timeout=3)
    assert upstream.completed_streams == 0
    got = "".join(_content_events(received))
    assert got.startswith("word0 word1")
    completion = count_completion(got, "gpt-4o-mini")
    assert completion >= 4  # "word", "0", " word", "1"
    assert upstream.wait_for(lambda: gateway.flush() or list_logs(type=CONSUME, username="alice"), timeout=3)
    # counted locally: (9 + completion x 3) x 2 x 0.8, rounded half up
    quota = ((LOCAL_PROMPT + completion * 3) * 16 + 5) // 10  # x 1.6 in tenths, + half, floored
    [row] = assert_books(gateway, alice, channel.id, [(quota, LOCAL_PROMPT, completion)])
    assert row["other"]["usage_counted_locally"] is True
    assert row["is_stream"]


# --- images, speech, transcription ----------------------------------------------------------


def test_images_are_billed_per_image_by_size_and_quality(gateway, upstream, channel, carol, alice, sdk):
    result = sdk(carol.key).images.generate(model="dall-e-3", prompt="a cat", size="1792x1024", quality="hd", n=2)
    assert len(result.data) == 2
    # $0.04 x 3 (hd 1792x1024) x 2 images = $0.24 = 120,000 quota
    [row] = assert_books(gateway, carol, channel.id, [(120_000, 0, 0)])
    assert row["other"]["model_price"] == 0.04
    # standard 1024x1024, one image, group vip: $0.04 x 1 x 1 x 0.8 = 0.032 x 500,000 = 16,000
    sdk(alice.key).images.generate(model="dall-e-3", prompt="a cat")
    assert_books(gateway, alice, channel.id, [(16_000, 0, 0)], channel_before=120_000)


def test_speech_is_billed_per_input_character(gateway, upstream, channel, carol, alice, sdk):
    # tts-1: 7.5 per character; "Hello world" = 11 characters: 82.5 -> 83
    audio = sdk(carol.key).audio.speech.create(model="tts-1", voice="alloy", input="Hello world")
    assert len(audio.read()) == upstream.speech_bytes
    [row] = assert_books(gateway, carol, channel.id, [(83, 11, 0)])
    # group vip: 11 x 7.5 x 0.8 = 66
    sdk(alice.key).audio.speech.create(model="tts-1", voice="alloy", input="Hello world").read()
    assert_books(gateway, alice, channel.id, [(66, 11, 0)], channel_before=83)


def wav_file(seconds: int, rate: int = 1000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(rate)
        audio.writeframes(b"\x80" * (seconds * rate))
    return out.getvalue()


def test_transcription_is_billed_by_duration(gateway, upstream, channel, carol, sdk):
    client = sdk(carol.key)
    audio = ("speech.wav", wav_file(61), "audio/wav")
    # 1. the upstream reports no usage: the WAV's 61 s -> 61 x 1000 / 60 = 1016.67 -> 1017 tokens;
    #    whisper-1 ratio 3: 1017 x 3 = 3051
    upstream.behave("up-key", Behaviour(omit_usage=True, count=1))
    assert client.audio.transcriptions.create(model="whisper-1", file=audio).text == DEFAULT_REPLY
    # 2. the upstream reports its own duration (the fake says 1 s): 1000 / 60 = 16.67 -> 17 tokens; x 3 = 51
    client.audio.transcriptions.create(model="whisper-1", file=audio)
    # 3. ... and 61 s: 3051 again
    upstream.behave("up-key", Behaviour(usage={"seconds": 61}, count=1))
    client.audio.transcriptions.create(model="whisper-1", file=audio)
    logs = assert_books(gateway, carol, channel.id, [(3051, 1017, 0), (51, 17, 0), (3051, 1017, 0)])
    assert [bool(r["other"].get("usage_counted_locally")) for r in logs] == [True, False, False]
    assert {r["other"]["reserved"] for r in logs} == {3051}


# --- settlement happens once -------------------------------------------------------------------


def test_settlement_is_idempotent(store):
    user = users.create_user("frank", "frank-password", quota=10_000)
    token = tokens.create_token(user.id, "frank-key", quota=5_000)
    channel = channels.create_channel(type="OpenAI", name="c", key="k", base_url="http://127.0.0.1:9",
                                      models="gpt-4o-mini")
    reserve("req-1", user.id, token.id, True, 300)
    assert (User.get_by_id(user.id).quota, Token.get_by_id(token.id).remain_quota) == (9_700, 4_700)
    entry = LogEntry(type=CONSUME, user_id=user.id, username="frank", token_id=token.id, model_name="gpt-4o-mini",
                     request_id="req-1")
    settlement = Settlement("req-1", user.id, token.id, True, channel.id, reserved=300, cost=120, log=entry)
    with write_transaction():
        assert apply_settlement(settlement) == 120
        assert apply_settlement(settlement) is None
    with write_transaction():
        assert apply_settlement(settlement) is None
    user_row, token_row = User.get_by_id(user.id), Token.get_by_id(token.id)
    assert (user_row.quota, user_row.used_quota, user_row.request_count) == (9_880, 120, 1)
    assert (token_row.remain_quota, token_row.used_quota) == (4_880, 120)
    assert channels.get_channel(channel.id).used_quota == 120
    assert Reservation.select().count() == 0


# --- a client that leaves while its quota is being reserved ----------------------------------


def test_a_client_that_leaves_during_the_reservation_gets_it_back(gateway, upstream, channel, alice, monkeypatch):
    from voapi_desktop.gateway.relay import billing as relay_billing

    def slow_reserve(*args):
        time.sleep(0.5)  # the client gives up meanwhile; the reservation still commits in this thread
        reserve(*args)
    gateway.state.quota_book = None  # holds in the database, as on a shared PostgreSQL/MySQL
    monkeypatch.setattr(relay_billing, "reserve", slow_reserve)
    count_request_input("chat", {"messages": HELLO}, "gpt-4o-mini")  # the tokenizer is loaded: no delay before
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(gateway.base_url + "/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO},
                   headers={"Authorization": f"Bearer {alice.key}"}, timeout=0.2)
    time.sleep(0.5)  # the reservation has committed by now
    assert upstream.wait_for(lambda: not gateway.flush() and Reservation.select().count() == 0, timeout=3)
    assert upstream.requests == []
    assert_untouched(gateway, alice, channel.id)


def test_a_client_that_leaves_before_its_stream_is_sent_is_still_settled(gateway, upstream, channel, alice,
                                                                        monkeypatch):
    """The answer is ready but the server has not begun sending it when the client leaves."""
    send_answer = FastPath.send_answer

    async def slow_to_send(send, answer, request_id):
        if answer.stream is not None:
            await asyncio.sleep(1.0)  # the client gives up meanwhile
        await send_answer(send, answer, request_id)
    monkeypatch.setattr(FastPath, "send_answer", staticmethod(slow_to_send))
    count_request_input("chat", {"messages": HELLO}, "gpt-4o-mini")  # the tokenizer is loaded: no delay before
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(gateway.base_url + "/chat/completions",
                   json={"model": "gpt-4o-mini", "messages": HELLO, "stream": True},
                   headers={"Authorization": f"Bearer {alice.key}"}, timeout=0.5)
    assert len(upstream.requests) == 1
    assert upstream.wait_for(lambda: not gateway.flush() and Reservation.select().count() == 0, timeout=3)
    [row] = list_logs(type=CONSUME, username="alice")
    assert row["is_stream"]
    assert_books(gateway, alice, channel.id, [(row["quota"], row["prompt_tokens"], row["completion_tokens"])])
    assert row["quota"] > 0


# --- balances changed elsewhere while the gateway runs -----------------------------------------


@pytest.mark.parametrize("holds", ["memory", "database"])
def test_a_top_up_made_while_the_gateway_runs_is_usable_at_once(gateway, upstream, channel, holds):
    use_holds(gateway, holds)
    account = open_account("fay", "default", 2 * EXACT_COST, None)
    upstream.behave("up-key", Behaviour(usage={"prompt_tokens": LOCAL_PROMPT}))
    body = {"model": "gpt-4o-mini", "messages": HELLO, "max_tokens": 4}
    statuses = [_post(gateway, account.key, body).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    top_up(account.user_id, 10 * EXACT_COST, "console top-up")  # another thread, as the console does
    statuses = [_post(gateway, account.key, body).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    gateway.flush()
    assert User.get_by_id(account.user_id).quota == 12 * EXACT_COST - 5 * EXACT_COST


def _post(gateway, key: str, body: dict) -> httpx.Response:
    return httpx.post(gateway.base_url + "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                      timeout=20)
