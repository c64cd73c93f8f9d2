"""Channel service rules: validation, abilities, status, multi-key disabling."""

from __future__ import annotations

import pytest

from voapi_desktop.store import channels
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.tables import Ability


def _add(**fields):
    values = dict(type="OpenAI", name="c", key="k1", models="gpt-4o,gpt-4o-mini", group="default,vip")
    values.update(fields)
    return channels.create_channel(**values)


def test_a_channel_gets_one_ability_per_group_and_model(store):
    channel = _add(priority=5, weight=3)
    rows = {(a.group, a.model) for a in Ability.select().where(Ability.channel_id == channel.id)}
    assert rows == {("default", "gpt-4o"), ("default", "gpt-4o-mini"), ("vip", "gpt-4o"), ("vip", "gpt-4o-mini")}
    assert {a.priority for a in Ability.select()} == {5}


def test_disabling_a_channel_disables_its_abilities_and_keeps_the_reason(store):
    channel = _add()
    info = channels.set_channel_status(channel.id, channels.AUTO_DISABLED, "invalid key")
    assert info.status == channels.AUTO_DISABLED and info.status_reason == "invalid key" and info.status_time > 0
    assert not any(a.enabled for a in Ability.select())
    assert channels.set_channel_status(channel.id, channels.ENABLED).status_reason == ""
    assert all(a.enabled for a in Ability.select())


def test_a_multi_key_channel_loses_one_key_at_a_time(store):
    channel = _add(key="k1\nk2")
    info = channels.disable_key(channel.id, 0, "401")
    assert info.status == channels.ENABLED and info.usable_key_indexes == [1]
    info = channels.disable_key(channel.id, 1, "401")
    assert info.status == channels.AUTO_DISABLED


def test_updating_models_rebuilds_abilities(store):
    channel = _add()
    channels.update_channel(channel.id, models="o3", group="default")
    assert {(a.group, a.model) for a in Ability.select()} == {("default", "o3")}


@pytest.mark.parametrize("fields, message", [
    ({"type": "nope"}, "unknown channel type"),
    ({"key": "  \n "}, "key must not be empty"),
    ({"models": " , "}, "models must not be empty"),
    ({"base_url": "ftp://x"}, "http(s) URL"),
    ({"model_mapping": "{not json"}, "not valid JSON"),
    ({"model_mapping": '{"a": "b", "b": "a"}'}, "cycle"),
    ({"param_override": "[1]"}, "JSON object"),
    ({"status_code_mapping": '{"429": "abc"}'}, "status code mapping"),
    ({"weight": -1}, "weight must be >= 0"),
    ({"type": "Azure", "base_url": ""}, "needs a base URL"),
])
def test_bad_channel_input_is_refused_with_a_reason(store, fields, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        _add(**fields)
