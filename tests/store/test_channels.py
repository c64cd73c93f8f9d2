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


def test_a_copied_channel_has_the_same_settings_and_keys_and_starts_fresh(store):
    source = _add(key="k1\nk2", priority=4, weight=2, tag="team-a", remark="main", base_url="https://up.example",
                  model_mapping={"gpt-4o": "gpt-4o-2024"}, header_override={"X-A": "1"}, key_mode="round-robin")
    channels.disable_key(source.id, 0, "401")
    channels.record_test(source.id, 321)
    channels.set_channel_status(source.id, channels.MANUALLY_DISABLED, "paused")
    copy = channels.copy_channel(source.id)
    source = channels.get_channel(source.id)
    assert copy.id != source.id and copy.name == "c (copy)"
    same = ("type", "keys", "base_url", "models", "groups", "model_mapping", "priority", "weight", "tag", "remark",
            "header_override", "key_mode", "auto_ban", "setting")
    assert {f: getattr(copy, f) for f in same} == {f: getattr(source, f) for f in same}
    assert (copy.status, copy.status_reason, copy.disabled_keys, copy.response_time) == (channels.ENABLED, "", {}, 0)
    rows = {(a.group, a.model, a.enabled) for a in Ability.select().where(Ability.channel_id == copy.id)}
    assert rows == {(g, m, True) for g in ("default", "vip") for m in ("gpt-4o", "gpt-4o-mini")}


def test_copying_an_unknown_channel_is_not_found(store):
    with pytest.raises(channels.NotFound):
        channels.copy_channel(404)


def test_a_tag_enables_and_disables_all_its_channels(store):
    for name, tag in (("a", "t"), ("b", "t"), ("o", "u")):
        _add(name=name, tag=tag)
    assert channels.set_tag_status("t", channels.MANUALLY_DISABLED, "by tag") == 2
    status = {c.name: c.status for c in channels.list_channels()}
    assert status == {"a": channels.MANUALLY_DISABLED, "b": channels.MANUALLY_DISABLED, "o": channels.ENABLED}
    assert channels.set_tag_status("t", channels.ENABLED) == 2
    assert all(c.status == channels.ENABLED for c in channels.list_channels())
    with pytest.raises(InvalidInput):
        channels.set_tag_status(" ", channels.ENABLED)
