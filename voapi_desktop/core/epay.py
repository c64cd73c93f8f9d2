"""Epay (易支付): the MD5 signature, the submit URL, the pay methods, the price of a top-up.

Compatible with new-api / one-api and the common Epay gateways: the parameters
are sorted by key, empty values and `sign` / `sign_type` are left out, the rest
joined as `k=v&k=v` (raw values, not URL-encoded), the merchant key appended,
and the MD5 of that in lower-case hex is the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping
from urllib.parse import urlencode

from .json_entries import text_fields

SIGN_TYPE = "MD5"
TRADE_SUCCESS = "TRADE_SUCCESS"
_UNSIGNED = frozenset({"sign", "sign_type"})
_CENT = Decimal("0.01")
_TYPE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_COLOR = re.compile(r"[#(),.%\w\s-]*")  # a CSS colour, nothing that could close the style attribute
_ICON = re.compile(r"(https?://|/)\S*|[\w-]*")  # an image URL or an icon name
MAX_METHODS = 20


def signing_string(params: Mapping[str, object], key: str) -> str:
    """The text that is hashed: sorted non-empty `k=v` pairs joined by `&`, then the key."""
    pairs = [f"{name}={params[name]}" for name in sorted(params)
             if name not in _UNSIGNED and params[name] is not None and str(params[name]) != ""]
    return "&".join(pairs) + key


def sign(params: Mapping[str, object], key: str) -> str:
    """The Epay MD5 signature of `params` with the merchant `key`."""
    return hashlib.md5(signing_string(params, key).encode("utf-8")).hexdigest()


def signed(params: Mapping[str, object], key: str) -> dict[str, str]:
    """`params` (as text, empty ones dropped) plus `sign` and `sign_type`."""
    clean = {name: str(value) for name, value in params.items() if value is not None and str(value) != ""}
    return {**clean, "sign": sign(clean, key), "sign_type": SIGN_TYPE}


def verify(params: Mapping[str, str], key: str) -> bool:
    """Whether `params` carry a valid signature; never true without a key (B2: forged callbacks)."""
    given = str(params.get("sign") or "").strip().lower()
    if not key or not given:
        return False
    return hmac.compare_digest(given, sign(params, key))


def submit_url(address: str, params: Mapping[str, str]) -> str:
    """`<address>/submit.php?<params>`: where the browser goes to pay."""
    return f"{address.rstrip('/')}/submit.php?{urlencode(params)}"


def pay_money(amount: int, price: float) -> Decimal:
    """What `amount` US dollars of quota cost in the local currency, rounded to the cent."""
    return (Decimal(amount) * Decimal(str(price))).quantize(_CENT, rounding=ROUND_HALF_UP)


def parse_money(text: object) -> Decimal | None:
    """A money amount as sent by the gateway ("14.6", "14.60"), or None when it is not one."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@dataclass(frozen=True)
class PayMethod:
    """One pay channel the operator offers: its label, Epay type code, icon and colour."""
    name: str
    type: str
    icon: str = ""
    color: str = ""


def parse_pay_methods(value: object) -> tuple[PayMethod, ...]:
    """The PAY_METHODS setting as pay methods; ValueError naming the entry and field that are wrong."""
    if not isinstance(value, list):
        raise ValueError("a JSON list of {name, type, icon, color} objects is expected")
    if len(value) > MAX_METHODS:
        raise ValueError(f"at most {MAX_METHODS} pay methods")
    methods, seen = [], set()
    for number, entry in enumerate(value, 1):
        method = _pay_method(number, entry)
        if method.type in seen:
            raise ValueError(f"entry {number}: the type {method.type!r} is listed twice")
        seen.add(method.type)
        methods.append(method)
    return tuple(methods)


def check_pay_methods(value: object) -> None:
    """Raise ValueError when the PAY_METHODS setting has the wrong shape."""
    parse_pay_methods(value)


def _pay_method(number: int, entry: object) -> PayMethod:
    fields = text_fields(number, entry, {"name": 64, "type": 32, "icon": 512, "color": 64})
    if not _TYPE_CODE.fullmatch(fields["type"]):
        raise ValueError(f"entry {number}: 'type' must be the gateway's code, such as alipay or wxpay "
                         "(letters, digits, _ and -)")
    if not _COLOR.fullmatch(fields["color"]):
        raise ValueError(f"entry {number}: 'color' must be a CSS colour such as #1677ff or rgb(22, 119, 255)")
    if not _ICON.fullmatch(fields["icon"]):
        raise ValueError(f"entry {number}: 'icon' must be an image URL (https://..., /...) or an icon name")
    return PayMethod(**fields)
