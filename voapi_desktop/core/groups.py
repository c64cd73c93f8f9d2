"""Which groups a user may give an API key (new-api's UserUsableGroups)."""

from __future__ import annotations

from typing import Collection, Mapping


def usable_groups(user_group: str, offered: Mapping[str, str]) -> dict[str, str]:
    """Group -> description of the groups a user of `user_group` may use: USER_USABLE_GROUPS and their own."""
    groups = dict(offered)
    groups.setdefault(user_group or "default", "your group")
    return groups


def allowed_groups(user_group: str, offered: Mapping[str, str], priced: Collection[str]) -> dict[str, str]:
    """The groups a user may give their own key, as the relay admits them: their own, and usable ones
    that still have a GROUP_RATIO entry (`priced`)."""
    own = user_group or "default"
    return {group: description for group, description in usable_groups(user_group, offered).items()
            if group == own or group in priced}


def check_usable_groups(value: object) -> None:
    """USER_USABLE_GROUPS must map group names to descriptions."""
    if not isinstance(value, dict):
        raise ValueError('must be a JSON object of group -> description, such as {"default": "Default"}')
    for group, description in value.items():
        if not group.strip() or group != group.strip() or "," in group:
            raise ValueError(f"{group!r} is not a group name (no commas, no spaces around it)")
        if not isinstance(description, str):
            raise ValueError(f"the description of {group!r} must be a string")
