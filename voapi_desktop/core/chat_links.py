"""Chat links: the operator's list of external chat apps (CHAT_LINKS) and their magic variables.

A link's url may hold `{key}`, `{address}` and `{model}`; `fill_link` puts the user's key, this
gateway's address and the chosen model in, encoded for where each one stands: a path segment
keeps `&`, `=` and `+` but not `/`, `?` or `#`; a query or fragment value encodes `&`, `=`, `+`
and `#` as well. Before the path only `{address}` is filled (as is: it is a base URL itself).
Other `{names}` are left alone, so JSON in a fragment (`#/?settings={"key":"{key}"}`) works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .json_entries import text_fields

VARIABLES = ("key", "address", "model")
_VARIABLE = re.compile(r"\{(key|address|model)\}")
_PARTS = re.compile(r"(?P<origin>[^/?#]*(?://[^/?#]*)?)(?P<path>[^?#]*)(?P<query>\?[^#]*)?(?P<fragment>#.*)?",
                    re.DOTALL)
_PATH_SAFE = ":@!$&'()*+,;="  # RFC 3986 pchar, minus what ends a segment
_QUERY_SAFE = ":@!$'()*,;/?"  # what stays readable in a value; & = + # are encoded
_HOST = re.compile(r"[A-Za-z0-9._~%-]+|[0-9a-f:.]+")  # a name, an IPv4 or (unbracketed) IPv6 address
_ICON = re.compile(r"(https?://|/)\S*|[\w-]*")  # an image URL or an icon name


@dataclass(frozen=True)
class ChatLink:
    name: str
    url: str
    icon: str = ""


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and _HOST.fullmatch(parts.hostname or "") is not None
            and not any(c.isspace() for c in url))


def _filled(text: str, values: dict[str, str], safe: str) -> str:
    return _VARIABLE.sub(lambda m: quote(values.get(m.group(1), ""), safe=safe), text)


def fill_link(template: str, key: str, address: str, model: str) -> str | None:
    """The link with its variables filled, or None when the result is not an http(s) URL."""
    values = {"key": key, "address": address.rstrip("/"), "model": model}
    parts = _PARTS.fullmatch(template)
    if parts is None:  # cannot happen: every part of the pattern may be empty
        return None
    origin = parts["origin"].replace("{address}", values["address"])
    url = (origin + _filled(parts["path"], values, _PATH_SAFE)
           + _filled(parts["query"] or "", values, _QUERY_SAFE)
           + _filled(parts["fragment"] or "", values, _QUERY_SAFE))
    return url if is_web_url(url) else None


def _link(number: int, entry: object) -> ChatLink:
    fields = text_fields(number, entry, {"name": 64, "url": 2048, "icon": 512})
    name, url, icon = fields["name"], fields["url"], fields["icon"]
    sample = fill_link(url, "sk-x", "http://gateway.example", "m")
    if sample is None:
        raise ValueError(f"entry {number}: 'url' must be an http(s) URL (it may start with {{address}})")
    if not _ICON.fullmatch(icon):
        raise ValueError(f"entry {number}: 'icon' must be an image URL (https://..., /...) or an icon name")
    return ChatLink(name, url, icon)


def parse_chat_links(value: object) -> list[ChatLink]:
    """The CHAT_LINKS setting as links, or ValueError saying which entry is wrong and why."""
    if not isinstance(value, list):
        raise ValueError("a JSON list of {name, url, icon} objects is expected")
    return [_link(number, entry) for number, entry in enumerate(value, 1)]


def check_chat_links(value: object) -> None:
    """Raise ValueError when the CHAT_LINKS setting has the wrong shape."""
    parse_chat_links(value)
