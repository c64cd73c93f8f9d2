"""MODEL_INFO and VENDOR_INFO: checked against their documented shapes, then stored as options."""

from __future__ import annotations

import json

from ..core.model_info import check_model_info, check_vendor_info
from .errors import InvalidInput
from .options import set_option


def set_model_info(value: object) -> dict:
    """Replace MODEL_INFO (model -> note, icon, tags, group)."""
    return _save("MODEL_INFO", check_model_info, value)


def set_vendor_info(value: object) -> dict:
    """Replace VENDOR_INFO (vendor -> name, icon, desc, notice)."""
    return _save("VENDOR_INFO", check_vendor_info, value)


def _save(key: str, check, value: object) -> dict:
    try:
        checked = check(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    set_option(key, json.dumps(checked, ensure_ascii=False))
    return checked
