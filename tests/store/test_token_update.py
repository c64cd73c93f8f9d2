"""Editing an existing token: each field changes alone, bad values are refused with a reason."""

from __future__ import annotations

import pytest

from voapi_desktop.core import clock
from voapi_desktop.store import channels, tokens, users
from voapi_desktop.store.errors import InvalidInput, NotFound
from voapi_desktop.store.tables import Channel, Token


def _token(**fields) -> tokens.TokenInfo:
    return tokens.create_token(users.find_user("root").id, "laptop", **fields)


def test_every_field_of_a_token_can_be_edited_and_persists(store):
    token = _token(unlimited=True)
    later = clock.now() + 86400
    edited = tokens.update_token(token.id, name="desk", quota=1234, unlimited=False, models=["gpt-4o", " "],
                                 expires_at=later, allow_ips="10.0.0.0/8\n127.0.0.1", group="vip",
                                 status=tokens.DISABLED)
    stored = tokens.list_tokens()[0]
    assert stored == edited and stored.username == "root" and stored.key == token.key
    assert (stored.name, stored.remain_quota, stored.unlimited_quota) == ("desk", 1234, False)
    assert stored.model_limits == frozenset({"gpt-4o"}) and stored.expired_time == later
    assert stored.allow_ips.split() == ["10.0.0.0/8", "127.0.0.1"] and stored.group == "vip"
    assert stored.state(clock.now()) == "disabled"


def test_fields_left_out_stay_as_they_were(store):
    token = _token(quota=500, models=["gpt-4o-mini"], allow_ips="127.0.0.1", group="vip")
    edited = tokens.update_token(token.id, name="renamed")
    assert edited.name == "renamed"
    assert (edited.remain_quota, edited.model_limits, edited.allow_ips, edited.group) == \
        (500, frozenset({"gpt-4o-mini"}), "127.0.0.1", "vip")


def test_clearing_the_model_list_allows_every_model_again(store):
    token = _token(models=["gpt-4o-mini"])
    assert tokens.update_token(token.id, models=[]).model_limits == frozenset()


def test_bad_edits_are_refused_with_the_reason(store):
    token = _token()
    for fields, reason in (({"name": " "}, "1-64 characters"), ({"quota": -1}, "quota must be >= 0"),
                           ({"expires_at": clock.now() - 10}, "future"), ({"allow_ips": "not-an-ip"}, "not-an-ip"),
                           ({"status": tokens.EXPIRED}, "enabled or disabled")):
        with pytest.raises(InvalidInput, match=reason):
            tokens.update_token(token.id, **fields)
    assert tokens.list_tokens()[0] == token
    with pytest.raises(NotFound):
        tokens.update_token(9999, name="x")


def test_an_unchanged_past_expiry_does_not_block_other_edits(store, monkeypatch):
    token = _token(expires_at=clock.now() + 60)
    monkeypatch.setattr(clock, "now", lambda: token.expired_time + 3600)
    edited = tokens.update_token(token.id, name="old", expires_at=token.expired_time)
    assert edited.name == "old" and edited.state(clock.now()) == "expired"


def test_a_deleted_token_cannot_be_edited(store):
    token = _token()
    tokens.delete_token(token.id)
    with pytest.raises(NotFound):
        tokens.update_token(token.id, name="back")


def test_an_edit_never_writes_back_a_counter_the_ledger_moved_after_the_read(store, monkeypatch):
    """On PostgreSQL/MySQL nothing locks the row between the read and the save: a charge committed in
    between must survive the edit (only the fields the edit set are written)."""
    token = _token(quota=1000)
    channel = channels.create_channel(type="OpenAI", name="c", key="k", base_url="http://127.0.0.1:9", models="m")
    real_token, real_channel = Token.get_or_none, channels._row

    def read_then_charged(*args, **kwargs):
        row = real_token(*args, **kwargs)
        Token.update(used_quota=Token.used_quota + 40, remain_quota=Token.remain_quota - 40).execute()
        return row

    def channel_read_then_charged(channel_id):
        row = real_channel(channel_id)
        Channel.update(used_quota=Channel.used_quota + 40).execute()
        return row
    monkeypatch.setattr(Token, "get_or_none", read_then_charged)
    monkeypatch.setattr(channels, "_row", channel_read_then_charged)
    tokens.update_token(token.id, name="renamed")
    channels.update_channel(channel.id, name="renamed")
    channels.set_channel_status(channel.id, channels.MANUALLY_DISABLED, "by hand")
    row = Token.get_by_id(token.id)
    assert (row.name, row.used_quota, row.remain_quota) == ("renamed", 40, 960)
    assert Channel.get_by_id(channel.id).used_quota == 80
    tokens.update_token(token.id)  # nothing to change: no write, no error
