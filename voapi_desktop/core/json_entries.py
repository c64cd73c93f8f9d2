"""The shape rule of the settings that hold a JSON list of small objects (pay methods, portal menus,
chat links, API lines): each entry an object of known text fields, each stripped and at most so long,
"name" required when it is one of them. Errors name the entry (from 1) and the field."""

from __future__ import annotations


def text_fields(number: int, entry: object, limits: dict[str, int]) -> dict[str, str]:
    """Entry `number` as {field: stripped text} ("" when absent), or ValueError saying what to fix."""
    names = ", ".join(limits)
    if not isinstance(entry, dict):
        raise ValueError(f"entry {number} must be an object with {names}")
    unknown = set(entry) - set(limits)
    if unknown:
        raise ValueError(f"entry {number}: unknown field {sorted(unknown)[0]!r} ({names})")
    fields = {}
    for field, limit in limits.items():
        text = entry.get(field, "")
        if not isinstance(text, str) or len(text.strip()) > limit:
            raise ValueError(f"entry {number}: {field!r} must be text of at most {limit} characters")
        fields[field] = text.strip()
    if "name" in limits and not fields["name"]:
        raise ValueError(f"entry {number}: 'name' is required")
    return fields
