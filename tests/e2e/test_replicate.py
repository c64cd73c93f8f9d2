"""End to end: Replicate channels (type 56) behind the OpenAI API, with the official openai SDK.

Images (flux, ideogram, ...) through POST /v1/images/generations and language models (ibm-granite)
through /v1/chat/completions, against the Replicate fake (tests/fakes/replicate.py). Plus the
request mapping and the stream parsing on their own.

Prices: QUOTA_PER_UNIT is 500,000 per USD; flux-schnell $0.003 per image, ideogram-v2 $0.08.
"""

from __future__ import annotations

import base64
from fractions import Fraction

import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.helpers import consume_logs, sse_data
from tests.fakes.replicate import Plan, ReplicateFake, image_bytes
from tests.fakes.upstream import DEFAULT_REPLY
from voapi_desktop.core.channel_types import find_type
from voapi_desktop.core.tokenize import count_completion, count_request_input
from voapi_desktop.gateway.relay.wires import replicate as wire
from voapi_desktop.store import channels, prices, tokens, users
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.options import set_option
from voapi_desktop.store.prices import default_table

pytestmark = pytest.mark.e2e

FLUX = "black-forest-labs/flux-schnell"
IDEOGRAM = "ideogram-ai/ideogram-v2"
GRANITE = "ibm-granite/granite-3.3-8b-instruct"
MODELS = ",".join((FLUX, IDEOGRAM, GRANITE))
CHAT = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "say hello"}]


@pytest.fixture
def replicate():
    fake = ReplicateFake().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(wire, "POLL_INTERVAL", 0.02)


@pytest.fixture
def channel(gateway, replicate):
    return add_channel(replicate, key="rep-key", type="Replicate", models=MODELS)


@pytest.fixture
def client(channel, sdk) -> openai.OpenAI:
    return sdk(make_token())


def polls(fake: ReplicateFake) -> list:
    return [r for r in fake.replicate_requests() if r.method == "GET" and r.path.startswith("/v1/predictions/")]


# --- the channel type --------------------------------------------------------------------------


def test_replicate_is_channel_type_56_with_its_own_dialect():
    kind = find_type("replicate")
    assert (kind.id, kind.name, kind.dialect, kind.default_base_url) == \
        (56, "Replicate", "replicate", "https://api.replicate.com")
    info = channels.ChannelInfo(1, 56, "r", ("k",), "", ("m",), ("default",))
    from voapi_desktop.gateway.relay.wires import channel_dialect
    assert channel_dialect(info) == "replicate"
    assert info.effective_base_url == "https://api.replicate.com"


def test_default_prices_cover_the_replicate_families():
    table = default_table()
    assert table.find("black-forest-labs/flux-1.1-pro-ultra").price == Fraction("0.06")  # not flux-1.1-pro's
    assert table.find("ideogram-ai/ideogram-v2-turbo").price == Fraction("0.05")
    assert table.find("recraft-ai/recraft-v3-svg").price == Fraction("0.08")
    granite = table.find(GRANITE)
    assert (granite.price, granite.ratio, granite.completion_ratio) == (None, Fraction("0.015"), Fraction(25, 3))


# --- images --------------------------------------------------------------------------------------


def test_images_as_urls_when_prefer_wait_answers_at_once(gateway, replicate, client):
    result = client.images.generate(model=FLUX, prompt="a cat", size="1792x1024", n=2)
    [create] = replicate.created()
    assert create.path == "/v1/models/black-forest-labs/flux-schnell/predictions"
    assert create.key == "rep-key"
    assert create.headers["prefer"] == "wait=55"  # FIRST_BYTE_TIMEOUT 60 minus a margin
    assert create.json == {"input": {"prompt": "a cat", "aspect_ratio": "16:9", "num_outputs": 2,
                                     "output_format": "png"}}
    assert polls(replicate) == []
    pid = next(iter(replicate.predictions))
    assert [d.url for d in result.data] == [f"{replicate.url}/files/{pid}-{i}.png" for i in range(2)]
    # $0.003 x 2 images x 500,000 = 3,000
    [row] = consume_logs(gateway)
    assert (row["model_name"], row["quota"], row["prompt_tokens"], row["completion_tokens"]) == (FLUX, 3000, 0, 0)


def test_images_as_b64_json_after_polling(gateway, replicate, client):
    set_option("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.1")  # the fake serves its files on loopback
    replicate.plan = Plan(honour_wait=False, polls=2)
    result = client.images.generate(model=FLUX, prompt="a dog", response_format="b64_json")
    pid = next(iter(replicate.predictions))
    assert [base64.b64decode(d.b64_json) for d in result.data] == [image_bytes(f"{pid}-0")]
    assert len(polls(replicate)) == 3  # processing, processing, succeeded
    assert all(p.key == "rep-key" for p in polls(replicate))
    [download] = [r for r in replicate.requests if r.path.startswith("/files/")]
    assert "authorization" not in download.headers  # the key never goes with a file download
    assert consume_logs(gateway)[0]["quota"] == 1500


def test_output_files_on_a_private_address_are_not_fetched(gateway, replicate, client):
    """The output URLs come from the upstream's answer: gateway.outbound refuses loopback by default."""
    with pytest.raises(openai.APIStatusError) as error:
        client.images.generate(model=FLUX, prompt="a dog", response_format="b64_json")
    assert "loopback" in error.value.message
    assert not [r for r in replicate.requests if r.path.startswith("/files/")]


def test_a_model_that_makes_one_image_is_billed_for_one(gateway, replicate, channel, sdk):
    key = make_token(quota=1_000_000)
    result = sdk(key).images.generate(model=IDEOGRAM, prompt="a logo", size="1024x1792", n=3)
    assert len(result.data) == 1  # ideogram answers one URL string, whatever n says
    assert replicate.created()[0].json["input"] == {"prompt": "a logo", "aspect_ratio": "9:16"}
    # priced for 3 x $0.08 = 120,000 held; billed 1 x $0.08 = 40,000
    [row] = consume_logs(gateway)
    assert row["quota"] == 40_000
    [token] = [t for t in tokens.list_tokens(users.find_user("root").id) if t.key == key.removeprefix("sk-")]
    assert (token.used_quota, token.remain_quota) == (40_000, 1_000_000 - 40_000)


def test_a_failed_prediction_is_an_error_with_its_text_and_costs_nothing(gateway, replicate, client):
    replicate.plan = Plan(outcome="failed", error="NSFW content detected (fake)")
    with pytest.raises(openai.APIStatusError) as raised:
        client.images.generate(model=FLUX, prompt="a cat")
    assert raised.value.status_code == 502
    assert "NSFW content detected (fake)" in raised.value.message
    assert raised.value.body["code"] == "prediction_failed"
    assert len(replicate.created()) == 1
    assert consume_logs(gateway) == []


def test_a_canceled_prediction_is_an_error(gateway, replicate, client):
    replicate.plan = Plan(honour_wait=False, polls=1, outcome="canceled")
    with pytest.raises(openai.APIStatusError) as raised:
        client.images.generate(model=FLUX, prompt="a cat")
    assert raised.value.status_code == 502
    assert "canceled" in raised.value.message
    assert consume_logs(gateway) == []


def test_a_prediction_past_the_deadline_is_canceled(gateway, replicate, client):
    set_option("RELAY_TIMEOUT", "1")
    replicate.plan = Plan(honour_wait=False, polls=10_000)
    with pytest.raises(openai.APIStatusError) as raised:
        client.images.generate(model=FLUX, prompt="a cat")
    assert raised.value.status_code == 504
    assert "timed out" in raised.value.message
    assert replicate.wait_for(lambda: any(p.canceled for p in replicate.predictions.values()))
    assert replicate.created()[0].headers["prefer"] == "wait=1"
    assert consume_logs(gateway) == []


def test_a_rejected_key_is_mapped_from_problem_json_and_disables_the_channel(gateway, replicate, channel, client):
    replicate.require_keys({"another-key"})
    with pytest.raises(openai.AuthenticationError) as raised:
        client.images.generate(model=FLUX, prompt="a cat")
    assert "You did not pass a valid authentication token" in raised.value.message
    assert raised.value.body["type"] == "authentication_error"
    assert replicate.wait_for(lambda: channels.get_channel(channel.id).status == channels.AUTO_DISABLED)


# --- chat ----------------------------------------------------------------------------------------


def test_chat_non_stream_joins_the_output_tokens(gateway, replicate, client):
    prices.set_price(GRANITE, ratio="2", completion_ratio="3")
    reply = client.chat.completions.create(model=GRANITE, messages=CHAT, max_tokens=50, temperature=0.2,
                                           stop=["</s>", "\n\nUser:"])
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert reply.choices[0].finish_reason == "stop"
    [create] = replicate.created()
    assert create.path == "/v1/models/ibm-granite/granite-3.3-8b-instruct/predictions"
    assert create.json == {"input": {"system_prompt": "be brief", "prompt": "say hello", "max_tokens": 50,
                                     "temperature": 0.2, "stop_sequences": "</s>,\n\nUser:"}}
    # Replicate's metrics: 4 input words, 4 output tokens; (4 + 4 x 3) x 2 = 32
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (4, 4)
    [row] = consume_logs(gateway)
    assert (row["quota"], row["prompt_tokens"], row["completion_tokens"]) == (32, 4, 4)


def test_chat_without_token_metrics_is_counted_locally(gateway, replicate, client):
    replicate.plan = Plan(token_counts=False, honour_wait=False, polls=1)
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "say hello"}]
    reply = client.chat.completions.create(model=GRANITE, messages=messages)
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert replicate.created()[0].json["input"]["prompt"] == \
        "User: hi\n\nAssistant: hello\n\nUser: say hello\n\nAssistant:"
    prompt = count_request_input("chat", {"model": GRANITE, "messages": messages}, GRANITE)
    completion = count_completion(DEFAULT_REPLY, GRANITE)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (prompt, completion)
    [row] = consume_logs(gateway)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (prompt, completion)
    assert row["other"]["usage_counted_locally"] is True


def test_a_channel_can_send_messages_instead_of_a_prompt(gateway, replicate, sdk):
    add_channel(replicate, key="rep-key", type="Replicate", models=GRANITE,
                setting={"replicate_input": "messages"})
    reply = sdk(make_token()).chat.completions.create(model=GRANITE, messages=CHAT)
    assert reply.choices[0].message.content == DEFAULT_REPLY
    assert replicate.created()[0].json["input"] == {"messages": CHAT}
    with pytest.raises(InvalidInput):
        channels.create_channel(name="bad", type="Replicate", key="k", models=GRANITE,
                                setting={"replicate_input": "chat"})


def test_chat_stream_relays_the_output_events(gateway, replicate, client):
    prices.set_price(GRANITE, ratio="2", completion_ratio="3")
    replicate.plan = Plan(reply="Hello  from\nReplicate.")
    chunks = list(client.chat.completions.create(model=GRANITE, messages=CHAT, stream=True,
                                                 stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello  from\nReplicate."  # leading spaces and newlines of tokens survive
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    [create] = replicate.created()
    assert create.json["stream"] is True and "prefer" not in create.headers
    [opened] = [r for r in replicate.requests if r.path.startswith("/v1/streams/")]
    assert opened.headers["accept"] == "text/event-stream" and opened.key == "rep-key"
    # the stream reports no usage: counted locally, shown to the client and billed the same
    prompt = count_request_input("chat", {"model": GRANITE, "messages": CHAT}, GRANITE)
    completion = count_completion(text, GRANITE)
    [usage] = [c.usage for c in chunks if c.usage]
    assert (usage.prompt_tokens, usage.completion_tokens) == (prompt, completion)
    [row] = consume_logs(gateway)
    assert (row["quota"], row["prompt_tokens"], row["completion_tokens"]) == \
        ((prompt + completion * 3) * 2, prompt, completion)
    assert row["is_stream"]


def test_chat_stream_error_before_any_output_is_an_error_and_costs_nothing(gateway, replicate, client):
    replicate.plan = Plan(reply="", stream_end="error", error="model crashed (fake)")
    with pytest.raises(openai.APIStatusError) as raised:
        list(client.chat.completions.create(model=GRANITE, messages=CHAT, stream=True))
    assert raised.value.status_code == 502
    assert "model crashed (fake)" in raised.value.message
    assert consume_logs(gateway) == []


def test_chat_stream_error_after_output_ends_the_stream_with_an_error(gateway, replicate, channel):
    replicate.plan = Plan(stream_end="error", error="model crashed (fake)")
    import httpx
    response = httpx.post(gateway.base_url + "/chat/completions", timeout=20,
                          headers={"Authorization": f"Bearer {make_token()}"},
                          json={"model": GRANITE, "messages": CHAT, "stream": True})
    events = sse_data(response.content)
    assert events[-1] == b"[DONE]"
    assert b"model crashed (fake)" in events[-2] and b'"error"' in events[-2]
    assert b"Hello" in events[0]
    [row] = consume_logs(gateway)  # what was produced is billed
    assert row["completion_tokens"] > 0


def test_chat_stream_canceled_upstream_ends_with_an_error(gateway, replicate, client):
    replicate.plan = Plan(stream_end="canceled")
    with pytest.raises(openai.APIError, match="canceled"):
        list(client.chat.completions.create(model=GRANITE, messages=CHAT, stream=True))


def test_other_endpoints_and_dialects_are_not_served_by_a_replicate_channel(gateway, replicate, client):
    with pytest.raises(openai.APIStatusError) as raised:
        client.embeddings.create(model=GRANITE, input="hello")
    assert "cannot serve" in raised.value.message
    assert replicate.created() == []


# --- the mapping on its own ----------------------------------------------------------------------


@pytest.mark.parametrize("model, body, expected", [
    (FLUX, {"prompt": "p", "size": "1024x1024"},
     {"prompt": "p", "aspect_ratio": "1:1", "num_outputs": 1, "output_format": "png"}),
    (FLUX, {"prompt": "p", "size": "1024x1536", "n": 9, "output_format": "webp"},
     {"prompt": "p", "aspect_ratio": "2:3", "num_outputs": 4, "output_format": "webp"}),
    ("black-forest-labs/flux-1.1-pro", {"prompt": "p", "size": "1000x700", "output_format": "jpeg"},
     {"prompt": "p", "aspect_ratio": "custom", "width": 992, "height": 704, "output_format": "jpg"}),
    ("black-forest-labs/flux-1.1-pro-ultra", {"prompt": "p", "size": "2560x1080", "output_format": "webp"},
     {"prompt": "p", "aspect_ratio": "21:9", "output_format": "png"}),
    ("recraft-ai/recraft-v3", {"prompt": "p", "size": "1365x1024"}, {"prompt": "p", "size": "1365x1024"}),
    ("recraft-ai/recraft-v3-svg", {"prompt": "p", "size": "1400x1000"}, {"prompt": "p", "aspect_ratio": "7:5"}),
    ("ideogram-ai/ideogram-v2-turbo", {"prompt": "p", "size": "3000x1000"}, {"prompt": "p", "aspect_ratio": "3:1"}),
    ("stability-ai/stable-diffusion-3.5-large", {"prompt": "p", "size": "1792x1024"},
     {"prompt": "p", "aspect_ratio": "16:9", "output_format": "png"}),
    ("stability-ai/sdxl:39ed52f2", {"prompt": "p", "size": "512x512", "n": 2},
     {"prompt": "p", "width": 512, "height": 512, "num_outputs": 2}),
    ("someone/new-model", {"prompt": "p", "size": "auto"}, {"prompt": "p"}),
])
def test_image_inputs_per_family(model, body, expected):
    assert wire.image_input(model, body) == expected


def test_chat_inputs():
    channel = channels.ChannelInfo(1, 56, "r", ("k",), "", ("m",), ("default",))
    body = {"messages": [{"role": "developer", "content": [{"type": "text", "text": "rules"}]},
                         {"role": "user", "content": "hi"}], "max_completion_tokens": 9, "seed": 3, "stop": "END"}
    assert wire.chat_input("meta/llama-2-70b-chat", body, channel) == \
        {"system_prompt": "rules", "prompt": "hi", "max_new_tokens": 9, "seed": 3, "stop_sequences": "END"}
    as_messages = channels.ChannelInfo(1, 56, "r", ("k",), "", ("m",), ("default",),
                                       setting={"replicate_input": "messages"})
    assert wire.chat_input(GRANITE, body, as_messages) == {
        "messages": [{"role": "developer", "content": "rules"}, {"role": "user", "content": "hi"}],
        "max_tokens": 9, "seed": 3, "stop_sequences": "END"}


def test_problem_json_becomes_an_openai_error():
    body = wire.problem_to_openai(402, {"title": "Insufficient credit", "detail": "Top up.", "status": 402})
    assert body == (b'{"error":{"message":"Top up.","type":"insufficient_quota","param":null,'
                    b'"code":"insufficient_credit"}}')


def test_stream_events_keep_token_spaces_and_skip_comments():
    events = wire.ReplicateEvents()
    raw = (b"event: output\nid: 1690212292:0\ndata: Once upon a time...\n\n"
           b"event: output\nid: 1:1\ndata:  a ha\n\nevent: output\ndata: \ndata: \n\n"
           b":408: 408 Request Timeout\n\nevent: done\r\ndata: {}\r\n\r\n")
    parsed = [e for i in range(0, len(raw), 7) for e in events.feed(raw[i:i + 7])] + events.rest()
    assert parsed == [("output", "Once upon a time..."), ("output", " a ha"), ("output", "\n"), ("done", "{}")]
