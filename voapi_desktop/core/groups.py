"""Which groups a user may give an API key (new-api's UserUsableGroups)."""

from __future__ import annotations

from typing import Mapping


def usable_groups(user_group: str, offered: Mapping[str, str]) -> dict[str, str]:
    """Group -> description of the groups a user of `user_group` may use: USER_USABLE_GROUPS and their own."""
    groups = dict(offered)
    groups.setdefault(user_group or "default", "your group")
    return groups


def check_usable_groups(value: object) -> None:
    """USER_USABLE_GROUPS must map group names to descriptions."""
    if not isinstance(value, dict):
        raise ValueError('must be a JSON object of group -> description, such as {"default": "Default"}')
    for group, description in value.items():
        if not group.strip() or group != group.strip() or "," in group:
            raise ValueError(f"{group!r} is not a group name (no commas, no spaces around it)")
        if not isinstance(description, str):
            raise ValueError(f"the description of {group!r} must be a string")
