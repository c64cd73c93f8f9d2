"""Fetching a channel's model list and reading its account balance from local fake vendors."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import add_channel
from tests.fakes.upstream import Behaviour
from tests.fakes.vendor_admin import VendorAdmin
from voapi_desktop.gateway.channel_admin import (UpstreamError, draft_channel, fetch_models, query_balance,
                                                 refresh_balances)
from voapi_desktop.store import channels
from voapi_desktop.store.errors import InvalidInput

SECRET = "sk-very-secret-channel-key-0001"
RATE = {"USD_EXCHANGE_RATE": 8.0, "AZURE_DEFAULT_API_VERSION": "2024-10-21"}


@pytest.fixture
def vendor():
    fake = VendorAdmin().start()
    yield fake
    fake.stop()


def _channel(vendor: VendorAdmin, kind: str, key: str = SECRET, **fields) -> channels.ChannelInfo:
    return channels.create_channel(type=kind, name=kind.lower(), key=key, base_url=vendor.url, models="m",
                                   **fields)


# --- model lists -----------------------------------------------------------------------------

def test_an_openai_compatible_channel_lists_the_upstream_models(store, upstream):
    upstream.models = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]
    channel = add_channel(upstream, key="list-key")
    assert fetch_models(channel) == ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]
    assert upstream.requests[-1].path == "/v1/models" and upstream.requests[-1].key == "list-key"


def test_an_anthropic_channel_sends_x_api_key_and_the_version(store, vendor):
    vendor.answer("/v1/models", {"data": [{"id": "claude-sonnet-4-5", "type": "model"},
                                          {"id": "claude-haiku-4-5", "type": "model"}], "has_more": False})
    assert fetch_models(_channel(vendor, "Anthropic")) == ["claude-sonnet-4-5", "claude-haiku-4-5"]
    seen = vendor.requests[-1]
    assert seen.headers["x-api-key"] == SECRET and seen.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in seen.headers


def test_a_gemini_channel_gets_bare_model_names_over_every_page(store, vendor):
    vendor.answer("/v1beta/models", {"models": [{"name": "models/gemini-2.0-flash"}], "nextPageToken": "p2"})
    vendor.answer("/v1beta/models?pageToken=p2", {"models": [{"name": "models/text-embedding-004"}]})
    assert fetch_models(_channel(vendor, "Gemini")) == ["gemini-2.0-flash", "text-embedding-004"]
    assert all(r.headers["x-goog-api-key"] == SECRET and "key" not in r.query for r in vendor.requests)


def test_an_azure_channel_lists_with_its_api_version(store, vendor):
    vendor.answer("/openai/models", {"data": [{"id": "gpt-4o"}, {"id": "gpt-4o"}, {"id": "o3-mini"}]})
    assert fetch_models(_channel(vendor, "Azure OpenAI"), RATE) == ["gpt-4o", "o3-mini"]
    assert vendor.requests[-1].query == {"api-version": "2024-10-21"}
    assert vendor.requests[-1].headers["api-key"] == SECRET


def test_a_refused_key_names_the_status_and_the_upstream_message_but_not_the_key(store, upstream):
    channel = add_channel(upstream, key=SECRET)
    upstream.behave(SECRET, Behaviour.invalid_key())
    with pytest.raises(UpstreamError) as caught:
        fetch_models(channel)
    assert "HTTP 401" in str(caught.value) and "Incorrect API key" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_an_upstream_echoing_the_key_has_it_blanked(store, vendor):
    vendor.answer("/v1/models", {"error": {"message": f"key {SECRET} was revoked"}}, status=403)
    with pytest.raises(UpstreamError, match=r"HTTP 403: key \*\*\* was revoked"):
        fetch_models(_channel(vendor, "OpenAI"))


def test_an_unreachable_upstream_and_a_non_json_answer_read_clearly(store, vendor):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    channel = channels.create_channel(type="OpenAI", name="gone", key=SECRET, base_url=closed, models="m")
    with pytest.raises(UpstreamError, match="cannot reach 127.0.0.1"):
        fetch_models(channel)
    vendor.answer("/v1/models", "<html>login</html>")
    with pytest.raises(UpstreamError, match="not JSON"):
        fetch_models(_channel(vendor, "OpenAI"))


def test_replicate_has_no_list_to_fetch(store):
    channel = channels.create_channel(type="Replicate", name="r", key="k", models="black-forest-labs/flux-schnell")
    with pytest.raises(UpstreamError, match="no model list endpoint"):
        fetch_models(channel)


def test_a_draft_from_an_editor_uses_the_typed_key_or_else_the_saved_ones(store, vendor):
    saved = _channel(vendor, "OpenAI", key="saved-key-1\nsaved-key-2")
    typed = draft_channel("DeepSeek", " http://127.0.0.1:9/ ", "typed-key\n", saved)
    assert (typed.id, typed.type, typed.base_url, typed.keys) == (saved.id, 43, "http://127.0.0.1:9", ("typed-key",))
    assert draft_channel(1, vendor.url, "", saved).keys == ("saved-key-1", "saved-key-2")
    with pytest.raises(UpstreamError, match="no key"):
        fetch_models(draft_channel("OpenAI", vendor.url, ""))
    with pytest.raises(InvalidInput, match="http"):
        draft_channel("OpenAI", "ftp://example", "k")
    with pytest.raises(InvalidInput, match="unknown channel type"):
        draft_channel("Nope", "", "k")


# --- balances --------------------------------------------------------------------------------

def _balance(channel: channels.ChannelInfo, settings=RATE) -> tuple[float | None, channels.ChannelInfo]:
    return query_balance(channel, settings), channels.get_channel(channel.id)


def test_an_openai_style_balance_is_the_hard_limit_minus_usage_in_cents(store, vendor):
    vendor.answer("/v1/dashboard/billing/subscription", {"object": "billing_subscription",
                                                         "has_payment_method": True, "hard_limit_usd": 100})
    vendor.answer("/v1/dashboard/billing/usage", {"object": "list", "total_usage": 2550})
    balance, stored = _balance(_channel(vendor, "OpenAI"))
    assert balance == 74.5 and stored.balance == 74.5 and stored.balance_updated_time > 0
    assert vendor.requests[-1].query["start_date"].endswith("-01")


def test_deepseek_prefers_usd_and_converts_yuan(store, vendor):
    vendor.answer("/user/balance", {"is_available": True, "balance_infos": [
        {"currency": "CNY", "total_balance": "80.00", "granted_balance": "0", "topped_up_balance": "80.00"}]})
    assert _balance(_channel(vendor, "DeepSeek"))[0] == 10.0
    vendor.answer("/user/balance", {"is_available": True, "balance_infos": [
        {"currency": "CNY", "total_balance": "80.00"}, {"currency": "USD", "total_balance": "3.25"}]})
    assert _balance(_channel(vendor, "DeepSeek"))[0] == 3.25


def test_openrouter_siliconflow_and_moonshot_balances(store, vendor):
    vendor.answer("/v1/credits", {"data": {"total_credits": 20, "total_usage": 4.5}})
    vendor.answer("/v1/user/info", {"code": 20000, "message": "OK", "status": True,
                                    "data": {"balance": "1", "totalBalance": "16.00", "chargeBalance": "15"}})
    vendor.answer("/v1/users/me/balance", {"code": 0, "scode": "0x0", "status": True, "data": {
        "available_balance": 40, "voucher_balance": 0, "cash_balance": 40}})
    assert _balance(_channel(vendor, "OpenRouter"))[0] == 15.5
    assert _balance(_channel(vendor, "SiliconFlow"))[0] == 2.0
    assert _balance(_channel(vendor, "Moonshot"))[1].balance == 5.0
    assert {r.headers["authorization"] for r in vendor.requests} == {f"Bearer {SECRET}"}


def test_a_vendor_error_code_is_an_error_and_keeps_the_old_balance(store, vendor):
    vendor.answer("/v1/user/info", {"code": 40001, "message": "invalid token", "status": False, "data": None})
    channel = _channel(vendor, "SiliconFlow")
    with pytest.raises(UpstreamError, match="code 40001: invalid token"):
        query_balance(channel, RATE)
    assert channels.get_channel(channel.id).balance_updated_time == 0


def test_a_type_without_a_balance_endpoint_gives_none_and_stores_nothing(store, vendor):
    balance, stored = _balance(_channel(vendor, "Anthropic"))
    assert balance is None and stored.balance_updated_time == 0 and vendor.requests == []


def test_refreshing_all_balances_reports_each_channel(store, vendor):
    vendor.answer("/v1/credits", {"data": {"total_credits": 5, "total_usage": 1}})
    good = _channel(vendor, "OpenRouter")
    bad = _channel(vendor, "Moonshot")  # no route: 404
    _channel(vendor, "Anthropic")
    off = _channel(vendor, "DeepSeek")
    channels.set_channel_status(off.id, channels.MANUALLY_DISABLED)
    results = {r.channel_id: r for r in refresh_balances(channels.list_channels(), RATE)}
    assert set(results) == {good.id, bad.id}
    assert results[good.id].balance == 4.0 and results[good.id].error == ""
    assert results[bad.id].balance is None and "HTTP 404" in results[bad.id].error
