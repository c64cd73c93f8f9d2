"""Which groups a user's keys may take: their own, and USER_USABLE_GROUPS that still have a ratio."""

from __future__ import annotations

from voapi_desktop.core.groups import allowed_groups

OFFERED = {"default": "Default", "vip": "VIP", "gone": "no ratio"}
PRICED = {"default", "vip", "svip"}


def test_allowed_groups_are_the_offered_ones_with_a_ratio_plus_the_users_own():
    assert allowed_groups("default", OFFERED, PRICED) == {"default": "Default", "vip": "VIP"}
    assert allowed_groups("svip", OFFERED, PRICED) == {"default": "Default", "vip": "VIP", "svip": "your group"}


def test_a_users_own_group_is_allowed_even_without_a_ratio_as_the_relay_admits_it():
    assert allowed_groups("", {}, set()) == {"default": "your group"}
    assert "legacy" in allowed_groups("legacy", OFFERED, PRICED)
