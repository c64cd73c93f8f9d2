"""MONITOR_ITEMS parsing and how an hour of traffic is judged."""

from __future__ import annotations

from voapi_desktop.core.monitor import MonitorItem, hour_state, parse_monitor_items


def test_items_by_models_or_channel_tag_are_parsed_and_trimmed():
    items = parse_monitor_items([{"name": " GPT ", "models": ["gpt-4o", " gpt-4o-mini "]},
                                 {"name": "Line A", "channel_tag": "line-a"}])
    assert items == [MonitorItem("GPT", ("gpt-4o", "gpt-4o-mini")), MonitorItem("Line A", channel_tag="line-a")]
    assert parse_monitor_items([]) == [] and parse_monitor_items(None) == []


def test_an_hour_is_up_from_99_percent_degraded_from_80_and_down_below():
    assert hour_state(0, 0) == "idle"
    assert hour_state(99, 1) == "up" and hour_state(98, 2) == "degraded"
    assert hour_state(4, 1) == "degraded" and hour_state(3, 1) == "down" and hour_state(0, 3) == "down"
