"""A channel keeps the last balance read from its upstream with the time it was read."""

from __future__ import annotations

import pytest

from voapi_desktop.core import clock
from voapi_desktop.store import channels
from voapi_desktop.store.errors import NotFound


def test_a_recorded_balance_is_kept_with_its_time(store, monkeypatch):
    channel = channels.create_channel(type="DeepSeek", name="ds", key="k", models="deepseek-chat")
    assert (channel.balance, channel.balance_updated_time) == (0.0, 0)
    monkeypatch.setattr(clock, "now", lambda: 1_700_000_000)
    recorded = channels.record_balance(channel.id, 12.345)
    assert recorded == channels.get_channel(channel.id)
    assert (recorded.balance, recorded.balance_updated_time) == (12.345, 1_700_000_000)


def test_a_balance_for_a_missing_channel_is_refused(store):
    with pytest.raises(NotFound):
        channels.record_balance(42, 1.0)
