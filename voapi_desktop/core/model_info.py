"""The shapes of MODEL_INFO and VENDOR_INFO (the pricing page's model and vendor descriptions).

MODEL_INFO:  {"gpt-4": {"note": "markdown", "icon": "/x.ico", "tags": "chat|cheap", "group": "openai"}}
VENDOR_INFO: {"openai": {"name": "OpenAI", "icon": "/x.ico", "desc": "markdown", "notice": "markdown"}}

Every field is optional text; `tags` may also be a list of texts. Unknown fields are refused
(a typo such as "desc" in a model entry would otherwise be silently ignored).
"""

from __future__ import annotations

from typing import Mapping

MODEL_FIELDS = ("note", "icon", "tags", "group")
VENDOR_FIELDS = ("name", "icon", "desc", "notice")


def check_model_info(data: object) -> dict:
    """MODEL_INFO as a dict; raises ValueError naming the model and field that are wrong."""
    return _check("MODEL_INFO", "model", data, MODEL_FIELDS)


def check_vendor_info(data: object) -> dict:
    """VENDOR_INFO as a dict; raises ValueError naming the vendor and field that are wrong."""
    return _check("VENDOR_INFO", "vendor", data, VENDOR_FIELDS)


def _check(setting: str, what: str, data: object, fields: tuple[str, ...]) -> dict:
    if not isinstance(data, Mapping):
        raise ValueError(f"{setting} must be a JSON object of {what} name -> {{{', '.join(fields)}}}")
    for name, entry in data.items():
        if not str(name).strip():
            raise ValueError(f"{setting}: a {what} name must not be empty")
        if not isinstance(entry, Mapping):
            raise ValueError(f"{setting}: the entry of {name} must be an object with {', '.join(fields)}")
        unknown = sorted(set(entry) - set(fields))
        if unknown:
            raise ValueError(f"{setting}: {name} has unknown field(s) {', '.join(unknown)}; "
                             f"allowed: {', '.join(fields)}")
        for field, value in entry.items():
            if not _is_text(value, allow_list=field == "tags"):
                kind = "text or a list of texts" if field == "tags" else "text"
                raise ValueError(f"{setting}: {name}.{field} must be {kind}, got {value!r}")
    return dict(data)


def _is_text(value: object, allow_list: bool) -> bool:
    if isinstance(value, str):
        return True
    return allow_list and isinstance(value, list) and all(isinstance(v, str) for v in value)
